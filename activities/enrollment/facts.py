"""The workflow input of an application, rebuilt from its row."""

from __future__ import annotations

from sqlalchemy.orm import Session

from activities.enrollment.common import campaign_config
from tsos.db.enrollment import FirstGradeApplication
from tsos.db.models import Organization
from workflows.enrollment.messages import ApplicationFacts


def wave_name(app: FirstGradeApplication) -> str:
    if app.deferred:
        return "deferred"
    return "wave1" if app.wave == 1 else "wave2"


def facts_of(session: Session, app: FirstGradeApplication) -> ApplicationFacts:
    org = session.get(Organization, app.organization_id)
    assert org is not None
    config = campaign_config(session, app.campaign_id)
    return ApplicationFacts(
        application_id=app.id, order_id=app.order_id, campaign_id=app.campaign_id,
        organization_id=app.organization_id, school_code=org.code,
        campaign_year=config.campaign.year, wave=wave_name(app),
        needs_age_permission=app.needs_age_permission, foreign_citizen=app.foreign_citizen,
        filing_date=app.filing_date)

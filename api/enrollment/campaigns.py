"""A school's campaign as the staff see it: which campaign, its figures, its phase."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from sqlalchemy import BigInteger, case, cast, func, select
from sqlalchemy.orm import Session

from api.enrollment.schemas import SchoolCampaignOut, SchoolDashboard, SchoolFigures
from api.errors import NotFound
from domain.enrollment.states import ApplicationState
from tsos.db.enrollment import (
    AdmissionCampaign,
    CampaignSchool,
    FirstGradeApplication,
    SmevInboxMessage,
)
from tsos.db.models import Organization
from workflows.enrollment.ids import campaign_workflow_id
from workflows.enrollment.messages import CampaignSchoolView

PHASE_TITLES_RU = {
    "wave1": "первый этап: приём заявлений",
    "allocating": "распределение мест первого этапа",
    "wave1_allocated": "первый этап завершён, места распределены; ожидается второй этап",
    "wave2": "второй этап: приём при наличии свободных мест",
    "closed": "приёмная кампания завершена",
}
REFUSAL_STATES = tuple(s.value for s in ApplicationState if s.value.startswith("refused"))


@dataclass(frozen=True)
class SchoolCampaign:
    campaign: AdmissionCampaign
    school: CampaignSchool
    organization: Organization

    @property
    def workflow_id(self) -> str:
        return campaign_workflow_id(self.campaign.id, self.organization.code)


def campaign_of_school(session: Session, org: Organization,
                       year: int | None = None) -> SchoolCampaign:
    """The school's campaign of that year, or its latest one; 404 when it takes part in none."""
    query = (select(AdmissionCampaign, CampaignSchool)
             .join(CampaignSchool, CampaignSchool.campaign_id == AdmissionCampaign.id)
             .where(CampaignSchool.organization_id == org.id,
                    AdmissionCampaign.service == "first_grade"))
    if year is not None:
        query = query.where(AdmissionCampaign.year == year)
    row = session.execute(query.order_by(AdmissionCampaign.year.desc()).limit(1)).first()
    if row is None:
        when = f" {year} года" if year is not None else ""
        raise NotFound(f"Школа «{org.code}» не участвует в приёмной кампании{when} в 1 класс.")
    return SchoolCampaign(campaign=row[0], school=row[1], organization=org)


def region_campaign(session: Session, year: int | None) -> AdmissionCampaign:
    query = select(AdmissionCampaign).where(AdmissionCampaign.service == "first_grade")
    if year is not None:
        query = query.where(AdmissionCampaign.year == year)
    campaign = session.scalar(query.order_by(AdmissionCampaign.year.desc()).limit(1))
    if campaign is None:
        raise NotFound("Приёмная кампания в 1 класс" + (f" {year} года" if year else "")
                       + " не загружена.")
    return campaign


def campaign_schools(session: Session, campaign: AdmissionCampaign,
                     only: int | None) -> list[SchoolCampaign]:
    query = (select(CampaignSchool, Organization)
             .join(Organization, Organization.id == CampaignSchool.organization_id)
             .where(CampaignSchool.campaign_id == campaign.id))
    if only is not None:
        query = query.where(CampaignSchool.organization_id == only)
    rows = session.execute(query.order_by(Organization.code))
    return [SchoolCampaign(campaign=campaign, school=s, organization=o) for s, o in rows]


def figures(session: Session, campaign_id: int,
            organization_ids: list[int]) -> dict[int, SchoolFigures]:
    """The counts of every school in one pass over its applications."""
    A = FirstGradeApplication
    states: dict[int, Counter[str]] = {org_id: Counter() for org_id in organization_ids}
    held: Counter[int] = Counter()
    rows = session.execute(
        select(A.organization_id, A.state, func.count(),
               func.count().filter(A.seat_held.is_(True)))
        .where(A.campaign_id == campaign_id, A.organization_id.in_(organization_ids))
        .group_by(A.organization_id, A.state))
    for org_id, state, count, seats in rows:
        states[org_id][state] += count
        held[org_id] += seats

    # Intake notes "rejected_duplicate_of:<kept application id>" on each message it answered
    # with 331; only such notes are cast, so other notes never reach the cast.
    inbox = SmevInboxMessage
    kept_id = case((inbox.outcome.like("rejected_duplicate_of:%"),
                    cast(func.split_part(inbox.outcome, ":", 2), BigInteger)), else_=None)
    # (A Result has keys(): dict() would take it for a mapping, hence the comprehensions.)
    duplicates = {org_id: count for org_id, count in session.execute(
        select(A.organization_id, func.count()).select_from(inbox)
        .join(A, A.id == kept_id)
        .where(A.campaign_id == campaign_id, A.organization_id.in_(organization_ids))
        .group_by(A.organization_id))}
    places = {org_id: count for org_id, count in session.execute(
        select(CampaignSchool.organization_id, CampaignSchool.places)
        .where(CampaignSchool.campaign_id == campaign_id,
               CampaignSchool.organization_id.in_(organization_ids)))}

    out = {}
    for org_id in organization_ids:
        by_state = states[org_id]
        out[org_id] = SchoolFigures(
            places=places.get(org_id, 0), applied=sum(by_state.values()),
            by_state=dict(sorted(by_state.items())), confirmed=by_state["confirmed"],
            seats_held=held[org_id], places_left=max(places.get(org_id, 0) - held[org_id], 0),
            enrolled=by_state["enrolled"],
            refused=sum(by_state[s] for s in REFUSAL_STATES),
            deferred=by_state["deferred_to_second_wave"],
            duplicates_answered=duplicates.get(org_id, 0))
    return out


def totals(items: list[SchoolFigures]) -> SchoolFigures:
    by_state: Counter[str] = Counter()
    for item in items:
        by_state.update(item.by_state)
    numbers = {name: sum(getattr(i, name) for i in items)
               for name in ("places", "applied", "confirmed", "seats_held", "places_left",
                            "enrolled", "refused", "deferred", "duplicates_answered")}
    return SchoolFigures(by_state=dict(sorted(by_state.items())), **numbers)


def school_dashboard(sc: SchoolCampaign, numbers: SchoolFigures,
                     view: CampaignSchoolView | None) -> SchoolDashboard:
    phase = getattr(view, "phase", None)
    return SchoolDashboard(
        **numbers.model_dump(), school_code=sc.organization.code,
        school_name=sc.organization.name, phase=phase,
        phase_title=PHASE_TITLES_RU.get(phase) if phase else None,
        wave1_closed_at=getattr(view, "wave1_closed_at", None) or sc.school.wave1_closed_at,
        order_due=getattr(view, "order_due", None))


def campaign_out(sc: SchoolCampaign, view: CampaignSchoolView) -> SchoolCampaignOut:
    return SchoolCampaignOut(
        school_code=sc.organization.code, campaign_year=sc.campaign.year, phase=view.phase,
        phase_title=PHASE_TITLES_RU.get(view.phase, view.phase), places=view.places,
        seats_held=view.seats_held, waiting_requests=view.waiting_requests,
        wave1_closed_at=view.wave1_closed_at, wave2_opened_at=view.wave2_opened_at,
        order_due=view.order_due)

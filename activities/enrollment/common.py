"""What the enrollment activities share: the campaign, status texts, the outbox."""

from __future__ import annotations

import logging
import uuid
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.enrollment.calendar import WorkingCalendar
from domain.enrollment.campaign import CampaignConfig, School
from gateways.epgu import REGISTRY, build_change_order_info, status_for
from gateways.epgu.placeholders import format_age, format_date, format_moment
from tsos.db.enrollment import (
    AdmissionCampaign,
    ApplicationEvent,
    FirstGradeApplication,
    SmevOutboxMessage,
)
from tsos.db.models import Organization

log = logging.getLogger(__name__)


_CONFIGS: dict[tuple[int, datetime], CampaignConfig] = {}


def campaign_config(session: Session, campaign_id: int) -> CampaignConfig:
    """The campaign's parsed file, parsed once per version (updated_at) of its row."""
    campaign = session.get(AdmissionCampaign, campaign_id)
    assert campaign is not None, campaign_id
    key = (campaign.id, campaign.updated_at)
    if key not in _CONFIGS:
        if len(_CONFIGS) > 64:
            _CONFIGS.clear()
        _CONFIGS[key] = CampaignConfig.model_validate(campaign.config)
    return _CONFIGS[key]


def calendar_of(config: CampaignConfig) -> WorkingCalendar:
    return WorkingCalendar.for_campaign(config.campaign)


def end_of_local_day(config: CampaignConfig, day: date) -> datetime:
    """The first moment after `day` in the region: a deadline "by D inclusive" expires then."""
    return datetime.combine(day + timedelta(days=1), time(0), config.time_zone)


def documents_in_words(app: FirstGradeApplication) -> str:
    data = app.data
    documents = ["документ, удостоверяющий личность заявителя",
                 "свидетельство о рождении ребёнка (или документ, подтверждающий родство)"]
    if data.get("applicant", {}).get("representative_document"):
        documents.append("документ, подтверждающий полномочия представителя")
    documents.append("документ о регистрации ребёнка по месту жительства или пребывания")
    right = data.get("priority_right")
    if right and right.get("kind") == "sibling":
        documents.append("свидетельство о рождении брата или сестры")
    elif right:
        documents.append("справка с места работы (службы), подтверждающая право на приём")
    if data.get("adapted_programme", {}).get("needed"):
        documents.append("заключение психолого-медико-педагогической комиссии")
    return "; ".join(documents)


def decision_deadline(config: CampaignConfig, school: School, app: FirstGradeApplication,
                      today: date) -> date:
    calendar = calendar_of(config)
    orders = config.campaign.enrollment_order
    if app.wave == 1 and today <= config.wave1_closes_on(school):
        return calendar.add_working_days(config.wave1_closes_on(school),
                                         orders.wave1_working_days)
    return calendar.add_working_days(today, orders.wave2_working_days)


def deferral_reason(app: FirstGradeApplication, config: CampaignConfig) -> str:
    local_day = config.local(app.filing_date).date()
    if local_day > config.campaign.wave1.end:
        return "заявление подано после завершения первого этапа приёма"
    return ("ребёнок не проживает на закреплённой за школой территории и не имеет права "
            "на внеочередной, первоочередной или преимущественный приём")


def common_placeholders(session: Session, app: FirstGradeApplication,
                        now: datetime) -> dict[str, str]:
    """Every value a status text may ask for that the database can tell."""
    config = campaign_config(session, app.campaign_id)
    org = session.get(Organization, app.organization_id)
    assert org is not None
    school = config.school(org.code)
    founder = config.founder_of(school)
    authority = config.region.education_authority
    today = config.local(now).date()
    child_birth = date.fromisoformat(app.data["child"]["birth_date"])
    campaign = config.campaign
    return {
        "order_id": str(app.order_id),
        "registered_at": format_moment(app.filing_date, config.time_zone),
        "school_name": school.name,
        "school_address": school.address,
        "reception_hours": school.reception_hours,
        "documents": documents_in_words(app),
        "campaign_year": str(campaign.year),
        "age_on_sept_1": format_age(child_birth, campaign.age_reference_date),
        "founder_name": founder.name,
        "founder_address": founder.address,
        "authority_name": authority.name,
        "authority_address": authority.address,
        "authority_phone": authority.phone or config.region.support_phone or "—",
        "support_phone": config.region.support_phone or authority.phone or "—",
        "wave1_start": format_date(campaign.wave1.start),
        "wave1_end": format_date(campaign.wave1.end),
        "wave2_start": format_date(config.wave2_opens_at(school).date()),
        "wave2_end": format_date(campaign.wave2.end),
        "deferral_reason": deferral_reason(app, config),
        "decision_deadline": format_date(decision_deadline(config, school, app, today)),
        **({"deadline": format_date(app.documents_due)} if app.documents_due else {}),
    }


def next_event_seq(session: Session, application_id: int) -> int:
    last = session.scalar(select(func.max(ApplicationEvent.seq))
                          .where(ApplicationEvent.application_id == application_id))
    return (last or 0) + 1


def record_event(session: Session, app: FirstGradeApplication, *, seq: int, at: datetime,
                 from_state: str | None, state: str, code: str | None, comment: str | None,
                 actor: str, rule: str | None = None, clause: str | None = None,
                 details: dict[str, Any] | None = None) -> None:
    session.add(ApplicationEvent(application_id=app.id, seq=seq, at=at, from_state=from_state,
                                 state=state, code=code, comment=comment, actor=actor,
                                 rule=rule, clause=clause, details=details))


def queue_status(session: Session, *, dedup_key: str, order_id: int, state: str,
                 placeholders: dict[str, str], reply_to: str | None,
                 request_message_id: str, application_id: int | None,
                 contract_namespace: str | None = None) -> SmevOutboxMessage:
    """Put one changeOrderInfo in the outbox (validated now, sent by the outbox sender)."""
    contract = REGISTRY.get(contract_namespace) if contract_namespace else None
    kwargs = {"contract": contract} if contract is not None else {}
    payload = build_change_order_info(order_id, state, placeholders, **kwargs)
    row = status_for(state, **kwargs)
    from gateways.epgu.answers import fill_comment

    message = SmevOutboxMessage(
        dedup_key=dedup_key, message_id=str(uuid.uuid1()), reply_to=reply_to,
        request_message_id=request_message_id, order_id=order_id,
        application_id=application_id, kind=str(row.code_kind), code=str(row.code),
        comment=fill_comment(order_id, state, placeholders, **kwargs),
        cancel_allowed=row.cancel_allowed, payload=payload,
    )
    session.add(message)
    return message


def last_status(session: Session, order_id: int) -> SmevOutboxMessage | None:
    """The last changeOrderInfo queued for an order (what a repeat answer repeats)."""
    return session.scalar(
        select(SmevOutboxMessage)
        .where(SmevOutboxMessage.order_id == order_id,
               SmevOutboxMessage.kind.in_(("techCode", "orgCode")),
               SmevOutboxMessage.code.not_in(("319", "320")))
        .order_by(SmevOutboxMessage.id.desc()).limit(1)
    )

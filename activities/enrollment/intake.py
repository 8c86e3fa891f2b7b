"""Intake of one stored SMEV message: answer it, or register the application it carries.

Runs in arrival order, one message at a time per deployment, so "the first to arrive" is
simply the earlier inbox row. Everything it decides is written in the same transaction as
the answer it queues: a crash before the commit leaves the message new, to be taken again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime

from pydantic import TypeAdapter
from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.enrollment.common import (
    campaign_config,
    common_placeholders,
    last_status,
    queue_status,
    record_event,
)
from activities.enrollment.facts import facts_of
from activities.enrollment.transitions import queue_cancel_response
from domain.enrollment.age import assess_age, format_age_ru
from domain.enrollment.application import FirstGradeApplication as ApplicationData
from domain.enrollment.application import RussianBirthCertificate
from domain.enrollment.campaign import CampaignConfig
from domain.enrollment.duplicates import ChildIdentity, duplicate_key
from domain.enrollment.ranking import PriorityRight, effective_right
from domain.enrollment.territory import is_resident
from domain.enrollment.waves import WaveOutcome, decide_wave
from domain.people.names import full_name_key
from gateways.epgu import (
    InvalidPayload,
    Operation,
    ParsedApplication,
    ParsedCancel,
    ParsedStatusQuery,
    PrecheckRejection,
    parse,
)
from gateways.epgu.placeholders import format_date, format_moment
from tsos.db.enrollment import (
    AdmissionCampaign,
    CampaignSchool,
    FirstGradeApplication,
    SmevInboxMessage,
    SmevOutboxMessage,
)
from tsos.db.models import Organization, Person, Pupil
from workflows.enrollment.ids import application_workflow_id
from workflows.enrollment.messages import ApplicationFacts, PortalCancel

log = logging.getLogger(__name__)

BOARDING_ONLY_BASES = frozenset({"ex-prosecutor", "ex-judge", "ex-investigator"})
_APPLICATION_JSON = TypeAdapter(ApplicationData)


@dataclass
class IntakeOutcome:
    """What the caller must do after the commit: start a workflow, or signal one."""

    start: ApplicationFacts | None = None
    cancel_workflow_id: str | None = None
    cancel: PortalCancel | None = None


class _Context:
    """What the EPGU reader asks of the world, answered from the campaigns loaded."""

    def __init__(self, session: Session, region_oktmo: str, now: datetime) -> None:
        self._session = session
        self.region_oktmo = region_oktmo
        self.now = now

    def school_admits_first_grade(self, school_code: str, filing_date: datetime) -> bool:
        # Taking part in the campaign whose window holds the filing (a school of another
        # year's campaign only is not this campaign's); a filing outside every window is
        # answered separately, with 334, for any school of a loaded campaign.
        campaign, _ = _campaign_for(self._session, filing_date)
        if campaign is not None:
            return any(school.code == school_code
                       for school in campaign_config(self._session, campaign.id).schools)
        return school_code in _batch_cached(self._session, "campaign_school_codes", lambda: set(
            self._session.scalars(select(Organization.code).join(CampaignSchool))))


def _batch_cached(session: Session, key: str, load):  # type: ignore[no-untyped-def]
    """Reference data read once per intake transaction (campaigns change between batches,
    never inside one)."""
    cache = session.info.setdefault("intake_cache", {})
    if key not in cache:
        cache[key] = load()
    return cache[key]


def process_message(session: Session, inbox: SmevInboxMessage, *, now: datetime,
                    region_oktmo: str) -> IntakeOutcome:
    outcome = IntakeOutcome()
    if inbox.payload is None:
        _reject(session, inbox, "FAILURE", "Сообщение не удалось прочитать: в нём нет "
                "содержимого запроса (MessagePrimaryContent).", "no_payload")
        return outcome

    result = parse(inbox.payload, _Context(session, region_oktmo, now))
    if isinstance(result, PrecheckRejection):
        _reject(session, inbox, str(result.code), result.description, str(result.code).lower())
    elif isinstance(result, InvalidPayload):
        _invalid(session, inbox, result)
    elif isinstance(result, ParsedApplication):
        outcome.start = _application(session, inbox, result, now)
    elif isinstance(result, ParsedCancel):
        _cancel(session, inbox, result, now, outcome)
    elif isinstance(result, ParsedStatusQuery):
        inbox.kind, inbox.order_id = "status_query", result.query.order_id
        _repeat_or_unknown(session, inbox, result.query.order_id, result.contract.namespace)
    inbox.state = "processed"
    inbox.processed_at = now
    return outcome


def _reject(session: Session, inbox: SmevInboxMessage, code: str, description: str,
            reason: str) -> None:
    session.add(SmevOutboxMessage(
        dedup_key=f"inbox:{inbox.id}:answer", message_id=str(uuid.uuid1()),
        reply_to=inbox.reply_to, request_message_id=inbox.message_id, order_id=None,
        kind="RequestRejected", code=code, comment=description))
    inbox.outcome = f"rejected:{reason}"
    log.info("message rejected before reading", extra={"inbox_id": inbox.id,
                                                       "reason": reason})


def _invalid(session: Session, inbox: SmevInboxMessage, result: InvalidPayload) -> None:
    inbox.order_id = result.order_id
    inbox.error = "\n".join(result.details) or None
    if result.order_id is None:
        _reject(session, inbox, "FAILURE",
                f"Ошибка в сведениях — {result.field}: {result.problem}.", "no_order_id")
        return
    if result.operation is Operation.CANCEL:
        inbox.kind = "cancel"
        queue_cancel_response(session, inbox=inbox, order_id=result.order_id,
                              result="REJECTED", comment=f"Запрос на отмену не принят: "
                              f"{result.field} — {result.problem}.", application_id=None,
                              contract_namespace=result.contract.namespace)
        inbox.outcome = "cancel_invalid"
        return
    inbox.kind = "application"
    if _known(session, result.order_id):
        _repeat_or_unknown(session, inbox, result.order_id, result.contract.namespace)
        return
    _answer(session, inbox, result.order_id, "rejected_invalid_data",
            {"field": result.field, "problem": result.problem}, result.contract.namespace)
    inbox.outcome = "rejected_invalid_data"


def _known(session: Session, order_id: int) -> bool:
    """An order with an application, or one we have already answered."""
    return session.scalar(
        select(FirstGradeApplication.id).where(FirstGradeApplication.order_id == order_id)
        .union_all(select(SmevOutboxMessage.id).where(
            SmevOutboxMessage.order_id == order_id,
            SmevOutboxMessage.kind.in_(("techCode", "orgCode"))))
        .limit(1)) is not None


def _answer(session: Session, inbox: SmevInboxMessage, order_id: int, state: str,
            placeholders: dict[str, str], namespace: str | None) -> None:
    """A status in reply to this very message, for an order that has no application."""
    queue_status(session, dedup_key=f"inbox:{inbox.id}:answer", order_id=order_id,
                 state=state, placeholders=placeholders, reply_to=inbox.reply_to,
                 request_message_id=inbox.message_id, application_id=None,
                 contract_namespace=namespace)


def _repeat_or_unknown(session: Session, inbox: SmevInboxMessage, order_id: int,
                       namespace: str | None) -> None:
    app = _find(session, order_id)
    if app is not None:
        order_id = app.order_id
    previous = last_status(session, order_id)
    if previous is None:
        support = _support_phone(session)
        _answer(session, inbox, order_id, "order_not_found",
                {"order_id": str(order_id), "support_phone": support}, namespace)
        inbox.outcome = "order_not_found"
        return
    session.add(SmevOutboxMessage(
        dedup_key=f"inbox:{inbox.id}:answer", message_id=str(uuid.uuid1()),
        reply_to=inbox.reply_to, request_message_id=inbox.message_id, order_id=order_id,
        application_id=previous.application_id, kind=previous.kind, code=previous.code,
        comment=previous.comment, cancel_allowed=previous.cancel_allowed,
        payload=previous.payload))
    inbox.outcome = "status_repeated"


def _support_phone(session: Session) -> str:
    campaign = session.scalar(select(AdmissionCampaign)
                              .order_by(AdmissionCampaign.year.desc()).limit(1))
    if campaign is None:
        return "—"
    config = campaign_config(session, campaign.id)
    return config.region.support_phone or config.region.education_authority.phone or "—"


def _find(session: Session, order_id: int) -> FirstGradeApplication | None:
    """By the portal's orderId, or by our own number (an application bound later, T20)."""
    app = session.scalar(select(FirstGradeApplication)
                         .where(FirstGradeApplication.order_id == order_id))
    if app is None:
        app = session.get(FirstGradeApplication, order_id)
    return app


def _campaign_for(session: Session, filing_date: datetime) -> tuple[AdmissionCampaign | None,
                                                                      AdmissionCampaign | None]:
    """The campaign whose window holds the filing; else the nearest one, for the 334 text."""
    campaigns = _batch_cached(session, "campaigns", lambda: list(session.scalars(
        select(AdmissionCampaign).where(AdmissionCampaign.service == "first_grade")
        .order_by(AdmissionCampaign.wave1_start))))
    nearest = None
    for campaign in campaigns:
        config = campaign_config(session, campaign.id)
        if config.window_contains(filing_date):
            return campaign, campaign
        day = config.local(filing_date).date()
        if day < campaign.wave1_start:
            return None, campaign
        nearest = campaign
    return None, nearest


def _application(session: Session, inbox: SmevInboxMessage, parsed: ParsedApplication,
                 now: datetime) -> ApplicationFacts | None:
    data = parsed.application
    namespace = parsed.contract.namespace
    inbox.kind, inbox.order_id = "application", data.order_id

    if _known(session, data.order_id):
        _repeat_or_unknown(session, inbox, data.order_id, namespace)
        return None

    campaign, nearest = _campaign_for(session, data.filing_date)
    if campaign is None:
        _campaign_not_open(session, inbox, data, nearest, namespace)
        return None
    config = campaign_config(session, campaign.id)
    school = config.school(data.school_code)
    orgs = _batch_cached(session, "organizations", dict)
    if school.code not in orgs:
        orgs[school.code] = session.scalar(
            select(Organization).where(Organization.code == school.code))
    org = orgs[school.code]
    assert org is not None, school.code

    child = data.child
    identity = ChildIdentity(
        surname=child.name.surname, name=child.name.name, middle_name=child.name.middle_name,
        birth_date=child.birth_date,
        birth_document_series=getattr(child.birth_document, "series", None),
        birth_document_number=child.birth_document.number,
        russian_birth_document=isinstance(child.birth_document, RussianBirthCertificate),
        snils=child.snils)
    key = duplicate_key(identity, school.code)
    child_key = f"{key.full_name}|{key.birth_date.isoformat()}|{key.birth_document}"
    existing = session.scalar(select(FirstGradeApplication).where(
        FirstGradeApplication.campaign_id == campaign.id,
        FirstGradeApplication.organization_id == org.id,
        FirstGradeApplication.child_key == child_key,
        FirstGradeApplication.closed_at.is_(None)))
    if existing is not None:
        _answer(session, inbox, data.order_id, "rejected_duplicate", {
            "school_name": school.name,
            "existing_filed_at": format_moment(existing.filing_date, config.time_zone)},
            namespace)
        inbox.outcome = f"rejected_duplicate_of:{existing.id}"
        log.info("duplicate application", extra={"inbox_id": inbox.id,
                                                 "order_id": data.order_id,
                                                 "kept_application_id": existing.id})
        return None

    # A school that closed wave 1 early has opened its wave 2 since: a filing from then on
    # belongs to wave 2 at once, not held for it (п. 18 Порядка приёма).
    opened_early_at = session.scalar(select(CampaignSchool.wave1_closed_at).where(
        CampaignSchool.campaign_id == campaign.id, CampaignSchool.organization_id == org.id))
    evaluation = _evaluate(session, data, config, school, org, opened_early_at)
    app = FirstGradeApplication(
        order_id=data.order_id, campaign_id=campaign.id, organization_id=org.id,
        contract=namespace, request_message_id=inbox.message_id, reply_to=inbox.reply_to,
        inbox_id=inbox.id, filing_date=data.filing_date,
        filing_date_as_sent=data.filing_date.isoformat(), received_at=inbox.received_at,
        child_key=child_key, state="registered", right_kind=evaluation["right"],
        resident=evaluation["resident"], wave=evaluation["wave"],
        deferred=evaluation["wave_name"] == "deferred",
        needs_age_permission=evaluation["needs_age_permission"],
        foreign_citizen=evaluation["foreign"],
        data=_APPLICATION_JSON.dump_python(data, mode="json"),
        workflow_id=application_workflow_id(data.order_id))
    session.add(app)
    session.flush()

    placeholders = common_placeholders(session, app, now)
    outbox = queue_status(session, dedup_key=f"app:{app.id}:transition:1",
                          order_id=app.order_id, state="registered",
                          placeholders=placeholders, reply_to=app.reply_to,
                          request_message_id=app.request_message_id, application_id=app.id,
                          contract_namespace=namespace)
    record_event(session, app, seq=1, at=now, from_state=None, state="registered",
                 code=outbox.code, comment=outbox.comment, actor="система",
                 rule="registration", clause=evaluation["wave_clause"],
                 details=evaluation["basis"])
    inbox.outcome = f"registered:{app.id}"
    log.info("application registered", extra={"application_id": app.id,
                                              "order_id": app.order_id,
                                              "school": school.code, "wave": app.wave})
    return facts_of(session, app)


def _evaluate(session: Session, data: ApplicationData, config: CampaignConfig, school,  # type: ignore[no-untyped-def]
              org: Organization, wave2_opened_early_at: datetime | None) -> dict:
    """Age, right, territory and wave of an application, each with its basis in words."""
    basis: dict[str, str] = {}

    age = assess_age(data.child.birth_date, config.campaign.age_reference_date)
    basis["age"] = (f"{format_age_ru(age.age)} на {format_date(age.reference_date)}: "
                    f"{age.category.label_ru} ({age.clause})")

    checks = [is_resident(address.street, address.house, school.assigned_territory)
              for address in (data.residence_address, data.registration_address)]
    resident = any(check.resident for check in checks)
    basis["territory"] = next((c.reason for c in checks if c.resident), checks[0].reason)

    right = None
    if data.priority_right is not None:
        right = effective_right(
            PriorityRight(data.priority_right.kind.value),
            requires_boarding=data.priority_right.basis_code in BOARDING_ONLY_BASES,
            school_has_boarding=school.boarding)
        if right is None:
            basis["right"] = "право внеочередного приёма действует только в школах с интернатом"
        elif right is PriorityRight.SIBLING and not _sibling_studies_here(session, data, org):
            right = None
            basis["right"] = ("брат или сестра, указанные в заявлении, не найдены среди "
                              "обучающихся школы: преимущественное право не применено")
        else:
            basis["right"] = f"{right.label_ru} (основание: {data.priority_right.basis_code})"

    decision = decide_wave(data.filing_date, campaign=config, school=school,
                           has_priority_right=right is not None, resident=resident,
                           wave2_opens_at=wave2_opened_early_at)
    basis["wave"] = f"{decision.outcome.label_ru} ({decision.clause})"
    wave_name = {WaveOutcome.WAVE1: "wave1", WaveOutcome.DEFERRED_TO_WAVE2: "deferred",
                 WaveOutcome.WAVE2: "wave2"}[decision.outcome]
    foreign = data.child.citizenship != "643"
    return {"right": right.value if right else None, "resident": resident,
            "wave": 1 if decision.outcome is WaveOutcome.WAVE1 else 2, "wave_name": wave_name,
            "wave_clause": decision.clause, "needs_age_permission":
            age.needs_founder_permission, "foreign": foreign, "basis": basis}


def _sibling_studies_here(session: Session, data: ApplicationData, org: Organization) -> bool:
    for sibling in data.siblings:
        key = full_name_key(sibling.name.surname, sibling.name.name, sibling.name.middle_name)
        found = session.scalar(select(Pupil.id).join(Person).where(
            Pupil.organization_id == org.id, Pupil.left_on.is_(None),
            Person.match_key == key, Person.birth_date == sibling.birth_date))
        if found:
            return True
    return False


def _campaign_not_open(session: Session, inbox: SmevInboxMessage, data: ApplicationData,
                       nearest: AdmissionCampaign | None, namespace: str) -> None:
    if nearest is None:
        _reject(session, inbox, "FAILURE", "Приём заявлений в 1 класс не открыт: "
                "приёмная кампания не настроена.", "no_campaign")
        return
    config = campaign_config(session, nearest.id)
    day = config.local(data.filing_date).date()
    c = config.campaign
    _answer(session, inbox, data.order_id, "rejected_campaign_not_open", {
        "campaign_year": str(c.year),
        "when": "ещё не начался" if day < c.wave1.start else "завершён",
        "wave1_start": format_date(c.wave1.start), "wave1_end": format_date(c.wave1.end),
        "wave2_start": format_date(c.wave2.start), "wave2_end": format_date(c.wave2.end)},
        namespace)
    inbox.outcome = "rejected_campaign_not_open"


def _cancel(session: Session, inbox: SmevInboxMessage, parsed: ParsedCancel, now: datetime,
            outcome: IntakeOutcome) -> None:
    order_id = parsed.request.order_id
    inbox.kind, inbox.order_id = "cancel", order_id
    app = _find(session, order_id)
    namespace = parsed.contract.namespace
    if app is None:
        queue_cancel_response(session, inbox=inbox, order_id=order_id, result="REJECTED",
                              comment=f"Заявление № {order_id} не найдено в региональной "
                              "информационной системе.", application_id=None,
                              contract_namespace=namespace)
        inbox.outcome = "cancel_unknown_order"
        return
    if app.closed_at is not None:
        queue_cancel_response(session, inbox=inbox, order_id=app.order_id, result="REJECTED",
                              comment="Рассмотрение заявления уже завершено; отменить его "
                              "нельзя.", application_id=app.id, contract_namespace=namespace)
        inbox.outcome = "cancel_closed_application"
        return
    outcome.cancel_workflow_id = app.workflow_id
    outcome.cancel = PortalCancel(inbox_id=inbox.id, reason=parsed.request.reason,
                                  received_at=inbox.received_at)
    inbox.outcome = "cancel_forwarded"

"""The life of a first-grade application: states, events, transitions, cancellation.

The states are the `state` column of the first-grade contract's status table
(reference/epgu/first-grade/1.0.0/statuses.csv); `cancel_refused` and `order_not_found`
are answers, not states, and are not here. Status codes and texts stay in the contract's
mapping; which states allow a cancellation from the portal is that table's data too, passed
in as a CancellationPolicy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType

from domain.enrollment.errors import EnrollmentError, TransitionNotAllowedError


class ApplicationState(StrEnum):
    """Internal state of an application."""

    REGISTERED = "registered"
    ACCEPTED = "accepted"
    DOCUMENTS_REQUESTED = "documents_requested"
    AGE_PERMISSION_PENDING = "age_permission_pending"
    CONFIRMED = "confirmed"
    DEFERRED_TO_SECOND_WAVE = "deferred_to_second_wave"
    FOREIGN_DOCUMENTS_CHECK = "foreign_documents_check"
    ENROLLED = "enrolled"
    REFUSED = "refused"
    CANCELLED = "cancelled"
    REJECTED_DUPLICATE = "rejected_duplicate"
    REJECTED_INVALID_DATA = "rejected_invalid_data"
    REJECTED_CAMPAIGN_NOT_OPEN = "rejected_campaign_not_open"
    RETURNED_INCOMPLETE = "returned_incomplete"
    REFUSED_NO_PLACES = "refused_no_places"
    REFUSED_DOCUMENTS_NOT_PRESENTED = "refused_documents_not_presented"
    REFUSED_FOREIGN_CONDITIONS = "refused_foreign_conditions"
    WITHDRAWN_BY_APPLICANT = "withdrawn_by_applicant"


class ApplicationEvent(StrEnum):
    """What happens to an application."""

    REGISTER = "register"
    REJECT_DUPLICATE = "reject_duplicate"
    REJECT_INVALID_DATA = "reject_invalid_data"
    REJECT_CAMPAIGN_NOT_OPEN = "reject_campaign_not_open"
    TAKE_INTO_REVIEW = "take_into_review"
    DEFER_TO_SECOND_WAVE = "defer_to_second_wave"
    START_FOREIGN_DOCUMENTS_CHECK = "start_foreign_documents_check"
    RETURN_INCOMPLETE = "return_incomplete"
    REQUEST_DOCUMENTS = "request_documents"
    REQUIRE_AGE_PERMISSION = "require_age_permission"
    CONFIRM = "confirm"
    ENROLL = "enroll"
    REFUSE_NO_PLACES = "refuse_no_places"
    REFUSE_DOCUMENTS_NOT_PRESENTED = "refuse_documents_not_presented"
    REFUSE_FOREIGN_CONDITIONS = "refuse_foreign_conditions"
    REFUSE = "refuse"
    CANCEL_ON_PORTAL = "cancel_on_portal"
    WITHDRAW_IN_WRITING = "withdraw_in_writing"


_S = ApplicationState
_E = ApplicationEvent

TERMINAL_STATES: frozenset[ApplicationState] = frozenset(
    {
        _S.ENROLLED,
        _S.REFUSED,
        _S.CANCELLED,
        _S.REJECTED_DUPLICATE,
        _S.REJECTED_INVALID_DATA,
        _S.REJECTED_CAMPAIGN_NOT_OPEN,
        _S.RETURNED_INCOMPLETE,
        _S.REFUSED_NO_PLACES,
        _S.REFUSED_DOCUMENTS_NOT_PRESENTED,
        _S.REFUSED_FOREIGN_CONDITIONS,
        _S.WITHDRAWN_BY_APPLICANT,
    }
)
ACTIVE_STATES: frozenset[ApplicationState] = frozenset(_S) - TERMINAL_STATES
# The states an application can be in after a school has taken it into review.
_IN_REVIEW = (
    _S.ACCEPTED,
    _S.DOCUMENTS_REQUESTED,
    _S.AGE_PERMISSION_PENDING,
    _S.CONFIRMED,
)

# (state before, event) -> state after; None before is intake: the application does not
# exist yet. 331, 332 and 334 are sent instead of registration, never after it.
_TRANSITIONS: Mapping[
    tuple[ApplicationState | None, ApplicationEvent], ApplicationState
] = {
    (None, _E.REGISTER): _S.REGISTERED,
    (None, _E.REJECT_DUPLICATE): _S.REJECTED_DUPLICATE,
    (None, _E.REJECT_INVALID_DATA): _S.REJECTED_INVALID_DATA,
    (None, _E.REJECT_CAMPAIGN_NOT_OPEN): _S.REJECTED_CAMPAIGN_NOT_OPEN,
    (_S.REGISTERED, _E.TAKE_INTO_REVIEW): _S.ACCEPTED,
    (_S.REGISTERED, _E.DEFER_TO_SECOND_WAVE): _S.DEFERRED_TO_SECOND_WAVE,
    (_S.REGISTERED, _E.START_FOREIGN_DOCUMENTS_CHECK): _S.FOREIGN_DOCUMENTS_CHECK,
    (_S.DEFERRED_TO_SECOND_WAVE, _E.TAKE_INTO_REVIEW): _S.ACCEPTED,
    (_S.DEFERRED_TO_SECOND_WAVE, _E.REFUSE_NO_PLACES): _S.REFUSED_NO_PLACES,
    (_S.FOREIGN_DOCUMENTS_CHECK, _E.TAKE_INTO_REVIEW): _S.ACCEPTED,
    # A complete foreign package filed in wave 1 with neither a right nor the territory
    # waits for wave 2 like any other such application.
    (_S.FOREIGN_DOCUMENTS_CHECK, _E.DEFER_TO_SECOND_WAVE): _S.DEFERRED_TO_SECOND_WAVE,
    (_S.FOREIGN_DOCUMENTS_CHECK, _E.RETURN_INCOMPLETE): _S.RETURNED_INCOMPLETE,
    (
        _S.FOREIGN_DOCUMENTS_CHECK,
        _E.REFUSE_FOREIGN_CONDITIONS,
    ): _S.REFUSED_FOREIGN_CONDITIONS,
    (_S.ACCEPTED, _E.REQUEST_DOCUMENTS): _S.DOCUMENTS_REQUESTED,
    (_S.DOCUMENTS_REQUESTED, _E.REQUIRE_AGE_PERMISSION): _S.AGE_PERMISSION_PENDING,
    (_S.DOCUMENTS_REQUESTED, _E.CONFIRM): _S.CONFIRMED,
    (
        _S.DOCUMENTS_REQUESTED,
        _E.REFUSE_DOCUMENTS_NOT_PRESENTED,
    ): _S.REFUSED_DOCUMENTS_NOT_PRESENTED,
    (_S.AGE_PERMISSION_PENDING, _E.CONFIRM): _S.CONFIRMED,
    # Nothing says "enrolled" before the order exists (T6): only a confirmed application.
    (_S.CONFIRMED, _E.ENROLL): _S.ENROLLED,
    **{(state, _E.REFUSE_NO_PLACES): _S.REFUSED_NO_PLACES for state in _IN_REVIEW},
    # Since 01.04.2025 a foreign citizen may be refused when the test result or the proof
    # of legal stay fails at any point of the review (§3.11, §3.12).
    **{
        (state, _E.REFUSE_FOREIGN_CONDITIONS): _S.REFUSED_FOREIGN_CONDITIONS
        for state in _IN_REVIEW
    },
    # techCode 4: any other refusal, e.g. the founder refuses to permit the age.
    **{(state, _E.REFUSE): _S.REFUSED for state in _IN_REVIEW},
    **{(state, _E.CANCEL_ON_PORTAL): _S.CANCELLED for state in ACTIVE_STATES},
    **{
        (state, _E.WITHDRAW_IN_WRITING): _S.WITHDRAWN_BY_APPLICANT
        for state in ACTIVE_STATES
    },
}
TRANSITIONS = MappingProxyType(dict(_TRANSITIONS))

STATE_TITLES_RU = {
    _S.REGISTERED: "зарегистрировано",
    _S.ACCEPTED: "принято к рассмотрению",
    _S.DOCUMENTS_REQUESTED: "ожидаются оригиналы документов",
    _S.AGE_PERMISSION_PENDING: "ожидается разрешение учредителя",
    _S.CONFIRMED: "сведения подтверждены",
    _S.DEFERRED_TO_SECOND_WAVE: "отложено до второго этапа",
    _S.FOREIGN_DOCUMENTS_CHECK: "проверка документов иностранного гражданина",
    _S.ENROLLED: "ребёнок зачислен",
    _S.REFUSED: "отказано",
    _S.CANCELLED: "отменено по запросу с портала",
    _S.REJECTED_DUPLICATE: "не зарегистрировано: повторное заявление",
    _S.REJECTED_INVALID_DATA: "не зарегистрировано: ошибка в сведениях",
    _S.REJECTED_CAMPAIGN_NOT_OPEN: "не зарегистрировано: приём заявлений не ведётся",
    _S.RETURNED_INCOMPLETE: "возвращено без рассмотрения",
    _S.REFUSED_NO_PLACES: "отказано: нет свободных мест",
    _S.REFUSED_DOCUMENTS_NOT_PRESENTED: "рассмотрение прекращено: документы не представлены",
    _S.REFUSED_FOREIGN_CONDITIONS: "отказано: не выполнены условия для иностранных граждан",
    _S.WITHDRAWN_BY_APPLICANT: "отозвано письменным заявлением",
}

EVENT_TITLES_RU = {
    _E.REGISTER: "зарегистрировать",
    _E.REJECT_DUPLICATE: "отклонить как повторное",
    _E.REJECT_INVALID_DATA: "отклонить из-за ошибки в сведениях",
    _E.REJECT_CAMPAIGN_NOT_OPEN: "отклонить: приём заявлений не ведётся",
    _E.TAKE_INTO_REVIEW: "принять к рассмотрению",
    _E.DEFER_TO_SECOND_WAVE: "отложить до второго этапа",
    _E.START_FOREIGN_DOCUMENTS_CHECK: "начать проверку документов иностранного гражданина",
    _E.RETURN_INCOMPLETE: "вернуть без рассмотрения",
    _E.REQUEST_DOCUMENTS: "запросить оригиналы документов",
    _E.REQUIRE_AGE_PERMISSION: "запросить разрешение учредителя",
    _E.CONFIRM: "подтвердить сведения",
    _E.ENROLL: "зачислить",
    _E.REFUSE_NO_PLACES: "отказать за отсутствием мест",
    _E.REFUSE_DOCUMENTS_NOT_PRESENTED: "прекратить рассмотрение: документы не представлены",
    _E.REFUSE_FOREIGN_CONDITIONS: "отказать: не выполнены условия для иностранных граждан",
    _E.REFUSE: "отказать",
    _E.CANCEL_ON_PORTAL: "отменить по запросу с портала",
    _E.WITHDRAW_IN_WRITING: "отозвать письменным заявлением",
}


def is_terminal(state: ApplicationState) -> bool:
    return state in TERMINAL_STATES


def allowed_events(state: ApplicationState | None) -> frozenset[ApplicationEvent]:
    """The events the state accepts (None: an application at intake)."""
    return frozenset(event for before, event in TRANSITIONS if before == state)


def transition(
    current: ApplicationState | None, event: ApplicationEvent
) -> ApplicationState:
    """Return the state after the event; TransitionNotAllowedError if it cannot happen."""
    after = TRANSITIONS.get((current, event))
    if after is not None:
        return after

    action = EVENT_TITLES_RU[event]
    if current is None:
        message = f"Действие «{action}» невозможно для заявления, которое ещё не принято системой"
    elif is_terminal(current):
        message = (
            f"Действие «{action}» невозможно: рассмотрение заявления завершено "
            f"(«{STATE_TITLES_RU[current]}»)"
        )
    else:
        message = (
            f"Действие «{action}» невозможно, когда заявление в состоянии "
            f"«{STATE_TITLES_RU[current]}»"
        )
    raise TransitionNotAllowedError(
        message, current=current.value if current else None, event=event.value
    )


class CancelOutcome(StrEnum):
    """The answer to a cancellation asked on the portal."""

    # Cancelled: the application moves to `cancelled`, the portal is told so.
    CANCELLED = "cancelled"
    # Refused; the application stays active and the refusal is reported as a status.
    REFUSED_ACTIVE = "refused_active"
    # Refused; the application is closed and nothing further is sent.
    REFUSED_CLOSED = "refused_closed"


@dataclass(frozen=True)
class CancelDecision:
    """What to do with a cancellation, and why (Russian, for the refusal's comment)."""

    outcome: CancelOutcome
    new_state: ApplicationState
    reason: str | None = None


@dataclass(frozen=True)
class CancellationPolicy:
    """Which active states accept a cancellation from the portal (contract data)."""

    allowed: frozenset[ApplicationState]

    @classmethod
    def from_table(
        cls, rows: Mapping[str, bool] | Iterable[tuple[str, bool]]
    ) -> CancellationPolicy:
        """Build from the status table's (state, cancel_allowed) pairs.

        Rows that are not states (answers such as cancel_refused) are ignored; every active
        state must be given, so that a change of the table cannot silently forbid or allow.
        """
        pairs = rows.items() if isinstance(rows, Mapping) else rows
        known = {state.value for state in ApplicationState}
        given = {name: bool(flag) for name, flag in pairs if name in known}
        missing = sorted(
            state.value for state in ACTIVE_STATES if state.value not in given
        )
        if missing:
            raise EnrollmentError(
                "в таблице статусов не указано, можно ли отменить заявление в состояниях: "
                + ", ".join(missing)
            )
        return cls(
            frozenset(
                ApplicationState(name)
                for name, flag in given.items()
                if flag and ApplicationState(name) in ACTIVE_STATES
            )
        )

    def portal_cancel_allowed(self, state: ApplicationState) -> bool:
        """The `cancelAllowed` flag of a status in this state."""
        return state in self.allowed


CONFIRMED_REFUSAL_RU = (
    "сведения заявления подтверждены, ребёнок включён в список на зачисление"
)
CLOSED_REFUSAL_RU = "рассмотрение заявления завершено ({state})"


def decide_cancel(
    state: ApplicationState, policy: CancellationPolicy
) -> CancelDecision:
    """Answer a cancellation asked on the portal (contract 1.0.0, «Cancellation»)."""
    if is_terminal(state):
        return CancelDecision(
            CancelOutcome.REFUSED_CLOSED,
            state,
            CLOSED_REFUSAL_RU.format(state=STATE_TITLES_RU[state]),
        )
    if not policy.portal_cancel_allowed(state):
        reason = (
            CONFIRMED_REFUSAL_RU
            if state is _S.CONFIRMED
            else f"в состоянии «{STATE_TITLES_RU[state]}» отмена через портал не допускается"
        )
        return CancelDecision(CancelOutcome.REFUSED_ACTIVE, state, reason)
    return CancelDecision(
        CancelOutcome.CANCELLED, transition(state, _E.CANCEL_ON_PORTAL)
    )

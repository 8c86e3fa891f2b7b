"""What the term-grading workflow, its activities and the API pass to each other."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal

from pydantic import BaseModel, Field


class GradingInput(BaseModel):
    """One school's grading of one term (or, with term_id None, of the school year)."""

    organization_id: int
    organization_code: str
    school_year_id: int
    term_id: int | None = None
    title: str
    time_zone: str
    # Teachers confirm or override until then; what is left goes to the deputy head.
    teacher_deadline: datetime
    reminder_every: timedelta = timedelta(days=1)
    deputy_reminder_every: timedelta = timedelta(days=1)
    lock_retry_every: timedelta = timedelta(days=1)
    # Year grading first waits for the school's terms to close, checking this often.
    terms_check_every: timedelta = timedelta(days=1)
    # A run continues as new after this many reminders of its own at the latest (None: only
    # when Temporal suggests it), keeping each run's history short.
    reminders_per_run: int | None = None
    # Carried over continue-as-new: where a long run had got to (the teachers' deadline is
    # carried over as it is).
    resume_phase: str | None = None
    resume_round: int = 0
    resume_returns: int = 0
    resume_proposals: int = 0


class PeriodRef(BaseModel):
    organization_id: int
    school_year_id: int
    term_id: int | None = None
    title: str = ""
    time_zone: str = "Europe/Simferopol"
    workflow_id: str | None = None


class Pending(BaseModel):
    total: int = 0
    escalated: int = 0
    by_teacher: dict[int, int] = Field(default_factory=dict)


class ProposalSummary(BaseModel):
    classes: int
    created: int
    pending: Pending


class NoticeRequest(BaseModel):
    period: PeriodRef
    kind: Literal["proposed", "reminder", "escalated", "deputy_reminder", "lock_refused"]
    round: int = 0
    # Marks sent back to be decided after a refused close are announced afresh.
    cycle: int = 0
    deadline: datetime | None = None
    details: dict[int, str] = Field(default_factory=dict)


class Decision(BaseModel):
    """A teacher's or deputy head's decision on term marks (a whole column at once, often)."""

    period_mark_ids: list[int] = Field(min_length=1, max_length=500)
    action: Literal["confirm", "override", "remove_override"]
    value: str | None = None
    reason: str | None = None
    user_id: int
    role: str


class DecisionInput(BaseModel):
    period: PeriodRef
    decision: Decision


class DecidedMark(BaseModel):
    period_mark_id: int
    value: str
    status: str


class DecisionResult(BaseModel):
    marks: list[DecidedMark]
    pending: Pending


class LockResult(BaseModel):
    locked: list[int]
    refused: dict[int, str]


class GradingView(BaseModel):
    phase: str
    pending: int
    escalated: int
    proposals: int
    locked_classes: list[int]
    refused_classes: dict[int, str]
    reminders_sent: int

"""What the enrollment workflows, their activities and the API pass to each other."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, Field


class ApplicationFacts(BaseModel):
    """What intake established about a registered application; the workflow's input."""

    application_id: int
    order_id: int
    campaign_id: int
    organization_id: int
    school_code: str
    campaign_year: int
    # wave1: reviewable now; deferred: waits for the school's wave 2; wave2: filed in wave 2.
    wave: str
    needs_age_permission: bool
    foreign_citizen: bool
    filing_date: datetime


class TransitionRequest(BaseModel):
    application_id: int
    seq: int
    event: str
    actor: str = "система"
    rule: str | None = None
    clause: str | None = None
    # Values for the status text that only the workflow knows (a reason, a deadline…).
    placeholders: dict[str, str] = Field(default_factory=dict)
    details: dict[str, str] = Field(default_factory=dict)


class TransitionResult(BaseModel):
    state: str
    code: str | None
    cancel_allowed: bool
    terminal: bool
    # Deadlines the activity computed on the working-day calendar, when the state has one.
    deadline: date | None = None
    deadline_at: datetime | None = None


class CancelAnswer(BaseModel):
    """A reply to the portal's cancelRequest message (not a status of the application)."""

    application_id: int
    inbox_id: int
    result: str  # CANCELLED or REJECTED
    comment: str


class PortalCancel(BaseModel):
    inbox_id: int
    reason: str = ""
    received_at: datetime


class Invite(BaseModel):
    actor: str
    deadline: date | None = None


class StaffStep(BaseModel):
    actor: str
    reason: str | None = None


class PermissionDecision(BaseModel):
    actor: str
    granted: bool
    reason: str | None = None


class ForeignCheckResult(BaseModel):
    actor: str
    result: str  # complete, incomplete, conditions_not_met
    missing_documents: str | None = None
    reason: str | None = None


class Withdrawal(BaseModel):
    actor: str
    withdrawn_on: date


class SeatRequest(BaseModel):
    application_id: int
    workflow_id: str


class SeatDecision(BaseModel):
    granted: bool
    rule: str
    clause: str
    position: int | None = None


class EnrolledNotice(BaseModel):
    enrollment_order_id: int
    number: str
    order_date: date


class ApplicationView(BaseModel):
    """The workflow's own view of its application, for queries."""

    application_id: int
    state: str
    cancel_allowed: bool
    waiting_for: str | None
    deadline: date | None
    seat_held: bool
    # Set while a step that failed for good waits for an operator (`retry_after_fault`).
    fault: str | None = None


class CampaignSchoolInput(BaseModel):
    campaign_id: int
    organization_id: int
    school_code: str
    places: int
    wave1_close_at: datetime
    wave2_open_at: datetime
    wave2_close_at: datetime


class CampaignSchoolView(BaseModel):
    phase: str
    places: int
    seats_held: int
    waiting_requests: int
    wave1_closed_at: datetime | None
    wave2_opened_at: datetime | None
    order_due: date | None


class SignOrder(BaseModel):
    actor: str
    number: str | None = None
    order_date: date | None = None


class OrderSigned(BaseModel):
    enrollment_order_id: int
    number: str
    order_date: date
    application_ids: list[int]

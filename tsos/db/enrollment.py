"""Tables of enrollment from EPGU: the SMEV inbox and outbox, campaigns, applications, orders.

The inbox keeps every message exactly as it arrived (before it is acknowledged); the outbox
keeps every message we send, keyed so that one transition can never be sent twice.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Select,
    String,
    Text,
    UniqueConstraint,
    false,
    func,
    select,
    text,
)
from sqlalchemy.orm import Mapped, Session, mapped_column

from tsos.db.base import Base, Timestamped
from tsos.db.models import JsonDoc


class SmevInboxMessage(Base):
    __tablename__ = "smev_inbox"

    # The serial id is the arrival order: the tie-break after FilingDate.
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    reply_to: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    raw: Mapped[bytes] = mapped_column(LargeBinary)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    # new → processed | rejected; `outcome` says what the intake did with it.
    state: Mapped[str] = mapped_column(String(16), default="new")
    kind: Mapped[str | None] = mapped_column(String(32))
    order_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    outcome: Mapped[str | None] = mapped_column(String(64))
    error: Mapped[str | None] = mapped_column(Text)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # SMEV's TestMessage: answered as usual, but nothing in the database changes by it.
    test_message: Mapped[bool] = mapped_column(Boolean, default=False,
                                               server_default=false())
    # MessageMetadata/SendingTimestamp: the provider's deadline runs from it (smev.md §1.7).
    sending_timestamp: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the first answer to it (techCode 1, a refusal...) was accepted by SMEV.
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # When the exchange alerted that it was still unanswered (once).
    answer_overdue_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_smev_inbox_new", "id", postgresql_where=text("state = 'new'")),
        # Portal cancels not yet forwarded to their workflow (Temporal unavailable).
        Index("ix_smev_inbox_cancel_pending", "id",
              postgresql_where=text("outcome = 'cancel_pending'")),
        # Requests not answered yet: the deadline check (smev.md §7 #26) looks only at them.
        Index("ix_smev_inbox_unanswered", "id", postgresql_where=text("answered_at IS NULL")),
    )


def unanswered_requests(older_than: datetime) -> Select[tuple[SmevInboxMessage]]:
    """Requests (not unreadable ones, which cannot be answered) with no answer sent, whose
    SendingTimestamp (else their arrival) is before `older_than`; by the partial index."""
    return select(SmevInboxMessage).where(
        SmevInboxMessage.answered_at.is_(None),
        SmevInboxMessage.message_id.not_like("unreadable-%"),
        func.coalesce(SmevInboxMessage.sending_timestamp, SmevInboxMessage.received_at)
        < older_than)


def count_unanswered_requests(session: Session, older_than: datetime) -> int:
    """How many requests are still unanswered since before `older_than` (for health/API)."""
    query = unanswered_requests(older_than).with_only_columns(func.count())
    return int(session.scalar(query) or 0)


class SmevOutage(Base):
    """A window in which SMEV could not be reached (enrollment.md T9), kept for the
    campaign's record. Applications are ranked by the portal's FilingDate, so a window on
    our side moves nobody's place; the portal is the one channel of filing here."""

    __tablename__ = "smev_outages"

    id: Mapped[int] = mapped_column(primary_key=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # Open while SMEV is still unreachable.
    ended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    failures: Mapped[int] = mapped_column(Integer, default=1)
    # The kind of the first failure (the gateway's error class), never its text.
    error: Mapped[str] = mapped_column(String(100))


class SmevOutboxMessage(Base):
    __tablename__ = "smev_outbox"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    # One logical message, one key: e.g. `app:42:transition:3` or `inbox:17:answer`.
    dedup_key: Mapped[str] = mapped_column(String(120), unique=True)
    # Generated once, reused on every retry, so SMEV sees the same message each time.
    message_id: Mapped[str] = mapped_column(String(64), unique=True)
    # The MessageID it had before SMEV refused it as stale and a new one was made (#4).
    replaced_message_id: Mapped[str | None] = mapped_column(String(64))
    reply_to: Mapped[str | None] = mapped_column(Text)
    request_message_id: Mapped[str] = mapped_column(String(64))
    order_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    application_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    cancel_allowed: Mapped[bool | None] = mapped_column(Boolean)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())
    sent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when sending cannot succeed without a person (no ReplyTo, a permanent fault).
    gave_up_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        Index("ix_smev_outbox_pending", "id",
              postgresql_where=text("sent_at IS NULL AND gave_up_at IS NULL")),
    )


class AdmissionCampaign(Timestamped, Base):
    __tablename__ = "admission_campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    service: Mapped[str] = mapped_column(String(32), default="first_grade")
    region_oktmo: Mapped[str] = mapped_column(String(11))
    year: Mapped[int] = mapped_column(Integer)
    time_zone: Mapped[str] = mapped_column(String(64))
    wave1_start: Mapped[date] = mapped_column(Date)
    wave1_end: Mapped[date] = mapped_column(Date)
    wave2_start: Mapped[date] = mapped_column(Date)
    wave2_end: Mapped[date] = mapped_column(Date)
    # The whole file as loaded (authoritative for dates, territories and places).
    config: Mapped[dict[str, Any]] = mapped_column(JsonDoc)

    __table_args__ = (UniqueConstraint("service", "region_oktmo", "year"),)


class CampaignSchool(Base):
    __tablename__ = "campaign_schools"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("admission_campaigns.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    places: Mapped[int] = mapped_column(Integer)
    # Set when the school closed wave 1 early (and so opened its wave 2).
    wave1_closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("campaign_id", "organization_id"),)


ACTIVE_STATES = (
    "registered", "accepted", "documents_requested", "age_permission_pending", "confirmed",
    "deferred_to_second_wave", "foreign_documents_check",
)


class FirstGradeApplication(Timestamped, Base):
    __tablename__ = "first_grade_applications"

    # Our own number (the portal may ask by it as well as by orderId).
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    order_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("admission_campaigns.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    contract: Mapped[str] = mapped_column(String(200))
    # Correlation kept forever: every status is a response to this message.
    request_message_id: Mapped[str] = mapped_column(String(64))
    reply_to: Mapped[str | None] = mapped_column(Text)
    inbox_id: Mapped[int] = mapped_column(ForeignKey("smev_inbox.id"))
    filing_date: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    filing_date_as_sent: Mapped[str] = mapped_column(String(40))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    child_key: Mapped[str] = mapped_column(String(400))
    state: Mapped[str] = mapped_column(String(40))
    right_kind: Mapped[str | None] = mapped_column(String(20))
    resident: Mapped[bool | None] = mapped_column(Boolean)
    wave: Mapped[int | None] = mapped_column(Integer)
    # Filed in wave 1 without a right or the territory: held until the school's wave 2.
    deferred: Mapped[bool] = mapped_column(Boolean, default=False)
    needs_age_permission: Mapped[bool] = mapped_column(Boolean, default=False)
    foreign_citizen: Mapped[bool] = mapped_column(Boolean, default=False)
    # Allocation: selected for the enrollment order (a seat is held), or not.
    seat_held: Mapped[bool] = mapped_column(Boolean, default=False)
    documents_due: Mapped[date | None] = mapped_column(Date)
    data: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    workflow_id: Mapped[str] = mapped_column(String(100))
    workflow_started: Mapped[bool] = mapped_column(Boolean, default=False)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    enrollment_order_id: Mapped[int | None] = mapped_column(ForeignKey("enrollment_orders.id"))

    __table_args__ = (
        # The database itself refuses a second active application of a child to a school.
        Index("uq_first_grade_applications_active_child", "campaign_id", "organization_id",
              "child_key", unique=True,
              postgresql_where=text("closed_at IS NULL")),
        Index(None, "organization_id", "state"),
        # Registered, but the workflow not started yet (Temporal unavailable): the sweep.
        Index("ix_first_grade_applications_unstarted", "id",
              postgresql_where=text("NOT workflow_started")),
    )


class ApplicationEvent(Base):
    """The status history of an application, with the basis of every decision."""

    __tablename__ = "application_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    application_id: Mapped[int] = mapped_column(
        ForeignKey("first_grade_applications.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    from_state: Mapped[str | None] = mapped_column(String(40))
    state: Mapped[str] = mapped_column(String(40))
    code: Mapped[str | None] = mapped_column(String(40))
    comment: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(120))
    rule: Mapped[str | None] = mapped_column(Text)
    clause: Mapped[str | None] = mapped_column(Text)
    details: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)

    __table_args__ = (UniqueConstraint("application_id", "seq"),)


class EnrollmentOrder(Base):
    __tablename__ = "enrollment_orders"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("admission_campaigns.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    number: Mapped[str] = mapped_column(String(40))
    order_date: Mapped[date] = mapped_column(Date)
    wave: Mapped[int] = mapped_column(Integer)
    signed_by: Mapped[str] = mapped_column(String(200))
    signed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    pdf: Mapped[bytes | None] = mapped_column(LargeBinary)

    __table_args__ = (UniqueConstraint("organization_id", "number"),)

"""Tables of the gradebook: school structure, lessons, marks, term marks, locks and audit.

School years come from the foundation (`school_years`); pupils and guardian links too. The
rules live in `domain.gradebook`; `tsos.gradebook` maps these rows to its objects, so every
write passes the same lock check whatever path it takes.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    Time,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tsos.db.base import Base, Timestamped
from tsos.db.models import JsonDoc

TERM_KINDS = "('quarter', 'half_year', 'trimester')"


class Term(Base):
    """A term of a school year (1 четверть …); grades share a term row of their kind."""

    __tablename__ = "terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"), index=True)
    term_kind: Mapped[str] = mapped_column(String(16))
    number: Mapped[int] = mapped_column(SmallInteger)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("school_year_id", "term_kind", "number"),
        CheckConstraint("starts_on <= ends_on", name="dates_ordered"),
        CheckConstraint(f"term_kind IN {TERM_KINDS}", name="term_kind_known"),
    )


class GradeTermPlan(Base):
    """Which kind of term a grade of a school year is assessed by (quarters, half-years…)."""

    __tablename__ = "grade_term_plans"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    grade: Mapped[int] = mapped_column(SmallInteger)
    term_kind: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("school_year_id", "grade"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),
        CheckConstraint(f"term_kind IN {TERM_KINDS}", name="term_kind_known"),
    )


class Subject(Base):
    """A subject of the region's catalogue; `scale` is how it is usually assessed."""

    __tablename__ = "subjects"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str | None] = mapped_column(String(60))
    scale: Mapped[str] = mapped_column(String(16), default="five_point")

    __table_args__ = (
        CheckConstraint("scale IN ('five_point', 'pass_fail')", name="scale_known"),
    )


class CurriculumLine(Base):
    """One subject of a grade's curriculum in a school year, with its weekly hours."""

    __tablename__ = "curriculum_lines"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    grade: Mapped[int] = mapped_column(SmallInteger)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    hours_per_week: Mapped[Decimal] = mapped_column(Numeric(4, 1))
    # The subject's scale in this grade (e.g. a subject assessed «зачёт/незачёт» in grade 9).
    scale: Mapped[str] = mapped_column(String(16), default="five_point")

    __table_args__ = (
        UniqueConstraint("school_year_id", "grade", "subject_id"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),
        CheckConstraint("hours_per_week > 0", name="hours_positive"),
        CheckConstraint("scale IN ('five_point', 'pass_fail')", name="scale_known"),
    )


class SchoolClass(Base):
    """A class of a school year, e.g. 7Б."""

    __tablename__ = "school_classes"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    grade: Mapped[int] = mapped_column(SmallInteger)
    letter: Mapped[str] = mapped_column(String(4))
    homeroom_teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"))

    __table_args__ = (
        UniqueConstraint("school_year_id", "grade", "letter"),
        CheckConstraint("grade BETWEEN 1 AND 11", name="grade_range"),
    )

    @property
    def name(self) -> str:
        """«7Б»."""
        return f"{self.grade}{self.letter}"


class StudyGroup(Base):
    """A sub-group of a class (e.g. English, group 1)."""

    __tablename__ = "study_groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))

    __table_args__ = (UniqueConstraint("school_class_id", "name"),)


class ClassMembership(Base):
    """A pupil on a class roster (or a group's) for a span of dates; leaving keeps the row."""

    __tablename__ = "class_memberships"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    school_class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    study_group_id: Mapped[int | None] = mapped_column(ForeignKey("study_groups.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)

    __table_args__ = (
        CheckConstraint("ends_on IS NULL OR starts_on <= ends_on", name="dates_ordered"),
        Index("ix_class_memberships_group", "study_group_id",
              postgresql_where=text("study_group_id IS NOT NULL")),
    )


class Teacher(Base):
    """A user with the teacher role in a school, linked to the person they are."""

    __tablename__ = "teachers"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))

    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)


class TeachingLoad(Base):
    """Who teaches which subject to which class (or one of its groups), and how many hours."""

    __tablename__ = "teaching_loads"

    id: Mapped[int] = mapped_column(primary_key=True)
    teacher_id: Mapped[int] = mapped_column(ForeignKey("teachers.id"), index=True)
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    school_class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    study_group_id: Mapped[int | None] = mapped_column(ForeignKey("study_groups.id"))
    hours_per_week: Mapped[Decimal | None] = mapped_column(Numeric(4, 1))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)


class Lesson(Base):
    """One lesson: the school's local date and zone, its number and bell times."""

    __tablename__ = "lessons"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    school_class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"))
    study_group_id: Mapped[int | None] = mapped_column(ForeignKey("study_groups.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    teacher_id: Mapped[int | None] = mapped_column(ForeignKey("teachers.id"))
    # A calendar date in the school's zone, never an instant: it is the same date everywhere.
    lesson_date: Mapped[date] = mapped_column(Date)
    time_zone: Mapped[str] = mapped_column(String(64))
    number: Mapped[int | None] = mapped_column(SmallInteger)
    starts_at: Mapped[time | None] = mapped_column(Time)
    ends_at: Mapped[time | None] = mapped_column(Time)
    topic: Mapped[str | None] = mapped_column(Text)
    homework: Mapped[str | None] = mapped_column(Text)
    homework_links: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    status: Mapped[str] = mapped_column(String(16), default="planned")

    __table_args__ = (
        Index(None, "school_class_id", "subject_id", "lesson_date"),
        CheckConstraint("status IN ('planned', 'held', 'cancelled')", name="status_known"),
        CheckConstraint("number IS NULL OR number BETWEEN 0 AND 12", name="number_range"),
        CheckConstraint(
            "starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at", name="times_ordered"
        ),
    )


class LessonFile(Base):
    """A file attached to a lesson's homework, kept in the database (size-limited)."""

    __tablename__ = "lesson_files"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    # As recognised from the content, not as the uploader claimed it.
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    uploaded_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (CheckConstraint("size > 0", name="not_empty"),)


class Mark(Timestamped, Base):
    """A mark at a lesson; its date is the lesson's (copied here so a move carries it)."""

    __tablename__ = "marks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    lesson_date: Mapped[date] = mapped_column(Date)
    # The kind of work; its weight comes from the school's grading policy.
    kind: Mapped[str] = mapped_column(String(40))
    points: Mapped[int | None] = mapped_column(SmallInteger)
    pass_fail: Mapped[str | None] = mapped_column(String(8))
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        Index(None, "pupil_id", "subject_id", "lesson_date"),
        CheckConstraint("(points IS NULL) <> (pass_fail IS NULL)", name="one_value"),
        CheckConstraint("points IS NULL OR points BETWEEN 2 AND 5", name="points_range"),
        CheckConstraint(
            "pass_fail IS NULL OR pass_fail IN ('зачёт', 'незачёт')", name="pass_fail_known"
        ),
    )


class Attendance(Base):
    """An absence or a lateness at a lesson; a pupil without a row was present."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    presence: Mapped[str] = mapped_column(String(8))
    reason: Mapped[str | None] = mapped_column(String(16))
    excused: Mapped[bool] = mapped_column(Boolean, default=False)
    late_minutes: Mapped[int | None] = mapped_column(SmallInteger)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))

    __table_args__ = (
        UniqueConstraint("lesson_id", "pupil_id"),
        CheckConstraint("presence IN ('absent', 'late')", name="presence_known"),
    )


class Remark(Base):
    """A teacher's remark to the guardians, shown in the diary."""

    __tablename__ = "remarks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    lesson_id: Mapped[int | None] = mapped_column(ForeignKey("lessons.id"))
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    remark_date: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    author_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class GradingPolicy(Base):
    """A school's grading policy; its content lives in versions, never edited in place."""

    __tablename__ = "grading_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), unique=True)
    title: Mapped[str] = mapped_column(String(200))


class GradingPolicyVersion(Base):
    """One version of a policy: the domain policy's `to_dict()` exactly as validated."""

    __tablename__ = "grading_policy_versions"

    policy_id: Mapped[int] = mapped_column(ForeignKey("grading_policies.id"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    document: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    effective_from: Mapped[date] = mapped_column(Date)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now())


class PeriodMark(Base):
    """A term or year mark: the computed proposal (kept), an override, the confirmation."""

    __tablename__ = "period_marks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    subject_id: Mapped[int] = mapped_column(ForeignKey("subjects.id"))
    school_class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    period_kind: Mapped[str] = mapped_column(String(8))
    # The term for a term mark; None for a year mark, whose period is the school year.
    term_id: Mapped[int | None] = mapped_column(ForeignKey("terms.id"))
    school_year_id: Mapped[int] = mapped_column(ForeignKey("school_years.id"))
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    # The computed mark: its display value («5», «зачёт», «н/а») and the full derivation.
    computed_value: Mapped[str] = mapped_column(String(8))
    not_assessed_reason: Mapped[str | None] = mapped_column(Text)
    computed: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    policy_id: Mapped[int | None] = mapped_column(Integer)
    policy_version: Mapped[int | None] = mapped_column(Integer)
    # Present when the teacher set another mark; «н/а» is stored as overridden=true, value null.
    overridden: Mapped[bool] = mapped_column(Boolean, default=False)
    override_value: Mapped[str | None] = mapped_column(String(8))
    override_reason: Mapped[str | None] = mapped_column(Text)
    override_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    override_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Set when a mark someone relied on was recomputed; cleared by the deputy head's review.
    recompute_flag: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # Handed to the deputy head after the teachers' deadline passed.
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Imported marks of earlier years: kept as history, never recomputed.
    source: Mapped[str] = mapped_column(String(16), default="computed")
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                 server_default=func.now(),
                                                 onupdate=func.now())

    __table_args__ = (
        Index("uq_period_marks_term", "pupil_id", "subject_id", "term_id", unique=True,
              postgresql_where=text("period_kind = 'term'")),
        Index("uq_period_marks_year", "pupil_id", "subject_id", "school_year_id",
              unique=True, postgresql_where=text("period_kind = 'year'")),
        CheckConstraint("period_kind IN ('term', 'year')", name="period_kind_known"),
        CheckConstraint("(period_kind = 'term') = (term_id IS NOT NULL)",
                        name="term_for_term_marks"),
        CheckConstraint("status IN ('proposed', 'confirmed')", name="status_known"),
        CheckConstraint("source IN ('computed', 'imported')", name="source_known"),
    )


class TermLock(Base):
    """A closed term (or year) of a class, optionally of one subject; never reopened."""

    __tablename__ = "term_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    school_class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    subject_id: Mapped[int | None] = mapped_column(ForeignKey("subjects.id"))
    period_kind: Mapped[str] = mapped_column(String(8))
    # terms.id for a term, school_years.id for a year, as the domain's period id.
    period_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    closed_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The school's zone at closing: the date shown in refusals is the school's date.
    time_zone: Mapped[str] = mapped_column(String(64))
    # The person who closed it; NULL when term grading (the system) closed it in a workflow,
    # for the deputy head named in on_behalf_of.
    closed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    on_behalf_of: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    workflow_id: Mapped[str | None] = mapped_column(String(200))

    __table_args__ = (
        CheckConstraint("period_kind IN ('term', 'year')", name="period_kind_known"),
        CheckConstraint("closed_by IS NOT NULL OR workflow_id IS NOT NULL",
                        name="closed_by_someone"),
    )


class CertificateLock(Base):
    """Marks a formed certificate uses; released only by cancelling it before issue."""

    __tablename__ = "certificate_locks"

    id: Mapped[int] = mapped_column(primary_key=True)
    certificate_id: Mapped[int] = mapped_column(BigInteger)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    subject_ids: Mapped[list[int]] = mapped_column(JsonDoc)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    period_ids: Mapped[list[int]] = mapped_column(JsonDoc)
    set_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    set_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    released_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    released_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    release_reason: Mapped[str | None] = mapped_column(Text)


class CorrectionRequest(Base):
    """A request to change a mark or an attendance entry of a closed term."""

    __tablename__ = "correction_requests"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    lesson_id: Mapped[int] = mapped_column(ForeignKey("lessons.id"))
    target_kind: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(16))
    # The entry as it was and as it should become (the domain's snapshots).
    current: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    proposed: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    reason: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="requested")
    requested_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    decision_comment: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("target_kind IN ('mark', 'attendance')", name="target_kind_known"),
        CheckConstraint(
            "status IN ('requested', 'approved', 'rejected', 'withdrawn', 'applied')",
            name="status_known",
        ),
    )


class GradebookAuditEvent(Base):
    """Append-only (a trigger refuses UPDATE and DELETE): every change and every refusal."""

    __tablename__ = "gradebook_audit_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(String(32))
    # "user", or "system" with the change that made it necessary.
    cause_kind: Mapped[str] = mapped_column(String(8))
    caused_by_event_id: Mapped[int | None] = mapped_column(
        ForeignKey("gradebook_audit_events.id", name="fk_gradebook_audit_events_cause")
    )
    on_behalf_of: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    object_kind: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    action: Mapped[str] = mapped_column(String(32))
    old_value: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    new_value: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    reason: Mapped[str | None] = mapped_column(Text)
    workflow_id: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(8), default="applied")
    refusal_code: Mapped[str | None] = mapped_column(String(40))
    refs: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)

    __table_args__ = (
        Index(None, "object_kind", "object_id"),
        CheckConstraint("cause_kind IN ('user', 'system')", name="cause_kind_known"),
        CheckConstraint("outcome IN ('applied', 'refused')", name="outcome_known"),
        CheckConstraint("(outcome = 'refused') = (refusal_code IS NOT NULL)",
                        name="refusal_has_code"),
    )


class GradebookNotification(Base):
    """A message to a teacher or deputy head from term grading (an inbox, not e-mail)."""

    __tablename__ = "gradebook_notifications"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    recipient_user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    payload: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    workflow_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

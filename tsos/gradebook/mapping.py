"""Rows of `tsos.db.gradebook` as the objects of `domain.gradebook`, and back."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from domain.gradebook import locks as dlocks
from domain.gradebook.attendance import AbsenceReason, AttendanceRecord, Presence
from domain.gradebook.computation import (
    HELD_BACK_NOTE,
    NOT_ASSESSED,
    Derivation,
    DerivationLine,
    MarkProposal,
    PeriodKind,
)
from domain.gradebook.corrections import CorrectionRequest, CorrectionStatus, Entry
from domain.gradebook.lessons import Lesson, LessonStatus
from domain.gradebook.marks import Mark, MarkValue
from domain.gradebook.period_marks import (
    Override,
    PeriodMark,
    PeriodMarkStatus,
    RecomputeFlag,
)
from domain.gradebook.policy import GradingPolicy, PolicyRef
from tsos.db import gradebook as db


def lesson_of(row: db.Lesson) -> Lesson:
    return Lesson(
        id=row.id,
        school_class_id=row.school_class_id,
        subject_id=row.subject_id,
        date=row.lesson_date,
        status=LessonStatus(row.status),
        study_group_id=row.study_group_id,
    )


def value_of(points: int | None, pass_fail: str | None) -> MarkValue:
    if points is not None:
        return MarkValue.of(points)
    assert pass_fail is not None
    return MarkValue.parse(pass_fail)


def stored_value(value: MarkValue) -> tuple[int | None, str | None]:
    """(points, pass_fail) columns of a mark value."""
    if value.points is not None:
        return value.points, None
    assert value.pass_fail is not None
    return None, value.pass_fail.value


def display_value(text: str | None) -> MarkValue | None:
    """A stored display («5», «зачёт», «н/а») as a value; «н/а» is None."""
    if text is None or text == NOT_ASSESSED:
        return None
    return MarkValue.parse(text)


def mark_of(row: db.Mark) -> Mark:
    return Mark(
        id=row.id,
        pupil_id=row.pupil_id,
        subject_id=row.subject_id,
        lesson_id=row.lesson_id,
        lesson_date=row.lesson_date,
        kind=row.kind,
        value=value_of(row.points, row.pass_fail),
        author_id=row.author_user_id,
        published=row.published,
    )


def attendance_of(row: db.Attendance) -> AttendanceRecord:
    return AttendanceRecord(
        lesson_id=row.lesson_id,
        pupil_id=row.pupil_id,
        presence=Presence(row.presence),
        reason=AbsenceReason(row.reason) if row.reason else None,
        excused=row.excused,
        late_minutes=row.late_minutes,
    )


def fill_attendance(row: db.Attendance, record: AttendanceRecord) -> None:
    row.presence = record.presence.value
    row.reason = record.reason.value if record.reason else None
    row.excused = record.excused
    row.late_minutes = record.late_minutes


def term_lock_of(row: db.TermLock) -> dlocks.TermLock:
    return dlocks.TermLock(
        id=row.id,
        period_id=domain_period_id(row.period_kind, row.period_id),
        period_title=row.title,
        school_class_id=row.school_class_id,
        start=row.starts_on,
        end=row.ends_on,
        closed_at=row.closed_at.astimezone(ZoneInfo(row.time_zone)),
        closed_by=row.closed_by,
        subject_id=row.subject_id,
        on_behalf_of=row.on_behalf_of,
        is_year=row.period_kind == "year",
    )


def certificate_lock_of(row: db.CertificateLock) -> dlocks.CertificateLock:
    released = None
    if row.released_at is not None:
        released = dlocks.LockRelease(
            at=row.released_at, by=row.released_by or 0, reason=row.release_reason or ""
        )
    return dlocks.CertificateLock(
        id=row.id,
        certificate_id=row.certificate_id,
        pupil_id=row.pupil_id,
        subject_ids=frozenset(row.subject_ids),
        start=row.starts_on,
        end=row.ends_on,
        period_ids=frozenset(row.period_ids),
        set_at=row.set_at,
        set_by=row.set_by,
        released=released,
    )


def policy_of(row: db.GradingPolicyVersion) -> GradingPolicy:
    return GradingPolicy.from_dict(row.document)


# Term and year marks: the proposal is stored whole, so the diary can show its derivation.


def proposal_json(proposal: MarkProposal) -> dict[str, Any]:
    return {
        "pupil_id": proposal.pupil_id,
        "subject_id": proposal.subject_id,
        "period_kind": proposal.period_kind.value,
        "period_id": proposal.period_id,
        "value": None if proposal.value is None else str(proposal.value),
        "not_assessed_reason": proposal.not_assessed_reason,
        "policy_id": proposal.policy.policy_id,
        "policy_version": proposal.policy.version,
        "method": proposal.method,
        "exact_average": _fraction_text(proposal.exact_average),
        "shown_average": proposal.shown_average,
        "warnings": list(proposal.warnings),
        "staff_notes": list(proposal.staff_notes),
        "formula": proposal.derivation.formula,
        "lines": [
            {
                "label": line.label,
                "value": str(line.value),
                "weight": str(line.weight),
                "source_id": line.source_id,
            }
            for line in proposal.derivation.lines
        ],
    }


def proposal_of(data: dict[str, Any]) -> MarkProposal:
    lines = tuple(
        DerivationLine(
            label=line["label"],
            value=MarkValue.parse(line["value"]),
            weight=Decimal(line["weight"]),
            source_id=line["source_id"],
        )
        for line in data["lines"]
    )
    return MarkProposal(
        pupil_id=data["pupil_id"],
        subject_id=data["subject_id"],
        period_kind=PeriodKind(data["period_kind"]),
        period_id=data["period_id"],
        value=None if data["value"] is None else MarkValue.parse(data["value"]),
        policy=PolicyRef(data["policy_id"], data["policy_version"]),
        method=data["method"],
        derivation=Derivation(lines, data["formula"]),
        exact_average=_fraction(data["exact_average"]),
        not_assessed_reason=data["not_assessed_reason"],
        warnings=tuple(w for w in data["warnings"] if not w.startswith(HELD_BACK_NOTE)),
        staff_notes=tuple(data.get("staff_notes", ())) + tuple(
            w for w in data["warnings"] if w.startswith(HELD_BACK_NOTE)),
    )


def domain_period_id(period_kind: str, period_id: int) -> int:
    """The domain tells periods apart by id alone, and term and school-year ids may coincide:
    a year is therefore its school year's id negated."""
    return period_id if period_kind == "term" else -period_id


def period_id_of(row: db.PeriodMark) -> int:
    if row.period_kind == "term":
        assert row.term_id is not None
        return row.term_id
    return domain_period_id("year", row.school_year_id)


def period_mark_of(row: db.PeriodMark) -> PeriodMark:
    override = None
    if row.overridden:
        override = Override(
            value=display_value(row.override_value),
            reason=row.override_reason or "",
            by=row.override_by or 0,
            at=row.override_at,  # type: ignore[arg-type]
        )
    flag = None
    if row.recompute_flag is not None:
        flag = RecomputeFlag(
            caused_by_change=row.recompute_flag["caused_by_change"],
            previous=row.recompute_flag["previous"],
            current=row.recompute_flag["current"],
            at=datetime.fromisoformat(row.recompute_flag["at"]),
        )
    return PeriodMark(
        id=row.id,
        pupil_id=row.pupil_id,
        subject_id=row.subject_id,
        period_kind=PeriodKind(row.period_kind),
        period_id=period_id_of(row),
        computed=proposal_of(row.computed),
        status=PeriodMarkStatus(row.status),
        override=override,
        confirmed_by=row.confirmed_by,
        confirmed_at=row.confirmed_at,
        recompute_flag=flag,
    )


def fill_period_mark(row: db.PeriodMark, mark: PeriodMark) -> None:
    """Write a domain period mark's state onto its row (identity columns stay as they are)."""
    computed = mark.computed
    row.status = mark.status.value
    row.computed_value = computed.display
    row.not_assessed_reason = computed.not_assessed_reason
    row.computed = proposal_json(computed)
    row.policy_id = computed.policy.policy_id
    row.policy_version = computed.policy.version
    row.overridden = mark.override is not None
    if mark.override is not None:
        value = mark.override.value
        row.override_value = NOT_ASSESSED if value is None else str(value)
        row.override_reason = mark.override.reason
        row.override_by = mark.override.by
        row.override_at = mark.override.at
    else:
        row.override_value = row.override_reason = None
        row.override_by = None
        row.override_at = None
    row.confirmed_by = mark.confirmed_by
    row.confirmed_at = mark.confirmed_at
    flag = mark.recompute_flag
    row.recompute_flag = None if flag is None else {
        "caused_by_change": flag.caused_by_change,
        "previous": flag.previous,
        "current": flag.current,
        "at": flag.at.isoformat(),
    }


# Correction requests keep the entries as snapshots; these read them back.


def entry_of(snapshot: dict[str, Any] | None) -> Entry | None:
    if snapshot is None:
        return None
    if "presence" in snapshot:
        return AttendanceRecord(
            lesson_id=snapshot["lesson_id"],
            pupil_id=snapshot["pupil_id"],
            presence=Presence(snapshot["presence"]),
            reason=AbsenceReason(snapshot["reason"]) if snapshot["reason"] else None,
            excused=snapshot["excused"],
            late_minutes=snapshot["late_minutes"],
        )
    return Mark(
        id=snapshot["id"],
        pupil_id=snapshot["pupil_id"],
        subject_id=snapshot["subject_id"],
        lesson_id=snapshot["lesson_id"],
        lesson_date=date.fromisoformat(snapshot["lesson_date"]),
        kind=snapshot["kind"],
        value=MarkValue.parse(snapshot["value"]),
        author_id=snapshot["author_id"],
        published=snapshot["published"],
    )


def correction_of(row: db.CorrectionRequest, lesson: Lesson) -> CorrectionRequest:
    current, proposed = entry_of(row.current), entry_of(row.proposed)
    entry = current if current is not None else proposed
    if isinstance(entry, Mark):
        target = dlocks.WriteTarget.for_mark(entry, lesson)
    else:
        assert isinstance(entry, AttendanceRecord)
        target = dlocks.WriteTarget.for_attendance(entry, lesson)
    return CorrectionRequest(
        id=row.id,
        target=target,
        action=dlocks.Action(row.action),
        current=current,
        proposed=proposed,
        reason=row.reason,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=CorrectionStatus(row.status),
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        decision_comment=row.decision_comment,
        applied_at=row.applied_at,
    )


def snapshot(entry: Entry | None) -> dict[str, Any] | None:
    return None if entry is None else entry.snapshot()


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _fraction(text: str | None) -> Fraction | None:
    return None if text is None else Fraction(text)

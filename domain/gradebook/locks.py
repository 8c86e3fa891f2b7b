"""Locks as data, and the one check every write to the gradebook goes through."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum
from typing import TYPE_CHECKING

from domain.gradebook.audit import Actor, AuditEvent, Result, refused_write, user_change
from domain.gradebook.errors import GradebookError, StateConflict

if TYPE_CHECKING:
    from domain.gradebook.attendance import AttendanceRecord
    from domain.gradebook.corrections import CorrectionRequest
    from domain.gradebook.lessons import Lesson
    from domain.gradebook.marks import Mark
    from domain.gradebook.period_marks import PeriodMark

CERTIFICATE_ROLES = frozenset({"secretary", "school_head"})


class Action(StrEnum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    # A lesson, and with it its marks and attendance, moved to another date.
    MOVE = "move"
    # The system recomputing a term or year mark.
    RECOMPUTE = "recompute"
    # The duplicate process writing a new version of final marks, keeping the old one.
    NEW_VERSION = "new_version"


ACTION_TITLES_RU = {
    Action.CREATE: "добавление",
    Action.UPDATE: "изменение",
    Action.DELETE: "удаление",
    Action.MOVE: "перенос урока",
    Action.RECOMPUTE: "пересчёт",
    Action.NEW_VERSION: "новая версия",
}


class TargetKind(StrEnum):
    MARK = "mark"
    ATTENDANCE = "attendance"
    LESSON = "lesson"
    TERM_MARK = "term_mark"
    YEAR_MARK = "year_mark"
    FINAL_MARK = "final_mark"
    # A pupil's place on a class roster over a span of dates (enrolment, leaving).
    ROSTER = "roster"


LESSON_BOUND = frozenset({TargetKind.MARK, TargetKind.ATTENDANCE, TargetKind.LESSON})
PERIOD_BOUND = frozenset({TargetKind.TERM_MARK, TargetKind.YEAR_MARK})


@dataclass(frozen=True)
class WriteTarget:
    """What a write touches, described by the facts locks are defined over."""

    kind: TargetKind
    object_id: int | None
    school_class_id: int | None
    # None for a roster: a pupil's place in the class holds for every subject.
    subject_id: int | None
    pupil_id: int | None = None
    # Lesson-bound objects: the lesson's date, and for a move the date it goes to.
    lesson_date: date | None = None
    new_lesson_date: date | None = None
    # Term and year marks: the period they belong to.
    period_id: int | None = None
    # A roster change: the dates whose roster it changes (None: open-ended).
    roster_from: date | None = None
    roster_to: date | None = None

    def __post_init__(self) -> None:
        if self.kind in LESSON_BOUND and self.lesson_date is None:
            raise GradebookError("Для записи урока нужна дата урока")
        if self.kind in PERIOD_BOUND and self.period_id is None:
            raise GradebookError("Для отметки за период нужен период")
        if self.kind is TargetKind.ROSTER and self.roster_from is None:
            raise GradebookError("Для изменения состава класса нужна дата")

    @classmethod
    def for_roster(cls, school_class_id: int, pupil_id: int, changed_from: date,
                   changed_to: date | None = None) -> WriteTarget:
        """A pupil's presence on the class roster changes for these dates: closed terms'
        registers, attendance denominators and assessed pupils depend on it."""
        return cls(kind=TargetKind.ROSTER, object_id=None, school_class_id=school_class_id,
                   subject_id=None, pupil_id=pupil_id, roster_from=changed_from,
                   roster_to=changed_to)

    @classmethod
    def for_mark(cls, mark: Mark, lesson: Lesson) -> WriteTarget:
        _same_lesson(mark.lesson_id, mark.lesson_date, lesson)
        return cls(
            kind=TargetKind.MARK,
            object_id=mark.id,
            school_class_id=lesson.school_class_id,
            subject_id=mark.subject_id,
            pupil_id=mark.pupil_id,
            lesson_date=mark.lesson_date,
        )

    @classmethod
    def for_attendance(cls, record: AttendanceRecord, lesson: Lesson) -> WriteTarget:
        _same_lesson(record.lesson_id, lesson.date, lesson)
        return cls(
            kind=TargetKind.ATTENDANCE,
            object_id=record.lesson_id,
            school_class_id=lesson.school_class_id,
            subject_id=lesson.subject_id,
            pupil_id=record.pupil_id,
            lesson_date=lesson.date,
        )

    @classmethod
    def for_lesson(cls, lesson: Lesson) -> WriteTarget:
        return cls(
            kind=TargetKind.LESSON,
            object_id=lesson.id,
            school_class_id=lesson.school_class_id,
            subject_id=lesson.subject_id,
            lesson_date=lesson.date,
        )

    @classmethod
    def for_period_mark(cls, mark: PeriodMark, school_class_id: int) -> WriteTarget:
        kind = (
            TargetKind.YEAR_MARK if mark.period_kind == "year" else TargetKind.TERM_MARK
        )
        return cls(
            kind=kind,
            object_id=mark.id,
            school_class_id=school_class_id,
            subject_id=mark.subject_id,
            pupil_id=mark.pupil_id,
            period_id=mark.period_id,
        )

    def moving_to(self, new_date: date) -> WriteTarget:
        return replace(self, new_lesson_date=new_date)

    def dates(self) -> tuple[date, ...]:
        """The dates a write touches: a move touches both the old and the new one."""
        found = (self.lesson_date, self.new_lesson_date)
        return tuple(day for day in found if day is not None)


@dataclass(frozen=True)
class LockRelease:
    """Why and by whom a lock stopped holding."""

    at: datetime
    by: int
    reason: str


@dataclass(frozen=True)
class TermLock:
    """A closed period (term, or the whole year) of a class: its journal no longer changes."""

    id: int
    period_id: int
    period_title: str
    school_class_id: int
    start: date
    end: date
    closed_at: datetime
    # The person who closed it; None when the term-grading workflow (the system) did.
    closed_by: int | None
    # None closes every subject of the class; a subject id closes that subject only.
    subject_id: int | None = None
    # Whom the system closed it for: the deputy head who answers for the school's grading.
    on_behalf_of: int | None = None
    # A closed year (its year marks), rather than a term.
    is_year: bool = False

    @property
    def is_active(self) -> bool:
        # A closed period is not reopened: its entries change only by correction requests.
        return True

    def covers(self, target: WriteTarget) -> bool:
        if target.school_class_id != self.school_class_id:
            return False
        if target.kind is TargetKind.ROSTER:
            # Terms' registers hold the roster; a pupil may still leave in the summer after
            # the year's marks are closed.
            assert target.roster_from is not None
            return not self.is_year and self.end >= target.roster_from and (
                target.roster_to is None or self.start <= target.roster_to)
        if self.subject_id is not None and target.subject_id != self.subject_id:
            return False
        if target.kind in LESSON_BOUND:
            return any(self.covers_date(day) for day in target.dates())
        if target.kind in PERIOD_BOUND:
            return target.period_id == self.period_id
        return False

    def covers_date(self, day: date) -> bool:
        return self.start <= day <= self.end

    def snapshot(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": "term",
            "period_id": self.period_id,
            "school_class_id": self.school_class_id,
            "subject_id": self.subject_id,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(frozen=True)
class CertificateLock:
    """Holds the marks a formed certificate uses, for one pupil and the listed subjects."""

    id: int
    certificate_id: int
    pupil_id: int
    subject_ids: frozenset[int]
    # Lesson marks dated within these bounds feed the periods the certificate uses.
    start: date
    end: date
    period_ids: frozenset[int]
    set_at: datetime
    set_by: int
    released: LockRelease | None = None

    @property
    def is_active(self) -> bool:
        return self.released is None

    def covers(self, target: WriteTarget) -> bool:
        if (
            target.pupil_id != self.pupil_id
            or target.subject_id not in self.subject_ids
        ):
            return False
        if target.kind is TargetKind.MARK:
            return any(self.start <= day <= self.end for day in target.dates())
        if target.kind in PERIOD_BOUND:
            return target.period_id in self.period_ids
        # Attendance and lessons are not certificate data; a lesson operation is checked
        # through the marks it carries.
        return target.kind is TargetKind.FINAL_MARK

    def snapshot(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": "certificate",
            "certificate_id": self.certificate_id,
            "pupil_id": self.pupil_id,
            "subject_ids": sorted(self.subject_ids),
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "period_ids": sorted(self.period_ids),
            "released": self.released is not None,
        }


Lock = TermLock | CertificateLock


class WriteRefused(GradebookError):
    """A write the locks do not allow; the API answers 409 and audits `audit_event`."""

    http_status = 409

    def __init__(
        self,
        reason: str,
        *,
        code: str,
        target: WriteTarget,
        action: Action,
        actor: Actor,
        lock: Lock | None,
    ) -> None:
        super().__init__(reason)
        self.code = code
        self.target = target
        self.action = action
        self.actor = actor
        self.lock = lock

    def audit_event(self, at: datetime, workflow_id: str | None = None) -> AuditEvent:
        refs = {"lock_id": self.lock.id} if self.lock is not None else {}
        return refused_write(
            self.actor,
            at,
            self.target.kind.value,
            self.target.object_id,
            self.action.value,
            code=self.code,
            reason=self.message,
            workflow_id=workflow_id,
            refs=refs,
        )


def check_write(
    target: WriteTarget,
    action: Action,
    locks: Iterable[Lock],
    actor: Actor,
    *,
    correction: CorrectionRequest | None = None,
    duplicate_id: int | None = None,
) -> None:
    """Raise WriteRefused unless every active lock over the target lets this write through."""
    if action is Action.MOVE and target.new_lesson_date is None:
        raise GradebookError("Для переноса нужна новая дата урока")
    if action is Action.NEW_VERSION and target.kind is not TargetKind.FINAL_MARK:
        raise GradebookError("Новая версия пишется только для итоговых отметок")

    covering = [lock for lock in locks if lock.is_active and lock.covers(target)]
    # Certificate locks first: their refusal is final, while a term lock may yield.
    covering.sort(key=lambda lock: not isinstance(lock, CertificateLock))
    for lock in covering:
        refusal = _refusal(lock, target, action, correction, duplicate_id)
        if refusal is not None:
            code, reason = refusal
            raise WriteRefused(
                reason, code=code, target=target, action=action, actor=actor, lock=lock
            )


def check_writes(
    targets: Iterable[WriteTarget],
    action: Action,
    locks: Iterable[Lock],
    actor: Actor,
) -> None:
    """All or nothing: a column or term operation stops at the first locked object."""
    locks = list(locks)
    for target in targets:
        check_write(target, action, locks, actor)


def set_certificate_lock(
    *,
    lock_id: int,
    certificate_id: int,
    pupil_id: int,
    subject_ids: Iterable[int],
    start: date,
    end: date,
    period_ids: Iterable[int],
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[CertificateLock]:
    """Lock the marks a formed certificate uses; called by the certificates process."""
    actor.require_role(CERTIFICATE_ROLES, "устанавливать блокировку аттестата")
    if start > end:
        raise GradebookError("Начало периода блокировки позже его конца")
    assert actor.user_id is not None

    lock = CertificateLock(
        id=lock_id,
        certificate_id=certificate_id,
        pupil_id=pupil_id,
        subject_ids=frozenset(subject_ids),
        start=start,
        end=end,
        period_ids=frozenset(period_ids),
        set_at=at,
        set_by=actor.user_id,
    )
    if not lock.subject_ids:
        raise GradebookError("Блокировка аттестата без предметов")
    event = user_change(
        actor,
        at,
        "certificate_lock",
        lock_id,
        "lock",
        new=lock.snapshot(),
        workflow_id=workflow_id,
        refs={"certificate_id": certificate_id},
    )
    return Result(lock, (event,))


def release_certificate_lock(
    lock: CertificateLock,
    *,
    cancelled_certificate_id: int,
    certificate_issued: bool,
    reason: str,
    actor: Actor,
    at: datetime,
    workflow_id: str | None = None,
) -> Result[CertificateLock]:
    """The only release: the certificate is cancelled before it was issued."""
    actor.require_role(CERTIFICATE_ROLES, "снимать блокировку аттестата")
    if not lock.is_active:
        raise StateConflict("Блокировка уже снята")
    if cancelled_certificate_id != lock.certificate_id:
        raise GradebookError(
            "Блокировку снимает только отмена того аттестата, который её создал"
        )
    if certificate_issued:
        raise StateConflict(
            "Аттестат уже выдан: блокировка не снимается, "
            "изменить итоговые отметки можно только через выдачу дубликата"
        )
    if not reason.strip():
        raise GradebookError("Укажите причину отмены аттестата")
    assert actor.user_id is not None

    released = replace(
        lock, released=LockRelease(at=at, by=actor.user_id, reason=reason)
    )
    event = user_change(
        actor,
        at,
        "certificate_lock",
        lock.id,
        "release",
        old=lock.snapshot(),
        new=released.snapshot(),
        reason=reason,
        workflow_id=workflow_id,
        refs={"certificate_id": lock.certificate_id},
    )
    return Result(released, (event,))


def _refusal(
    lock: Lock,
    target: WriteTarget,
    action: Action,
    correction: CorrectionRequest | None,
    duplicate_id: int | None,
) -> tuple[str, str] | None:
    if isinstance(lock, CertificateLock):
        if action is Action.NEW_VERSION and duplicate_id is not None:
            return None
        return "certificate_locked", (
            f"Отметка использована в сформированном аттестате (№ {lock.certificate_id}) "
            "и не изменяется, даже по одобренному запросу на исправление. Изменить её можно "
            "только отменой аттестата до выдачи или через выдачу дубликата"
        )

    if correction is not None and _correction_opens(correction, lock, target, action):
        return None
    if action is Action.MOVE:
        leaving = target.lesson_date is not None and lock.covers_date(
            target.lesson_date
        )
        direction = "из закрытого периода" if leaving else "в закрытый период"
        return "term_locked", (
            f"Нельзя перенести урок {direction} «{lock.period_title}»: "
            "отметки и посещаемость закрытого периода не изменяются"
        )
    if target.kind is TargetKind.ROSTER:
        return "term_locked", (
            f"Период «{lock.period_title}» закрыт {lock.closed_at:%d.%m.%Y}: состав класса "
            "за него не меняется. Дата зачисления или выбытия не может приходиться на "
            "закрытый период"
        )
    if action is Action.RECOMPUTE:
        return "term_locked", (
            f"Период «{lock.period_title}» закрыт: отметка за него пересчитывается только "
            "после одобренного запроса на исправление"
        )
    return "term_locked", (
        f"Период «{lock.period_title}» закрыт {lock.closed_at:%d.%m.%Y}: "
        f"{ACTION_TITLES_RU[action]} невозможно. Изменить отметку или посещаемость можно "
        "только через запрос на исправление, одобренный заместителем директора"
    )


def _correction_opens(
    correction: CorrectionRequest, lock: TermLock, target: WriteTarget, action: Action
) -> bool:
    """An approved correction opens its own object once; its recomputation follows it."""
    if action is Action.RECOMPUTE:
        source = correction.target
        return (
            correction.status in ("approved", "applied")
            and target.kind in PERIOD_BOUND
            and source.pupil_id == target.pupil_id
            and source.subject_id == target.subject_id
            and source.school_class_id == target.school_class_id
            and any(lock.covers_date(day) for day in source.dates())
        )
    return (
        correction.status == "approved"
        and correction.action == action
        and correction.target == target
    )


def _same_lesson(lesson_id: int, lesson_date: date, lesson: Lesson) -> None:
    if lesson_id != lesson.id or lesson_date != lesson.date:
        raise GradebookError(
            "Дата отметки или посещаемости должна совпадать с датой урока"
        )

"""The two ports over the gradebook's tables: its term and year marks, its certificate locks."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.certificates.ports import LockActor, LockScope, MarkOrigin, PupilMarks
from domain.certificates.marks import MarkValue, PassMark, Period, PeriodMark
from domain.gradebook.audit import Actor, user_change
from domain.gradebook.locks import (
    Action,
    TargetKind,
    WriteRefused,
    WriteTarget,
    check_write,
    release_certificate_lock,
    set_certificate_lock,
)
from tsos.db import gradebook as gb
from tsos.db.models import SchoolYear
from tsos.gradebook import audit_log
from tsos.gradebook.mapping import certificate_lock_of, domain_period_id
from tsos.gradebook.term_marks import value_in_force

_TERM_PERIODS = {
    ("quarter", 1): Period.Q1,
    ("quarter", 2): Period.Q2,
    ("quarter", 3): Period.Q3,
    ("quarter", 4): Period.Q4,
    ("half_year", 1): Period.H1,
    ("half_year", 2): Period.H2,
    ("trimester", 1): Period.T1,
    ("trimester", 2): Period.T2,
    ("trimester", 3): Period.T3,
}


def _value(shown: str) -> MarkValue | None:
    text = shown.strip().lower().replace("ё", "е")
    if text.isdigit():
        return int(text)
    if text == "зачет":
        return PassMark.PASSED
    if text == "незачет":
        return PassMark.FAILED
    return None


class GradebookMarksSource:
    """Confirmed term and year marks of the gradebook (computed or imported history)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def period_marks(
        self, pupil_ids: Collection[int], grades: Collection[int]
    ) -> Mapping[int, PupilMarks]:
        rows = self.session.execute(
            select(gb.PeriodMark, gb.SchoolClass.grade, gb.Subject.code, gb.Term,
                   SchoolYear, gb.Subject.name)
            .join(gb.SchoolClass, gb.SchoolClass.id == gb.PeriodMark.school_class_id)
            .join(gb.Subject, gb.Subject.id == gb.PeriodMark.subject_id)
            .join(SchoolYear, SchoolYear.id == gb.PeriodMark.school_year_id)
            .outerjoin(gb.Term, gb.Term.id == gb.PeriodMark.term_id)
            .where(gb.PeriodMark.pupil_id.in_(list(pupil_ids)),
                   gb.SchoolClass.grade.in_(list(grades)))
            .order_by(gb.PeriodMark.id)
        ).all()
        year_terms = self._terms_of_years({row[4].id for row in rows})

        marks: dict[int, list[PeriodMark]] = {p: [] for p in pupil_ids}
        origins: dict[int, list[MarkOrigin]] = {p: [] for p in pupil_ids}
        problems: dict[int, list[str]] = {p: [] for p in pupil_ids}
        for row, grade, code, term, year, subject_name in rows:
            period = Period.YEAR if term is None else _TERM_PERIODS[(term.term_kind,
                                                                     term.number)]
            where = f"{period.label} {grade} класса по предмету «{subject_name}»"
            if row.status != "confirmed":
                problems[row.pupil_id].append(f"отметка за {where} не подтверждена")
                continue
            value = _value(value_in_force(row))
            if value is None:
                problems[row.pupil_id].append(f"за {where} обучающийся не аттестован")
                continue
            marks[row.pupil_id].append(PeriodMark(code, grade, period, value))
            if term is None:
                # A year mark follows its terms, and they follow the lesson marks of the
                # year: the lock covers all of them.
                origins[row.pupil_id].append(MarkOrigin(
                    code, row.subject_id, grade, domain_period_id("year", year.id),
                    year.starts_on, year.ends_on))
                origins[row.pupil_id] += [
                    MarkOrigin(code, row.subject_id, grade, t.id, t.starts_on, t.ends_on)
                    for t in year_terms.get(year.id, ())
                ]
            else:
                origins[row.pupil_id].append(MarkOrigin(
                    code, row.subject_id, grade, term.id, term.starts_on, term.ends_on))
        return {
            pupil_id: PupilMarks(pupil_id, tuple(marks[pupil_id]), tuple(origins[pupil_id]),
                                 tuple(problems[pupil_id]))
            for pupil_id in pupil_ids
        }

    def _terms_of_years(self, year_ids: set[int]) -> dict[int, list[gb.Term]]:
        found: dict[int, list[gb.Term]] = {}
        if not year_ids:
            return found
        for term in self.session.scalars(
                select(gb.Term).where(gb.Term.school_year_id.in_(year_ids))):
            found.setdefault(term.school_year_id, []).append(term)
        return found


class GradebookMarkLocks:
    """Certificate locks in the gradebook's table: its every write path checks them."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock(self, *, certificate_id: int, pupil_id: int, scope: LockScope,
             actor: LockActor) -> int:
        lock_id = self.session.execute(select(
            func.nextval(func.pg_get_serial_sequence("certificate_locks", "id")))).scalar_one()
        result = set_certificate_lock(
            lock_id=lock_id, certificate_id=certificate_id, pupil_id=pupil_id,
            subject_ids=scope.subject_ids, start=scope.starts_on, end=scope.ends_on,
            period_ids=scope.period_ids, actor=Actor(actor.user_id, actor.role),
            at=actor.at, workflow_id=actor.workflow_id)
        lock = result.value
        self.session.add(gb.CertificateLock(
            id=lock.id, certificate_id=certificate_id, pupil_id=pupil_id,
            subject_ids=sorted(lock.subject_ids), starts_on=lock.start, ends_on=lock.end,
            period_ids=sorted(lock.period_ids), set_at=lock.set_at, set_by=lock.set_by))
        self.session.flush()
        audit_log.store(self.session, result.events, actor.organization_id)
        return lock.id

    def release(self, lock_id: int, *, certificate_id: int, issued: bool, reason: str,
                actor: LockActor) -> None:
        row = self.session.get(gb.CertificateLock, lock_id, with_for_update=True)
        assert row is not None
        result = release_certificate_lock(
            certificate_lock_of(row), cancelled_certificate_id=certificate_id,
            certificate_issued=issued, reason=reason,
            actor=Actor(actor.user_id, actor.role), at=actor.at,
            workflow_id=actor.workflow_id)
        released = result.value.released
        assert released is not None
        row.released_at, row.released_by = released.at, released.by
        row.release_reason = released.reason
        self.session.flush()
        audit_log.store(self.session, result.events, actor.organization_id)


    def write_new_version(self, *, version_id: int, previous_version_id: int,
                          duplicate_id: int, pupil_id: int, school_class_id: int,
                          changes: Mapping[str, tuple[object, object]], reason: str,
                          actor: LockActor) -> None:
        """A duplicate's new version of final marks, through the gradebook's one write
        check (Action.NEW_VERSION): the certificate lock lets it pass for a duplicate only,
        and each changed subject is audited with its old and new value."""
        locks = [certificate_lock_of(row) for row in self.session.scalars(
            select(gb.CertificateLock).where(gb.CertificateLock.pupil_id == pupil_id))]
        subject_ids = dict(self.session.execute(select(gb.Subject.code, gb.Subject.id).where(
            gb.Subject.code.in_(list(changes)))).all())
        who = Actor(actor.user_id, actor.role)
        events = []
        for code, (old, new) in sorted(changes.items()):
            subject_id = subject_ids.get(code)
            assert subject_id is not None, f"gradebook subject {code} of a final mark"
            target = WriteTarget(TargetKind.FINAL_MARK, version_id, school_class_id,
                                 subject_id, pupil_id)
            try:
                check_write(target, Action.NEW_VERSION, locks, who,
                            duplicate_id=duplicate_id)
            except WriteRefused as error:
                audit_log.store_refusal(self.session, error,
                                        organization_id=actor.organization_id,
                                        at=actor.at, workflow_id=actor.workflow_id)
                raise
            events.append(user_change(
                who, actor.at, TargetKind.FINAL_MARK.value, version_id,
                Action.NEW_VERSION.value, old={"subject": code, "value": old},
                new={"subject": code, "value": new}, reason=reason,
                workflow_id=actor.workflow_id,
                refs={"duplicate_id": duplicate_id,
                      "previous_version_id": previous_version_id}))
        audit_log.store(self.session, events, actor.organization_id)

"""What people read: the class journal, the diary, how a term mark came about, reports.

Marks a teacher holds back are in the teacher's grid and the teacher's own average only;
the diary and every pupil-visible average count published marks alone.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import date, time
from fractions import Fraction

from pydantic import BaseModel
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, object_session

from domain.gradebook.arithmetic import shown_average
from domain.gradebook.attendance import (
    ABSENCE_REASON_TITLES_RU,
    Membership,
    class_attendance,
)
from domain.gradebook.computation import (
    NOT_ASSESSED,
    Share,
    class_average,
    class_statistics,
    running_average,
)
from domain.gradebook.lessons import Lesson
from domain.gradebook.policy import DEFAULT_WORK_KINDS, GradingPolicy
from domain.gradebook.terms import Term
from tsos.db import gradebook as db
from tsos.db.models import Person, Pupil
from tsos.gradebook import structure
from tsos.gradebook.errors import GradebookError
from tsos.gradebook.homework_files import FileInfo, files_of
from tsos.gradebook.mapping import (
    attendance_of,
    display_value,
    lesson_of,
    mark_of,
    proposal_of,
)
from tsos.gradebook.term_marks import Period


class HomeworkFile(BaseModel):
    """A file of the homework; its content is at GET /gradebook/lessons/{lesson}/files/{id}."""

    id: int
    name: str
    content_type: str
    size: int


class LessonColumn(BaseModel):
    id: int
    date: date
    number: int | None
    starts_at: time | None
    ends_at: time | None
    status: str
    topic: str | None
    homework: str | None
    homework_links: list[str]
    homework_files: list[HomeworkFile] = []
    study_group_id: int | None


class MarkCell(BaseModel):
    id: int
    value: str
    kind: str
    kind_title: str
    weight: str | None
    published: bool


class AttendanceCell(BaseModel):
    presence: str
    reason: str | None
    reason_title: str | None
    excused: bool
    late_minutes: int | None


class PeriodMarkCell(BaseModel):
    id: int
    value: str
    computed_value: str
    status: str
    overridden: bool
    escalated: bool
    flagged: bool


class PupilRow(BaseModel):
    pupil_id: int
    surname: str
    name: str
    patronymic: str | None
    on_roster_from: date
    left_on: date | None
    # Lessons of the period the pupil was not on the roster for (joined later or left).
    off_roster: list[int]
    marks: dict[int, list[MarkCell]]
    attendance: dict[int, AttendanceCell]
    marks_count: int
    # As pupils and guardians see it: published marks only, cut (never rounded) to 2 places.
    average: str | None
    average_exact: str | None
    # The teacher's own view, held-back marks included; absent from others' views.
    teacher_average: str | None = None
    term_mark: PeriodMarkCell | None = None


class ClassJournal(BaseModel):
    school_class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    study_group_id: int | None
    start: date
    end: date
    term_id: int | None
    time_zone: str
    policy_id: int
    policy_version: int
    lessons: list[LessonColumn]
    pupils: list[PupilRow]


def _fraction_text(value: Fraction | None) -> str | None:
    return None if value is None else f"{value.numerator}/{value.denominator}"


def _shown(value: Fraction | None) -> str | None:
    return None if value is None else shown_average(value)


def lesson_column(row: db.Lesson, files: list[FileInfo] | None = None) -> LessonColumn:
    """A lesson as a journal column; its files are looked up unless given."""
    if files is None:
        files = files_of(object_session(row), [row.id]).get(row.id, [])  # type: ignore[arg-type]
    return LessonColumn(id=row.id, date=row.lesson_date, number=row.number,
                        starts_at=row.starts_at, ends_at=row.ends_at, status=row.status,
                        topic=row.topic, homework=row.homework,
                        homework_links=list(row.homework_links or []),
                        homework_files=_files_out(files),
                        study_group_id=row.study_group_id)


def _files_out(files: list[FileInfo]) -> list[HomeworkFile]:
    return [HomeworkFile(id=f.id, name=f.name, content_type=f.content_type, size=f.size)
            for f in files]


def _attendance_cell(row: db.Attendance) -> AttendanceCell:
    record = attendance_of(row)
    return AttendanceCell(
        presence=record.presence.value,
        reason=record.reason.value if record.reason else None,
        reason_title=ABSENCE_REASON_TITLES_RU[record.reason] if record.reason else None,
        excused=record.excused, late_minutes=record.late_minutes)


def _period_cell(row: db.PeriodMark) -> PeriodMarkCell:
    value = row.override_value if row.overridden else row.computed_value
    return PeriodMarkCell(id=row.id, value=value or NOT_ASSESSED,
                          computed_value=row.computed_value, status=row.status,
                          overridden=row.overridden, escalated=row.escalated_at is not None,
                          flagged=row.recompute_flag is not None)


def persons_of(session: Session, pupil_ids: list[int]) -> dict[int, Person]:
    """The person behind each pupil id (names are shown, never logged)."""
    rows = session.execute(select(Pupil.id, Person).join(Person, Person.id == Pupil.person_id)
                           .where(Pupil.id.in_(pupil_ids)))
    return {pupil_id: person for pupil_id, person in rows}


def memberships(session: Session, school_class_id: int, study_group_id: int | None,
                start: date, end: date) -> list[db.ClassMembership]:
    """Roster rows overlapping the dates: a pupil who left keeps their row in past registers."""
    group = (db.ClassMembership.study_group_id.is_(None) if study_group_id is None
             else db.ClassMembership.study_group_id == study_group_id)
    return list(session.scalars(select(db.ClassMembership).where(
        db.ClassMembership.school_class_id == school_class_id, group,
        db.ClassMembership.starts_on <= end,
        or_(db.ClassMembership.ends_on.is_(None), db.ClassMembership.ends_on >= start),
    )))


def class_journal(session: Session, school_class: db.SchoolClass, subject_id: int,
                  start: date, end: date, *, for_teacher: bool,
                  study_group_id: int | None = None, term_id: int | None = None,
                  zone: str) -> ClassJournal:
    """The grid of pupils × lessons with marks, absences and running averages."""
    policy = structure.policy_near(session, school_class.organization_id, end)
    subject = session.get(db.Subject, subject_id)
    assert subject is not None
    lesson_query = select(db.Lesson).where(
        db.Lesson.school_class_id == school_class.id, db.Lesson.subject_id == subject_id,
        db.Lesson.lesson_date.between(start, end))
    if study_group_id is not None:
        lesson_query = lesson_query.where(or_(db.Lesson.study_group_id.is_(None),
                                              db.Lesson.study_group_id == study_group_id))
    lessons = list(session.scalars(lesson_query.order_by(db.Lesson.lesson_date,
                                                         db.Lesson.number, db.Lesson.id)))
    lesson_ids = [lesson.id for lesson in lessons]
    files = files_of(session, lesson_ids)

    roster = memberships(session, school_class.id, study_group_id, start, end)
    spans: dict[int, list[db.ClassMembership]] = defaultdict(list)
    for membership in roster:
        spans[membership.pupil_id].append(membership)
    people = persons_of(session, list(spans))

    marks_by_pupil: dict[int, list[db.Mark]] = defaultdict(list)
    for row in session.scalars(select(db.Mark).where(db.Mark.lesson_id.in_(lesson_ids))
                               .order_by(db.Mark.lesson_date, db.Mark.id)):
        if for_teacher or row.published:
            marks_by_pupil[row.pupil_id].append(row)
    attendance: dict[int, dict[int, AttendanceCell]] = defaultdict(dict)
    for row in session.scalars(select(db.Attendance).where(
            db.Attendance.lesson_id.in_(lesson_ids))):
        attendance[row.pupil_id][row.lesson_id] = _attendance_cell(row)
    term_marks = {}
    if term_id is not None:
        term_marks = {row.pupil_id: _period_cell(row) for row in session.scalars(
            select(db.PeriodMark).where(db.PeriodMark.period_kind == "term",
                                        db.PeriodMark.term_id == term_id,
                                        db.PeriodMark.subject_id == subject_id,
                                        db.PeriodMark.pupil_id.in_(list(spans))))}

    rows = []
    for pupil_id, pupil_spans in spans.items():
        person = people[pupil_id]
        marks = marks_by_pupil.get(pupil_id, [])
        rows.append(_pupil_row(pupil_id, person, pupil_spans, lessons, marks,
                               attendance.get(pupil_id, {}), policy, for_teacher,
                               term_marks.get(pupil_id)))
    rows.sort(key=lambda row: (row.surname, row.name, row.patronymic or "", row.pupil_id))

    return ClassJournal(
        school_class_id=school_class.id, class_name=school_class.name, subject_id=subject_id,
        subject_name=subject.name, study_group_id=study_group_id, start=start, end=end,
        term_id=term_id, time_zone=zone, policy_id=policy.id, policy_version=policy.version,
        lessons=[lesson_column(lesson, files.get(lesson.id, [])) for lesson in lessons],
        pupils=rows)


def _pupil_row(pupil_id: int, person: Person, spans: list[db.ClassMembership],
               lessons: list[db.Lesson], marks: list[db.Mark],
               attendance: dict[int, AttendanceCell], policy: GradingPolicy,
               for_teacher: bool, term_mark: PeriodMarkCell | None) -> PupilRow:
    domain_spans = [Membership(pupil_id, m.starts_on, m.ends_on, m.study_group_id)
                    for m in spans]
    off_roster = [
        lesson.id for lesson in lessons
        if not any(span.start <= lesson.lesson_date
                   and (span.end is None or lesson.lesson_date <= span.end)
                   for span in domain_spans)
    ]
    cells: dict[int, list[MarkCell]] = defaultdict(list)
    for row in marks:
        value = mark_of(row).value
        cells[row.lesson_id].append(MarkCell(
            id=row.id, value=str(value), kind=row.kind, kind_title=policy.kind_title(row.kind),
            weight=str(policy.weights[row.kind]) if row.kind in policy.weights else None,
            published=row.published))

    domain_marks = [mark_of(row) for row in marks]
    visible = running_average(domain_marks, policy)
    open_ends = [span.end for span in domain_spans]
    left_on = None if None in open_ends else max(d for d in open_ends if d is not None)
    result = PupilRow(
        pupil_id=pupil_id, surname=person.surname, name=person.name,
        patronymic=person.patronymic, on_roster_from=min(s.start for s in domain_spans),
        left_on=left_on, off_roster=off_roster, marks=dict(cells), attendance=attendance,
        marks_count=sum(1 for row in marks if row.published), average=_shown(visible),
        average_exact=_fraction_text(visible), term_mark=term_mark)
    if for_teacher:
        everything = running_average([replace(m, published=True) for m in domain_marks],
                                     policy)
        result.teacher_average = _shown(everything)
    return result


# The diary.


class DiaryMark(BaseModel):
    value: str
    kind_title: str


class DiaryLesson(BaseModel):
    lesson_id: int
    date: date
    number: int | None
    starts_at: time | None
    ends_at: time | None
    subject_id: int
    subject_name: str
    status: str
    topic: str | None
    homework: str | None
    homework_links: list[str]
    homework_files: list[HomeworkFile]
    marks: list[DiaryMark]
    attendance: AttendanceCell | None


class DiaryPeriodMark(BaseModel):
    id: int
    period_kind: str
    title: str
    value: str


class DiarySubject(BaseModel):
    subject_id: int
    subject_name: str
    # Over the term's published marks (see Diary.averages_over), not over the window shown.
    marks_count: int
    average: str | None
    period_marks: list[DiaryPeriodMark]


class DiaryAveragesOver(BaseModel):
    """The period the diary's averages are taken over: the term of the window's last day."""

    term_id: int
    title: str
    start: date
    end: date


class DiaryRemark(BaseModel):
    date: date
    text: str
    subject_name: str | None


class Diary(BaseModel):
    pupil_id: int
    start: date
    end: date
    time_zone: str
    lessons: list[DiaryLesson]
    subjects: list[DiarySubject]
    # None outside any term (the summer before the first): then there is no average.
    averages_over: DiaryAveragesOver | None
    remarks: list[DiaryRemark]


def diary(session: Session, pupil_id: int, start: date, end: date, *, zone: str) -> Diary:
    """A pupil's lessons, published marks, absences, homework and remarks between two dates."""
    membership = db.ClassMembership
    lessons = list(session.scalars(
        select(db.Lesson).join(membership, and_(
            membership.school_class_id == db.Lesson.school_class_id,
            membership.study_group_id.is_not_distinct_from(db.Lesson.study_group_id),
            membership.starts_on <= db.Lesson.lesson_date,
            or_(membership.ends_on.is_(None), membership.ends_on >= db.Lesson.lesson_date),
        )).where(membership.pupil_id == pupil_id, db.Lesson.lesson_date.between(start, end))
        .order_by(db.Lesson.lesson_date, db.Lesson.number, db.Lesson.id)
    ).unique())
    subjects = {s.id: s for s in session.scalars(select(db.Subject).where(
        db.Subject.id.in_({lesson.subject_id for lesson in lessons})))}
    marks = list(session.scalars(select(db.Mark).where(
        db.Mark.pupil_id == pupil_id, db.Mark.published.is_(True),
        db.Mark.lesson_date.between(start, end)).order_by(db.Mark.lesson_date, db.Mark.id)))
    absences = {row.lesson_id: _attendance_cell(row) for row in session.scalars(
        select(db.Attendance).where(db.Attendance.pupil_id == pupil_id,
                                    db.Attendance.lesson_id.in_([x.id for x in lessons])))}

    pupil = session.get(Pupil, pupil_id)
    assert pupil is not None
    policy = _diary_policy(session, pupil.organization_id, end)
    files = files_of(session, [lesson.id for lesson in lessons])
    by_lesson: dict[int, list[DiaryMark]] = defaultdict(list)
    for row in marks:
        by_lesson[row.lesson_id].append(DiaryMark(
            value=str(mark_of(row).value),
            kind_title=policy.kind_title(row.kind) if policy is not None
            else _default_kind_title(row.kind)))
    diary_lessons = [
        DiaryLesson(lesson_id=lesson.id, date=lesson.lesson_date, number=lesson.number,
                    starts_at=lesson.starts_at, ends_at=lesson.ends_at,
                    subject_id=lesson.subject_id,
                    subject_name=subjects[lesson.subject_id].name, status=lesson.status,
                    topic=lesson.topic, homework=lesson.homework,
                    homework_links=list(lesson.homework_links or []),
                    homework_files=_files_out(files.get(lesson.id, [])),
                    marks=by_lesson.get(lesson.id, []), attendance=absences.get(lesson.id))
        for lesson in lessons
    ]

    term = _diary_term(session, pupil_id, start, end)
    term_marks: list[db.Mark] = []
    if term is not None:
        policy = _diary_policy(session, pupil.organization_id, term.end)
        term_marks = list(session.scalars(select(db.Mark).where(
            db.Mark.pupil_id == pupil_id, db.Mark.published.is_(True),
            db.Mark.lesson_date.between(term.start, term.end))))
    return Diary(pupil_id=pupil_id, start=start, end=end, time_zone=zone,
                 lessons=diary_lessons,
                 subjects=_diary_subjects(session, pupil_id, term_marks, subjects, policy),
                 averages_over=None if term is None else DiaryAveragesOver(
                     term_id=term.id, title=term.title, start=term.start, end=term.end),
                 remarks=_remarks(session, pupil_id, start, end))


def _diary_term(session: Session, pupil_id: int, start: date, end: date) -> Term | None:
    """The term of the window's last day for the pupil's class (in the holidays, the term
    just over): the diary's averages are the term's, like the term marks beside them."""
    membership = session.scalar(select(db.ClassMembership).where(
        db.ClassMembership.pupil_id == pupil_id,
        db.ClassMembership.study_group_id.is_(None),
        db.ClassMembership.starts_on <= end,
        or_(db.ClassMembership.ends_on.is_(None), db.ClassMembership.ends_on >= start),
    ).order_by(db.ClassMembership.starts_on.desc()).limit(1))
    if membership is None:
        return None
    school_class = structure.get_class(session, membership.school_class_id)
    year = structure.domain_school_year(session, school_class.school_year_id)
    if school_class.grade not in year.schedules:
        return None
    begun = [term for term in structure.terms_of_class(session, school_class)
             if term.start <= end]
    return begun[-1] if begun else None


def _default_kind_title(kind: str) -> str:
    default = DEFAULT_WORK_KINDS.get(kind)
    return default.title if default is not None else kind


def _diary_policy(session: Session, organization_id: int, on: date) -> GradingPolicy | None:
    """The school's policy for the diary; None while the school has published none (the
    family still sees lessons and homework, with no averages)."""
    try:
        return structure.policy_near(session, organization_id, on)
    except GradebookError:
        return None


def _diary_subjects(session: Session, pupil_id: int, marks: list[db.Mark],
                    subjects: dict[int, db.Subject], policy: GradingPolicy | None
                    ) -> list[DiarySubject]:
    """Each subject of the window with its term marks and its average over the term."""
    by_subject: dict[int, list[db.Mark]] = defaultdict(list)
    for row in marks:
        by_subject[row.subject_id].append(row)
    period_rows = session.scalars(select(db.PeriodMark).where(
        db.PeriodMark.pupil_id == pupil_id,
        # Proposals are the teacher's to confirm; the diary shows marks once decided.
        or_(db.PeriodMark.status == "confirmed", db.PeriodMark.source == "imported"),
    ).order_by(db.PeriodMark.school_year_id, db.PeriodMark.term_id)).all()
    term_titles = _term_titles(session, {row.term_id for row in period_rows if row.term_id})
    periods: dict[int, list[DiaryPeriodMark]] = defaultdict(list)
    for row in period_rows:
        title = term_titles.get(row.term_id or 0, "год") if row.period_kind == "term" else "год"
        periods[row.subject_id].append(DiaryPeriodMark(
            id=row.id, period_kind=row.period_kind, title=title,
            value=_period_cell(row).value))

    names = {subject.id: subject.name for subject in session.scalars(
        select(db.Subject).where(db.Subject.id.in_(set(subjects) | set(by_subject))))}
    result = []
    for subject_id in sorted(names, key=lambda s: (names[s], s)):
        rows = by_subject.get(subject_id, [])
        average = (running_average([mark_of(row) for row in rows], policy)
                   if policy is not None else None)
        result.append(DiarySubject(subject_id=subject_id, subject_name=names[subject_id],
                                   marks_count=len(rows), average=_shown(average),
                                   period_marks=periods.get(subject_id, [])))
    return result


def _term_titles(session: Session, term_ids: set[int]) -> dict[int, str]:
    return {row.id: structure.term_of(row).title
            for row in session.scalars(select(db.Term).where(db.Term.id.in_(term_ids)))}


def _remarks(session: Session, pupil_id: int, start: date, end: date) -> list[DiaryRemark]:
    rows = session.execute(
        select(db.Remark, db.Subject.name)
        .outerjoin(db.Subject, db.Subject.id == db.Remark.subject_id)
        .where(db.Remark.pupil_id == pupil_id, db.Remark.remark_date.between(start, end))
        .order_by(db.Remark.remark_date, db.Remark.id)).all()
    return [DiaryRemark(date=remark.remark_date, text=remark.text, subject_name=name)
            for remark, name in rows]


class DerivationLineOut(BaseModel):
    label: str
    value: str
    weight: str


class Derivation(BaseModel):
    """How a term or year mark came about, in the words the diary shows."""

    period_mark_id: int
    value: str
    computed_value: str
    overridden: bool
    override_reason: str | None
    not_assessed_reason: str | None
    policy_id: int | None
    policy_version: int | None
    method: str | None
    shown_average: str | None
    formula: str | None
    lines: list[DerivationLineOut]
    warnings: list[str]
    # Staff only (held-back marks): absent from what pupils and guardians read.
    staff_notes: list[str] | None = None


def derivation(row: db.PeriodMark, *, for_staff: bool) -> Derivation:
    computed = proposal_of(row.computed) if row.source == "computed" else None
    stored = row.computed or {}
    return Derivation(
        period_mark_id=row.id, value=_period_cell(row).value,
        computed_value=row.computed_value, overridden=row.overridden,
        override_reason=row.override_reason, not_assessed_reason=row.not_assessed_reason,
        policy_id=row.policy_id, policy_version=row.policy_version,
        method=stored.get("method"), shown_average=stored.get("shown_average"),
        formula=stored.get("formula"),
        lines=[DerivationLineOut(label=line["label"], value=line["value"],
                                 weight=line["weight"]) for line in stored.get("lines", [])],
        warnings=[] if computed is None else list(computed.warnings),
        staff_notes=list(computed.staff_notes) if for_staff and computed else None)


# Reports, each figure with the count it was taken over.


class ShareOut(BaseModel):
    count: int
    denominator: int
    percent: str | None


def _share(share: Share) -> ShareOut:
    return ShareOut(count=share.count, denominator=share.denominator, percent=share.percent)


class PeriodMarkStatistics(BaseModel):
    pupils: int
    assessed: int
    not_assessed: int
    average: str | None
    shares: dict[str, ShareOut]
    success: ShareOut
    quality: ShareOut


class GroupLessons(BaseModel):
    study_group_id: int
    name: str
    held_lessons: int
    not_held_lessons: int


class PerformanceReport(BaseModel):
    school_class_id: int
    class_name: str
    subject_id: int
    subject_name: str
    start: date
    end: date
    # Held lessons of the whole class; a split class's group lessons are counted per group
    # (no pupil attends both), as in the attendance report.
    held_lessons: int
    groups: list[GroupLessons]
    held_lessons_over: str
    pupils_on_roster: int
    pupils_with_marks: int
    # The mean of pupils' own averages: each pupil once, whatever groups they are in.
    class_average: str | None
    class_average_over: str
    period_marks: PeriodMarkStatistics | None


def performance(session: Session, school_class: db.SchoolClass, subject_id: int,
                start: date, end: date, period: Period | None) -> PerformanceReport:
    policy = structure.policy_near(session, school_class.organization_id, end)
    subject = session.get(db.Subject, subject_id)
    assert subject is not None
    roster = {m.pupil_id for m in memberships(session, school_class.id, None, start, end)}
    lessons = [lesson_of(row) for row in session.scalars(select(db.Lesson).where(
        db.Lesson.school_class_id == school_class.id, db.Lesson.subject_id == subject_id,
        db.Lesson.lesson_date.between(start, end)))]
    held = sum(1 for lesson in lessons
               if lesson.study_group_id is None and lesson.status.value == "held")
    groups = _group_lessons(session, lessons)
    marks: dict[int, list[db.Mark]] = defaultdict(list)
    for row in session.scalars(select(db.Mark).where(
            db.Mark.pupil_id.in_(roster), db.Mark.subject_id == subject_id,
            db.Mark.published.is_(True), db.Mark.lesson_date.between(start, end))):
        marks[row.pupil_id].append(row)
    averages = []
    for pupil_id, rows in marks.items():
        average = (running_average([mark_of(row) for row in rows], policy)
                   if policy is not None else None)
        if average is not None:
            averages.append((pupil_id, average))

    statistics = None
    if period is not None:
        rows = session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.school_class_id == school_class.id,
            db.PeriodMark.subject_id == subject_id,
            db.PeriodMark.period_kind == period.kind,
            db.PeriodMark.term_id == period.term_id if period.term_id is not None
            else db.PeriodMark.school_year_id == period.school_year_id)).all()
        if rows:
            stats = class_statistics(
                (row.pupil_id, display_value(row.override_value if row.overridden
                                             else row.computed_value)) for row in rows)
            statistics = PeriodMarkStatistics(
                pupils=stats.pupils, assessed=stats.assessed, not_assessed=stats.not_assessed,
                average=stats.shown_average,
                shares={key: _share(share) for key, share in stats.shares.items()},
                success=_share(stats.success), quality=_share(stats.quality))

    mean = class_average(averages)
    return PerformanceReport(
        school_class_id=school_class.id, class_name=school_class.name, subject_id=subject_id,
        subject_name=subject.name, start=start, end=end, held_lessons=held, groups=groups,
        held_lessons_over=_held_lessons_text(held, groups), pupils_on_roster=len(roster),
        pupils_with_marks=len(averages),
        class_average=_shown(mean),
        class_average_over=f"учеников с отметками: {len(averages)} из {len(roster)}",
        period_marks=statistics)


class PupilAttendanceOut(BaseModel):
    pupil_id: int
    surname: str
    name: str
    held: int
    absent: int
    absent_excused: int
    late: int
    attended: ShareOut


class AttendanceReport(BaseModel):
    school_class_id: int
    class_name: str
    subject_id: int | None
    start: date
    end: date
    # Percentages are over held lessons only; planned and cancelled ones are listed apart.
    # Lessons of the whole class; a split class's group lessons are counted per group, since
    # each pupil attends only their own group's.
    held_lessons: int
    not_held_lessons: int
    groups: list[GroupLessons]
    # The denominator of every share: held lessons each pupil was on the roster for, summed.
    pupil_lessons: int
    denominator: str
    attended: ShareOut
    absences: ShareOut
    unexcused_absences: ShareOut
    pupils: list[PupilAttendanceOut]


def attendance_report(session: Session, school_class: db.SchoolClass, subject_id: int | None,
                      start: date, end: date) -> AttendanceReport:
    query = select(db.Lesson).where(db.Lesson.school_class_id == school_class.id,
                                    db.Lesson.lesson_date.between(start, end))
    if subject_id is not None:
        query = query.where(db.Lesson.subject_id == subject_id)
    lesson_rows = list(session.scalars(query))
    lessons = [lesson_of(row) for row in lesson_rows]
    records = [attendance_of(row) for row in session.scalars(select(db.Attendance).where(
        db.Attendance.lesson_id.in_([row.id for row in lesson_rows])))]
    spans = list(session.scalars(select(db.ClassMembership).where(
        db.ClassMembership.school_class_id == school_class.id,
        db.ClassMembership.starts_on <= end,
        or_(db.ClassMembership.ends_on.is_(None), db.ClassMembership.ends_on >= start))))
    roster = [Membership(m.pupil_id, m.starts_on, m.ends_on, m.study_group_id) for m in spans]
    result = class_attendance(lessons, records, roster)
    people = persons_of(session, [m.pupil_id for m in roster])

    whole_class = [lesson for lesson in lessons if lesson.study_group_id is None]
    held = sum(1 for lesson in whole_class if lesson.status.value == "held")
    groups = _group_lessons(session, lessons)
    pupils = [
        PupilAttendanceOut(pupil_id=s.pupil_id, surname=people[s.pupil_id].surname,
                           name=people[s.pupil_id].name, held=s.held, absent=s.absent,
                           absent_excused=s.absent_excused, late=s.late,
                           attended=_share(s.attended))
        for s in result.pupils
    ]
    pupils.sort(key=lambda p: (p.surname, p.name, p.pupil_id))
    return AttendanceReport(
        school_class_id=school_class.id, class_name=school_class.name, subject_id=subject_id,
        start=start, end=end, held_lessons=held, not_held_lessons=len(whole_class) - held,
        groups=groups, pupil_lessons=result.pupil_lessons,
        denominator=_attendance_denominator(held, groups, result.pupil_lessons),
        attended=_share(result.attended),
        absences=_share(result.absences), unexcused_absences=_share(result.unexcused_absences),
        pupils=pupils)


def _group_lessons(session: Session, lessons: list[Lesson]) -> list[GroupLessons]:
    by_group: dict[int, list[Lesson]] = defaultdict(list)
    for lesson in lessons:
        if lesson.study_group_id is not None:
            by_group[lesson.study_group_id].append(lesson)
    names = {group_id: name for group_id, name in session.execute(
        select(db.StudyGroup.id, db.StudyGroup.name).where(
            db.StudyGroup.id.in_(list(by_group))))}
    result = []
    for group_id, group in sorted(by_group.items(), key=lambda item: (names[item[0]],
                                                                        item[0])):
        held = sum(1 for lesson in group if lesson.status.value == "held")
        result.append(GroupLessons(study_group_id=group_id, name=names[group_id],
                                   held_lessons=held, not_held_lessons=len(group) - held))
    return result


def _held_lessons_text(held: int, groups: list[GroupLessons]) -> str:
    text = f"проведённых уроков всего класса: {held}"
    if groups:
        text += "; уроков групп: " + ", ".join(f"«{group.name}» — {group.held_lessons}"
                                               for group in groups)
    return text


def _attendance_denominator(held: int, groups: list[GroupLessons], pupil_lessons: int) -> str:
    text = _held_lessons_text(held, groups)
    if groups:
        text += " (у каждого ученика — уроки класса и своей группы)"
    return (f"{text}. Доли — от ученико-уроков: {pupil_lessons} (проведённые уроки, на "
            f"которых ученик был в списке)")

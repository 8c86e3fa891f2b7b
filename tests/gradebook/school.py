"""An invented school for the gradebook tests: 2025/26, class 7Б with algebra, its people."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.gradebook.audit import Actor
from domain.gradebook.marks import MarkValue
from domain.people.names import full_name_key
from tsos.db import gradebook as db
from tsos.db.models import GuardianLink, Organization, Person, Pupil, Role, User
from tsos.gradebook import structure
from tsos.gradebook.context import WriteContext
from tsos.gradebook.journal import JournalWriter, MarkEntry
from tsos.gradebook.structure import TermDates

ZONE = "Europe/Simferopol"
QUARTERS = (
    TermDates(date(2025, 9, 1), date(2025, 10, 26)),
    TermDates(date(2025, 11, 5), date(2025, 12, 28)),
    TermDates(date(2026, 1, 12), date(2026, 3, 22)),
    TermDates(date(2026, 4, 1), date(2026, 5, 26)),
)
HALF_YEARS = (
    TermDates(date(2025, 9, 1), date(2025, 12, 28)),
    TermDates(date(2026, 1, 12), date(2026, 5, 26)),
)
POLICY = {
    "weights": {"classwork": "1", "homework": "1", "test_work": "1.5",
                "control_work": "2"},
    "min_marks": 3,
}
_counter = itertools.count(1)


@dataclass
class School:
    org_id: int
    org_code: str
    year_id: int
    quarter_ids: list[int]
    class_id: int
    other_class_id: int
    algebra_id: int
    history_id: int
    pupils: list[int]
    pupil_persons: list[int]
    teacher: int
    other_teacher: int
    deputy: int
    head: int
    guardian: int
    pupil_user: int
    other_school_teacher: int
    lessons: dict[date, int] = field(default_factory=dict)

    def actor(self, user_id: int, role: str) -> Actor:
        return Actor(user_id, role)

    @property
    def teacher_actor(self) -> Actor:
        return Actor(self.teacher, "teacher")

    @property
    def deputy_actor(self) -> Actor:
        return Actor(self.deputy, "deputy_head")

    @property
    def head_actor(self) -> Actor:
        return Actor(self.head, "school_head")


def moment(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(ZONE))


def _user(session: Session, role: str, org_id: int | None, person_id: int | None = None,
          label: str = "") -> int:
    serial = next(_counter)
    user = User(login=f"gb.{role}.{serial}{label}", display_name=f"Тестовый {role} {serial}",
                role=Role(role), organization_id=org_id, person_id=person_id, is_active=True)
    session.add(user)
    session.flush()
    return user.id


def _person(session: Session, surname: str, name: str, birth: date | None = None) -> int:
    person = Person(surname=surname, name=name, birth_date=birth,
                    match_key=full_name_key(surname, name, None))
    session.add(person)
    session.flush()
    return person.id


def build_school(session: Session, code: str = "SEV-0801") -> School:
    org = session.scalar(select(Organization).where(Organization.code == code))
    assert org is not None, "the demo region is loaded first"
    other_org = session.scalar(select(Organization).where(Organization.code == "SEV-0802"))
    assert other_org is not None

    year = structure.create_school_year(
        session, org.id, starts_on=date(2025, 9, 1), ends_on=date(2026, 8, 31),
        terms={"quarter": QUARTERS, "half_year": HALF_YEARS},
        grade_plans={**{g: "quarter" for g in range(1, 10)}, 10: "half_year",
                     11: "half_year"})
    quarter_ids = list(session.scalars(select(db.Term.id).where(
        db.Term.school_year_id == year.id, db.Term.term_kind == "quarter")
        .order_by(db.Term.number)))
    structure.publish_policy(session, org.id, POLICY, effective_from=date(2025, 9, 1))

    algebra = structure.ensure_subject(session, "algebra", "Алгебра")
    history = structure.ensure_subject(session, "history", "История")
    seventh_b = structure.create_class(session, year, 7, "Б")
    seventh_a = structure.create_class(session, year, 7, "А")
    for subject in (algebra, history):
        structure.add_curriculum_line(session, year.id, 7, subject.id, Decimal(3))

    teacher = _user(session, "teacher", org.id)
    other_teacher = _user(session, "teacher", org.id)
    other_school_teacher = _user(session, "teacher", other_org.id)
    deputy = _user(session, "deputy_head", org.id)
    head = _user(session, "school_head", org.id)
    t1 = structure.ensure_teacher(session, org.id, teacher)
    t2 = structure.ensure_teacher(session, org.id, other_teacher)
    structure.ensure_teacher(session, other_org.id, other_school_teacher)
    structure.assign_load(session, t1.id, algebra.id, seventh_b.id)
    structure.assign_load(session, t2.id, history.id, seventh_b.id)
    structure.assign_load(session, t2.id, algebra.id, seventh_a.id)

    names = [("Антонов", "Артём"), ("Белова", "Вера"), ("Васин", "Глеб"),
             ("Громова", "Дарья")]
    pupils, persons = [], []
    for surname, name in names:
        person_id = _person(session, surname, name, date(2012, 5, 1))
        pupil = Pupil(person_id=person_id, organization_id=org.id, grade=7, class_letter="Б",
                      school_year="2025/2026", enrolled_on=date(2018, 9, 1))
        session.add(pupil)
        session.flush()
        structure.enroll(session, seventh_b.id, pupil.id, date(2025, 9, 1))
        pupils.append(pupil.id)
        persons.append(person_id)

    guardian_person = _person(session, "Антонова", "Мария")
    session.add(GuardianLink(guardian_person_id=guardian_person, child_person_id=persons[0],
                             kind="mother"))
    guardian = _user(session, "guardian", None, guardian_person)
    pupil_user = _user(session, "pupil", org.id, persons[1])

    return School(org_id=org.id, org_code=code, year_id=year.id, quarter_ids=quarter_ids,
                  class_id=seventh_b.id, other_class_id=seventh_a.id,
                  algebra_id=algebra.id, history_id=history.id, pupils=pupils,
                  pupil_persons=persons, teacher=teacher, other_teacher=other_teacher,
                  deputy=deputy, head=head, guardian=guardian, pupil_user=pupil_user,
                  other_school_teacher=other_school_teacher)


def lesson(session: Session, school: School, day: date, *, number: int = 2,
           status: str = "held", subject_id: int | None = None,
           class_id: int | None = None) -> int:
    school_class = structure.get_class(session, class_id or school.class_id)
    row = structure.plan_lesson(session, school_class, subject_id or school.algebra_id, day,
                                zone=ZONE, number=number, starts_at=time(9, 0),
                                ends_at=time(9, 45), status=status)
    school.lessons[day] = row.id
    return row.id


def writer(session: Session, school: School, actor: Actor | None = None,
           at: datetime | None = None) -> JournalWriter:
    ctx = WriteContext(session, actor or school.teacher_actor, at or moment(date(2025, 10, 1)),
                       school.org_id)
    return JournalWriter(ctx)


def give_marks(session: Session, school: School, pupil_index: int,
               marks: list[tuple[date, int, str]]) -> list[int]:
    """(day, points, kind) marks for one pupil, each on that day's algebra lesson."""
    ids = []
    for day, points, kind in marks:
        lesson_id = school.lessons.get(day) or lesson(session, school, day)
        [row] = writer(session, school).add_marks(
            lesson_id, [MarkEntry(school.pupils[pupil_index], MarkValue.of(points), kind)])
        ids.append(row.id)
    return ids


def now_utc() -> datetime:
    return datetime.now(UTC)


def days(start: date, count: int, step: int = 1) -> list[date]:
    return [start + timedelta(days=step * i) for i in range(count)]


def grade_term(session: Session, school: School, term_id: int | None, at: datetime) -> None:
    """Propose, confirm (as the deputy head) and close a period for the whole school."""
    from tsos.gradebook import term_marks
    from tsos.gradebook.term_marks import Period

    period = Period(school.year_id, term_id)
    for school_class in term_marks.classes_of(session, school.org_id, period):
        for subject_id in term_marks.class_subjects(session, school_class.id):
            term_marks.propose(session, at=at, organization_id=school.org_id,
                               school_class=school_class, subject_id=subject_id,
                               period=period)
    ctx = WriteContext(session, school.deputy_actor, at, school.org_id)
    kind_filter = (db.PeriodMark.term_id == term_id if term_id is not None
                   else db.PeriodMark.period_kind == "year")
    for row in session.scalars(select(db.PeriodMark).where(
            db.PeriodMark.status == "proposed", kind_filter)).all():
        term_marks.confirm(ctx, row.id)
    outcome = term_marks.close(session, at=at, organization_id=school.org_id, period=period,
                               closing_user_id=school.deputy)
    assert not outcome.refused, outcome.refused

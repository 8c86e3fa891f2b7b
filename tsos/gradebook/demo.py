"""Region-scale demo data of the journal: a year of lessons, marks and absences, loaded by COPY.

The full size is the region's every school with three classes of about thirty in each grade
(≈56,000 pupils, ≈4,000 teachers, tens of millions of rows); the default is a small slice.
Everything is invented and seeded, so two runs give the same data. Structure (years, classes,
loads) goes through the service; the bulk (people, lessons, marks, attendance) goes by COPY
with ids reserved from the tables' sequences. The journal rows are a plain load, not journal
writes: nothing is locked or audited yet, and term grading starts from them.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from decimal import Decimal

import psycopg
from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.people.names import full_name_key
from tsos.db.models import Organization, OrganizationKind, Role, SchoolYear, User
from tsos.db.session import session_scope
from tsos.demo import applications as invented
from tsos.demo.users import ROLE_TITLES_RU
from tsos.gradebook import structure
from tsos.gradebook.structure import TermDates
from tsos.settings import Settings

log = logging.getLogger(__name__)

LETTERS = "АБВГДЕ"
BELLS = [(time(8, 30), time(9, 15)), (time(9, 25), time(10, 10)), (time(10, 30), time(11, 15)),
         (time(11, 35), time(12, 20)), (time(12, 30), time(13, 15)), (time(13, 25), time(14, 10)),
         (time(14, 20), time(15, 5))]
# (code, name, weekly hours, grades): a plain curriculum, enough for a realistic journal.
CURRICULUM = [
    ("russian", "Русский язык", 4, range(1, 12)), ("literature", "Литература", 2, range(1, 12)),
    ("mathematics", "Математика", 4, range(1, 7)), ("algebra", "Алгебра", 3, range(7, 12)),
    ("geometry", "Геометрия", 2, range(7, 12)), ("english", "Английский язык", 3,
                                                 range(2, 12)),
    ("world", "Окружающий мир", 2, range(1, 5)), ("history", "История", 2, range(5, 12)),
    ("biology", "Биология", 1, range(5, 12)), ("physics", "Физика", 2, range(7, 12)),
    ("chemistry", "Химия", 2, range(8, 12)), ("informatics", "Информатика", 1, range(7, 12)),
    ("pe", "Физическая культура", 2, range(1, 12)),
]
POLICY = {"weights": {"classwork": "1", "oral_answer": "1", "homework": "1",
                      "test_work": "1.5", "control_work": "2"}, "min_marks": 3}


@dataclass(frozen=True)
class DemoSize:
    schools: int | None
    classes_per_grade: int
    pupils_per_class: int
    teachers_per_school: int
    grades: tuple[int, ...] = tuple(range(1, 12))
    # Share of a held lesson's pupils who get a mark, and of pupil-lessons missed.
    marked_share: float = 0.22
    absent_share: float = 0.04

    @classmethod
    def small(cls) -> DemoSize:
        return cls(schools=2, classes_per_grade=1, pupils_per_class=25, teachers_per_school=24)

    @classmethod
    def full(cls) -> DemoSize:
        """Every school of the region: ≈56 × 11 × 3 × 30 pupils, ≈72 teachers a school."""
        return cls(schools=None, classes_per_grade=3, pupils_per_class=30,
                   teachers_per_school=72)


@dataclass
class Counts:
    schools: int = 0
    pupils: int = 0
    teachers: int = 0
    lessons: int = 0
    marks: int = 0
    absences: int = 0
    # Schools that had the year's journal already (a second run leaves them as they are).
    already_loaded: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"школ": self.schools, "учеников": self.pupils, "учителей": self.teachers,
                "уроков": self.lessons, "отметок": self.marks, "пропусков": self.absences,
                "школ с данными ранее": self.already_loaded}


def describe(counts: dict[str, int]) -> str:
    """What a load did, for the person who ran it."""
    earlier = counts.get("школ с данными ранее", 0)
    if counts["школ"] == 0 and earlier:
        return (f"Демо-данные журнала уже загружены ранее (школ: {earlier}); "
                f"новых не добавлено.")
    loaded = ", ".join(f"{key} — {value}" for key, value in counts.items()
                       if key != "школ с данными ранее")
    text = f"Демо-данные журнала загружены: {loaded}."
    if earlier:
        text += f" Школ с данными, загруженными ранее: {earlier}."
    return text


class _Names:
    """Invented names of one class: the enrolment demo's names, with patronymics, no two
    pupils of a class alike."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.taken: set[tuple[str, str, str]] = set()

    def pupil(self, girl: bool) -> tuple[tuple[str, str, str], tuple[str, str, str]]:
        """(surname, name, patronymic) of a pupil and of their mother."""
        rng = self.rng
        while True:
            family = rng.choice(invented.SURNAMES)
            father = rng.choice(invented.FATHERS)
            child = (invented._gendered(family, not girl),
                     rng.choice(invented.GIRLS if girl else invented.BOYS),
                     father[2] if girl else father[1])
            if child not in self.taken:
                break
        self.taken.add(child)
        mother = (invented._gendered(family, False), rng.choice(invented.MOTHERS),
                  rng.choice(invented.FATHERS)[2])
        return child, mother


def school_year_terms(start: int) -> tuple[list[TermDates], list[TermDates]]:
    """Quarters and half-years of a school year starting on 1 September of `start`."""
    quarters = [TermDates(date(start, 9, 1), date(start, 10, 26)),
                TermDates(date(start, 11, 5), date(start, 12, 28)),
                TermDates(date(start + 1, 1, 12), date(start + 1, 3, 22)),
                TermDates(date(start + 1, 4, 1), date(start + 1, 5, 26))]
    halves = [TermDates(date(start, 9, 1), date(start, 12, 28)),
              TermDates(date(start + 1, 1, 12), date(start + 1, 5, 26))]
    return quarters, halves


def current_year_start(today: date) -> int:
    """The school year a date belongs to begins on 1 September."""
    return today.year if today.month >= 9 else today.year - 1


def load_gradebook_demo(database_url: str, settings: Settings, size: DemoSize, *,
                        year_start: int = 2025, until: date | None = None) -> dict[str, int]:
    """Load the demo journal into schools that have none for that year; returns counts.

    Lessons after `until` (today, in a live demo) are planned: no marks, no absences yet.
    """
    counts = Counts()
    with session_scope(database_url) as session:
        schools = list(session.scalars(select(Organization).where(
            Organization.kind == OrganizationKind.school).order_by(Organization.code)))
        subjects = {code: structure.ensure_subject(session, code, name).id
                    for code, name, _, _ in CURRICULUM}
    if size.schools is not None:
        schools = schools[:size.schools]

    for index, org in enumerate(schools):
        with session_scope(database_url) as session:
            name = f"{year_start}/{year_start + 1}"
            if session.scalar(select(SchoolYear.id).where(
                    SchoolYear.organization_id == org.id, SchoolYear.name == name)):
                counts.already_loaded += 1
                continue
            plan = _school_plan(session, org, settings, size, subjects, year_start,
                                random.Random(f"{org.code}:{year_start}"))
            plan.until = until
        family = _bulk_school(database_url, plan, size, counts)
        if family is not None:
            _demo_family_accounts(database_url, org.id, org.code, *family)
        counts.schools += 1
        log.info("gradebook demo: school %s of %s loaded", index + 1, len(schools))
    _analyze(database_url)
    return counts.as_dict()


@dataclass
class _ClassPlan:
    id: int
    grade: int
    letter: str
    subjects: list[tuple[int, int, int]]  # (subject id, weekly hours, teacher id)


@dataclass
class _SchoolPlan:
    organization_id: int
    code: str
    zone: str
    terms: list[TermDates]
    halves: list[TermDates]
    classes: list[_ClassPlan] = field(default_factory=list)
    author_user_ids: dict[int, int] = field(default_factory=dict)  # teacher id → user id
    rng: random.Random = field(default_factory=random.Random)
    until: date | None = None


def _school_plan(session: Session, org: Organization, settings: Settings, size: DemoSize,
                 subjects: dict[str, int], year_start: int,
                 rng: random.Random) -> _SchoolPlan:
    """The structure of one school, through the service: year, policy, teachers, classes."""
    quarters, halves = school_year_terms(year_start)
    year = structure.create_school_year(
        session, org.id, starts_on=date(year_start, 9, 1),
        ends_on=date(year_start + 1, 8, 31),
        terms={"quarter": quarters, "half_year": halves},
        grade_plans={g: ("half_year" if g >= 10 else "quarter") for g in size.grades})
    structure.publish_policy(session, org.id, POLICY, effective_from=year.starts_on)
    zone = structure.school_zone(session, org.id, settings.region_time_zone)

    teachers = []
    for number in range(1, size.teachers_per_school + 1):
        # The first is the school's `tsos token --role teacher` user, so a demo token has
        # classes to open.
        login = (f"demo.teacher.{org.code.lower()}" if number == 1
                 else f"demo.gb.{org.code.lower()}.t{number}")
        existing = session.scalar(select(User).where(User.login == login))
        if existing is not None:
            teachers.append(existing)
            continue
        user = User(login=login,
                    display_name=f"Учитель {number} ({org.code})", role=Role.teacher,
                    organization_id=org.id, is_demo=True, is_active=True)
        session.add(user)
        teachers.append(user)
    session.flush()
    teacher_rows = [structure.ensure_teacher(session, org.id, user.id) for user in teachers]
    plan = _SchoolPlan(org.id, org.code, zone, quarters, halves, rng=rng,
                       author_user_ids={t.id: t.user_id for t in teacher_rows})

    # Each subject has its own teachers, who share its classes.
    by_subject: dict[str, list[int]] = {}
    for position, (code, _, _, _) in enumerate(CURRICULUM):
        chosen = teacher_rows[position::len(CURRICULUM)] or teacher_rows
        by_subject[code] = [t.id for t in chosen]
    for grade in size.grades:
        for code, _, hours, grades in CURRICULUM:
            if grade in grades:
                structure.add_curriculum_line(session, year.id, grade, subjects[code],
                                              Decimal(hours))
        for letter in LETTERS[:size.classes_per_grade]:
            school_class = structure.create_class(session, year, grade, letter)
            loads = []
            for code, _, hours, grades in CURRICULUM:
                if grade not in grades:
                    continue
                teacher_id = rng.choice(by_subject[code])
                structure.assign_load(session, teacher_id, subjects[code], school_class.id,
                                      hours_per_week=Decimal(hours))
                loads.append((subjects[code], hours, teacher_id))
            plan.classes.append(_ClassPlan(school_class.id, grade, letter, loads))
    return plan


def _demo_family_accounts(database_url: str, organization_id: int, code: str,
                          child_person_id: int, parent_person_id: int) -> None:
    """The school's `tsos token --role pupil|guardian` users become a pupil and their mother,
    so the diary has someone to show."""
    with session_scope(database_url) as session:
        for role, person_id in ((Role.pupil, child_person_id),
                                (Role.guardian, parent_person_id)):
            login = f"demo.{role.value}.{code.lower()}"
            user = session.scalar(select(User).where(User.login == login))
            if user is None:
                user = User(login=login, display_name=f"{ROLE_TITLES_RU[role.value]} ({code})",
                            role=role, organization_id=organization_id, is_demo=True,
                            is_active=True)
                session.add(user)
            user.person_id = person_id


def _bulk_school(database_url: str, plan: _SchoolPlan, size: DemoSize,
                 counts: Counts) -> tuple[int, int] | None:
    """People, rosters, lessons, marks and absences of one school, by COPY in one transaction.

    Returns the (child, parent) persons of a pupil of a graded class, for the demo accounts.
    """
    family: tuple[int, int] | None = None
    rng = plan.rng
    with psycopg.connect(database_url) as conn:
        pupils_by_class: dict[int, list[int]] = {}
        total = len(plan.classes) * size.pupils_per_class
        person_ids = _reserve(conn, "persons", total * 2)
        pupil_ids = _reserve(conn, "pupils", total)
        persons: list[tuple[object, ...]] = []
        pupils, memberships, links = [], [], []
        position = 0
        for class_plan in plan.classes:
            ids = []
            class_names = _Names(rng)
            for _ in range(size.pupils_per_class):
                child, parent = person_ids[2 * position], person_ids[2 * position + 1]
                pupil_id = pupil_ids[position]
                pupil_name, mother_name = class_names.pupil(girl=rng.random() < 0.5)
                born = date(plan.terms[0].start.year - 6 - class_plan.grade,
                            rng.randint(1, 12), rng.randint(1, 28))
                persons.append((child, *pupil_name, born, full_name_key(*pupil_name)))
                persons.append((parent, *mother_name, None, full_name_key(*mother_name)))
                pupils.append((pupil_id, child, plan.organization_id, class_plan.grade,
                               class_plan.letter, f"{plan.terms[0].start.year}/"
                               f"{plan.terms[0].start.year + 1}", date(2018, 9, 1)))
                memberships.append((class_plan.id, pupil_id, plan.terms[0].start))
                links.append((parent, child, "mother"))
                if family is None and class_plan.grade >= 5:
                    family = (child, parent)
                ids.append(pupil_id)
                position += 1
            pupils_by_class[class_plan.id] = ids

        with conn.cursor() as cur:
            _copy(cur, "persons (id, surname, name, patronymic, birth_date, match_key)",
                  persons)
            _copy(cur, "pupils (id, person_id, organization_id, grade, class_letter, "
                       "school_year, enrolled_on)", pupils)
            _copy(cur, "class_memberships (school_class_id, pupil_id, starts_on)", memberships)
            _copy(cur, "guardian_links (guardian_person_id, child_person_id, kind)", links)

            for class_plan in plan.classes:
                terms = plan.halves if class_plan.grade >= 10 else plan.terms
                lessons = list(_lessons(class_plan, terms, rng, plan.until))
                lesson_ids = _reserve(conn, "lessons", len(lessons))
                _copy(cur, "lessons (id, school_class_id, subject_id, teacher_id, "
                           "lesson_date, time_zone, number, starts_at, ends_at, topic, "
                           "homework, homework_links, status)",
                      [(lid, class_plan.id, subject, teacher, day, plan.zone, number + 1,
                        BELLS[number][0], BELLS[number][1], f"Тема урока {serial}",
                        f"Параграф {serial}", "[]", status)
                       for lid, (subject, teacher, day, number, serial, status)
                       in zip(lesson_ids, lessons, strict=True)])
                marks, absences = _entries(class_plan, lessons, lesson_ids, terms,
                                           pupils_by_class[class_plan.id], plan, size, rng)
                mark_ids = _reserve(conn, "marks", len(marks))
                _copy(cur, "marks (id, lesson_id, pupil_id, subject_id, lesson_date, kind, "
                           "points, published, author_user_id)",
                      [(mid, *mark) for mid, mark in zip(mark_ids, marks, strict=True)])
                _copy(cur, "attendance (lesson_id, pupil_id, presence, reason, excused, "
                           "author_user_id)", absences)
                counts.lessons += len(lessons)
                counts.marks += len(marks)
                counts.absences += len(absences)
        conn.commit()
    counts.pupils += total
    counts.teachers += len(plan.author_user_ids)
    return family


def _lessons(class_plan: _ClassPlan, terms: Sequence[TermDates], rng: random.Random,
             until: date | None) -> Iterable[tuple[int, int, date, int, int, str]]:
    """A weekly timetable repeated over the terms: (subject, teacher, day, number, n, status)."""
    slots = [(subject, teacher) for subject, hours, teacher in class_plan.subjects
             for _ in range(hours)]
    rng.shuffle(slots)
    per_day = max(1, -(-len(slots) // 5))
    week = [(position // per_day, position % per_day, position)
            for position in range(len(slots))]
    serials: dict[int, int] = {}
    for term in terms:
        day = term.start
        while day <= term.end:
            if day.weekday() < 5:
                for weekday, number, position in week:
                    if weekday == day.weekday() and number < len(BELLS):
                        subject, teacher = slots[position]
                        serials[subject] = serials.get(subject, 0) + 1
                        status = "cancelled" if rng.random() < 0.01 else "held"
                        if until is not None and day > until:
                            status = "planned"
                        yield subject, teacher, day, number, serials[subject], status
            day += timedelta(days=1)


def _entries(class_plan: _ClassPlan, lessons: list[tuple[int, int, date, int, int, str]],
             lesson_ids: list[int], terms: Sequence[TermDates], pupil_ids: list[int],
             plan: _SchoolPlan, size: DemoSize, rng: random.Random
             ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Marks (a control work for all before each term's end) and absences of a class."""
    ability = {pupil_id: rng.uniform(2.8, 4.9) for pupil_id in pupil_ids}
    last_week = {term.end - timedelta(days=7) for term in terms}
    marks: list[tuple[object, ...]] = []
    absences: list[tuple[object, ...]] = []
    graded = class_plan.grade >= 2
    for lesson_id, (subject, teacher, day, _, serial, status) in zip(lesson_ids, lessons,
                                                                     strict=True):
        if status != "held":
            continue
        author = plan.author_user_ids[teacher]
        absent = {p for p in pupil_ids if rng.random() < size.absent_share}
        for pupil_id in sorted(absent):
            excused = rng.random() < 0.6
            absences.append((lesson_id, pupil_id, "absent", "illness" if excused else None,
                             excused, author))
        if not graded:
            continue
        control = any(end <= day <= end + timedelta(days=7) for end in last_week) and \
            serial % 4 == 0
        kind = "control_work" if control else rng.choice(
            ("classwork", "classwork", "oral_answer", "homework", "test_work"))
        chosen = [p for p in pupil_ids if p not in absent and (
            control or rng.random() < size.marked_share)]
        for pupil_id in chosen:
            points = min(5, max(2, round(rng.gauss(ability[pupil_id], 0.7))))
            marks.append((lesson_id, pupil_id, subject, day, kind, points, True, author))
    return marks, absences


def _reserve(conn: psycopg.Connection, table: str, count: int) -> list[int]:
    """`count` consecutive ids from the table's sequence, taken in one step."""
    if count == 0:
        return []
    last = conn.execute(
        "SELECT setval(pg_get_serial_sequence(%(t)s, 'id'), "
        "nextval(pg_get_serial_sequence(%(t)s, 'id')) + %(n)s - 1)",
        {"t": table, "n": count}).fetchone()
    assert last is not None
    return list(range(last[0] - count + 1, last[0] + 1))


def _copy(cur: psycopg.Cursor, target: str, rows: Sequence[tuple[object, ...]]) -> None:
    if not rows:
        return
    with cur.copy(f"COPY {target} FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def _analyze(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        for table in ("persons", "pupils", "class_memberships", "lessons", "marks",
                      "attendance", "teaching_loads"):
            conn.execute(f"ANALYZE {table}")

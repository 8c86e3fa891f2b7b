"""An invented school for the certificate tests: class 9А of 2025/26 with year marks and ОГЭ."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.certificates import blank_stock
from activities.certificates.context import CertContext
from domain.certificates.blanks import BlankKind
from domain.people.names import full_name_key
from gateways.frdo.snils import control_number
from tsos.db import certificates as cdb
from tsos.db import gradebook as gb
from tsos.db.models import Organization, Person, Pupil, Role, User
from tsos.gradebook import structure
from tsos.gradebook.structure import TermDates

ZONE = "Europe/Simferopol"
GRADUATION_YEAR = 2026
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
    "weights": {"classwork": "1", "homework": "1", "test_work": "1.5", "control_work": "2"},
    "min_marks": 3,
}
# Gradebook subject codes, as the packaged line mapping names them.
SUBJECTS = {
    "russian": ("Русский язык", "five_point"),
    "algebra": ("Алгебра", "five_point"),
    "geometry": ("Геометрия", "five_point"),
    "physics": ("Физика", "five_point"),
    "informatics": ("Информатика", "five_point"),
    "physical_education": ("Физическая культура", "pass_fail"),
}
# Year marks of grade 9 per pupil (a «зачёт» subject aside) and their ОГЭ marks.
PUPILS = (
    ("Антонова", "Анна", "Сергеевна", "female", date(2010, 3, 14),
     {"russian": 5, "algebra": 5, "geometry": 5, "physics": 5, "informatics": 5},
     {"russian": 5, "mathematics": 5, "physics": 5, "informatics": 5}),
    ("Борисов", "Борис", None, "male", date(2010, 7, 2),
     {"russian": 4, "algebra": 4, "geometry": 5, "physics": 3, "informatics": 5},
     {"russian": 5, "mathematics": 4, "physics": 4, "informatics": 5}),
    ("Ёлкина", "Алёна", "Петровна", "female", date(2010, 11, 30),
     {"russian": 4, "algebra": 4, "geometry": 4, "physics": 4, "informatics": 4},
     {"russian": 4, "mathematics": 4, "physics": 4, "informatics": 3}),
)
# An invented regional scale of primary points: «3» starts at the minimum.
REGIONAL_MINIMUM = 10
PRIMARY_POINTS = {2: 6, 3: 12, 4: 18, 5: 24}
_serial = itertools.count(1)


@dataclass
class School:
    org_id: int
    org_code: str
    year_id: int
    class_id: int
    other_org_id: int
    subjects: dict[str, int]
    pupils: list[int]
    secretary: int
    deputy: int
    teacher: int
    other_secretary: int
    year_marks: dict[tuple[int, str], int] = field(default_factory=dict)


def moment(day: date, hour: int = 12) -> datetime:
    return datetime.combine(day, time(hour), ZoneInfo(ZONE))


def snils_for(n: int) -> str:
    nine = f"{112233400 + n * 7919:09d}"
    return nine + control_number(nine)


def _user(session: Session, role: str, org_id: int) -> int:
    user = User(login=f"cert.{role}.{next(_serial)}", display_name=f"Тест {role}",
                role=Role(role), organization_id=org_id, is_active=True)
    session.add(user)
    session.flush()
    return user.id


def _imported_like(pupil_id: int, subject_id: int, year_id: int, shown: str) -> dict:
    """A confirmed year mark's stored derivation (the gradebook's own shape)."""
    return {"pupil_id": pupil_id, "subject_id": subject_id, "period_kind": "year",
            "period_id": -year_id, "value": shown, "not_assessed_reason": None,
            "policy_id": 0, "policy_version": 0, "method": "average_of_terms",
            "exact_average": None, "shown_average": None, "warnings": [],
            "formula": "Годовая отметка (данные теста)", "lines": []}


def build_school(session: Session, code: str = "SEV-0801") -> School:
    org = session.scalar(select(Organization).where(Organization.code == code))
    other = session.scalar(select(Organization).where(Organization.code == "SEV-0802"))
    assert org is not None and other is not None, "the demo region is loaded first"
    year = structure.create_school_year(
        session, org.id, starts_on=date(2025, 9, 1), ends_on=date(2026, 8, 31),
        terms={"quarter": QUARTERS, "half_year": HALF_YEARS},
        grade_plans={**{g: "quarter" for g in range(1, 10)}, 10: "half_year",
                     11: "half_year"})
    structure.publish_policy(session, org.id, POLICY, effective_from=date(2025, 9, 1))
    subjects = {code_: structure.ensure_subject(session, code_, name, scale).id
                for code_, (name, scale) in SUBJECTS.items()}
    ninth = structure.create_class(session, year, 9, "А")
    for subject_id in subjects.values():
        structure.add_curriculum_line(session, year.id, 9, subject_id, Decimal(2))

    secretary = _user(session, "secretary", org.id)
    deputy = _user(session, "deputy_head", org.id)
    teacher_user = _user(session, "teacher", org.id)
    other_secretary = _user(session, "secretary", other.id)
    teacher = structure.ensure_teacher(session, org.id, teacher_user)
    for subject_id in subjects.values():
        structure.assign_load(session, teacher.id, subject_id, ninth.id)

    school = School(org.id, code, year.id, ninth.id, other.id, subjects, [], secretary,
                    deputy, teacher_user, other_secretary)
    for index, (surname, name, patronymic, gender, birth, marks, _) in enumerate(PUPILS):
        person = Person(surname=surname, name=name, patronymic=patronymic, gender=gender,
                        birth_date=birth, snils=snils_for(index + 1),
                        match_key=full_name_key(surname, name, patronymic))
        session.add(person)
        session.flush()
        pupil = Pupil(person_id=person.id, organization_id=org.id, grade=9,
                      class_letter="А", school_year="2025/2026", enrolled_on=date(2016, 9, 1))
        session.add(pupil)
        session.flush()
        structure.enroll(session, ninth.id, pupil.id, date(2025, 9, 1))
        school.pupils.append(pupil.id)
        values = {**{k: str(v) for k, v in marks.items()}, "physical_education": "зачёт"}
        for subject, shown in values.items():
            row = gb.PeriodMark(
                pupil_id=pupil.id, subject_id=subjects[subject], school_class_id=ninth.id,
                period_kind="year", school_year_id=year.id, status="confirmed",
                computed_value=shown,
                computed=_imported_like(pupil.id, subjects[subject], year.id, shown),
                overridden=False, confirmed_by=teacher_user,
                confirmed_at=moment(date(2026, 5, 27)), source="computed")
            session.add(row)
            session.flush()
            school.year_marks[(pupil.id, subject)] = row.id
    return school


def add_exam_results(session: Session, school: School) -> None:
    for pupil_id, (*_, exams) in zip(school.pupils, PUPILS, strict=True):
        for subject, mark in exams.items():
            session.add(cdb.ExamResult(
                organization_id=school.org_id, pupil_id=pupil_id,
                graduation_year=GRADUATION_YEAR, subject=subject, form="oge", mark=mark,
                primary_points=PRIMARY_POINTS[mark], minimum=REGIONAL_MINIMUM,
                is_retake=False, source="manual", entered_by=school.secretary,
                entered_at=datetime(2026, 6, 20, tzinfo=UTC)))
    session.flush()


def receive_blanks(session: Session, school: School) -> None:
    ctx = CertContext(session, school.org_id, school.secretary, "secretary",
                      moment(date(2026, 5, 15)))
    batches = (
        (BlankKind.BASIC, "09201000000101", "09201000000110"),
        (BlankKind.BASIC_HONOURS, "09202000000001", "09202000000005"),
        (BlankKind.BASIC_SUPPLEMENT, "09203000000101", "09203000000115"),
    )
    for kind, first, last in batches:
        blank_stock.receive(ctx, kind=kind, first_number=first, last_number=last,
                            received_on=date(2026, 5, 15), document="Накладная № 17")


def context(session: Session, school: School, *, user_id: int | None = None,
            role: str = "secretary", day: date = date(2026, 6, 22)) -> CertContext:
    return CertContext(session, school.org_id, user_id or school.secretary, role,
                       moment(day))

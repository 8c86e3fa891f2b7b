"""The certificates' demo: a class that graduated in June 2026 with everything the wizard
needs, so a secretary can run it end to end (README, «School-leaving certificates»).

At the first demo school: 9 «А» of 2025/2026 — its pupils (invented), their grade-9 year
marks loaded as locked history through the gradebook's import, their ОГЭ results with
primary points and the regional minimum, and the school's stock of blanks. One pupil has
every mark «5» (an honours attestat), one failed the maths exam (a справка об обучении).
Loading is idempotent: a school that has the class already is left as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from activities.certificates import blank_stock, exam_import
from activities.certificates.context import CertContext
from domain.certificates.blanks import BlankKind
from domain.certificates.exams import ExamForm, ExamResult
from domain.gradebook.audit import Actor
from domain.people.names import full_name_key
from tsos.db import certificates as cdb
from tsos.db import gradebook as gb
from tsos.db.models import Organization, Person, Pupil, SchoolYear
from tsos.db.session import session_scope
from tsos.demo.users import ensure_demo_user
from tsos.gradebook import structure
from tsos.gradebook.history import import_history

log = logging.getLogger(__name__)

SCHOOL = "SEV-0001"
SCHOOL_YEAR = "2025/2026"
GRADUATION_YEAR = 2026
GRADE, LETTER = 9, "А"
# Gradebook subjects of grade 9, as the demo catalogue names them (tsos.gradebook.demo).
SUBJECT_NAMES = {"russian": "Русский язык", "literature": "Литература", "algebra": "Алгебра",
                 "geometry": "Геометрия", "english": "Английский язык", "history": "История",
                 "biology": "Биология", "physics": "Физика", "chemistry": "Химия",
                 "informatics": "Информатика", "pe": "Физическая культура"}
PASS_FAIL = "pe"
SUBJECTS = tuple(code for code in SUBJECT_NAMES if code != PASS_FAIL)
# An invented regional scale of ОГЭ primary points: «3» starts at the minimum.
MINIMUM = {"russian": 15, "mathematics": 8, "physics": 11, "informatics": 5,
           "history": 11, "biology": 13, "chemistry": 10, "english": 29}
POINTS = {"russian": {2: 10, 3: 20, 4: 28, 5: 33}, "mathematics": {2: 5, 3: 12, 4: 18, 5: 25},
          "physics": {2: 7, 3: 15, 4: 25, 5: 35}, "informatics": {2: 3, 3: 8, 4: 12, 5: 17},
          "history": {2: 6, 3: 16, 4: 25, 5: 32}, "biology": {2: 9, 3: 20, 4: 32, 5: 40},
          "chemistry": {2: 6, 3: 15, 4: 25, 5: 35}, "english": {2: 20, 3: 40, 4: 55, 5: 65}}
# (surname, name, patronymic, gender, birth date, SNILS, year marks by subject with a
# default, ОГЭ marks): invented people.
PUPILS = (
    ("Алексеева", "Дарья", "Игоревна", "female", date(2010, 2, 11), "11223344595",
     (5, {}), {"russian": 5, "mathematics": 5, "physics": 5, "informatics": 5}),
    ("Белов", "Тимофей", "Андреевич", "male", date(2010, 5, 23), "11223345597",
     (4, {"russian": 5, "history": 5}), {"russian": 5, "mathematics": 4, "history": 4,
                                         "informatics": 4}),
    ("Ёжикова", "Алёна", "Сергеевна", "female", date(2010, 8, 3), "11223346498",
     (4, {"algebra": 3, "geometry": 4}), {"russian": 4, "mathematics": 4, "biology": 5,
                                          "chemistry": 4}),
    ("Гусейнов", "Руслан", None, "male", date(2010, 1, 30), "11223347500",
     (4, {"chemistry": 5, "biology": 5}), {"russian": 4, "mathematics": 4, "biology": 5,
                                           "chemistry": 5}),
    ("Дмитриева", "Ксения", "Олеговна", "female", date(2010, 11, 17), "11223348401",
     (5, {"physics": 4, "english": 4}), {"russian": 5, "mathematics": 5, "english": 5,
                                         "physics": 4}),
    ("Егоров", "Матвей", "Викторович", "male", date(2010, 4, 9), "11223349403",
     (3, {"history": 4}), {"russian": 3, "mathematics": 2, "history": 3,
                                    "informatics": 3}),
)
BLANKS = ((BlankKind.BASIC, "67101000000001", "67101000000020"),
          (BlankKind.BASIC_HONOURS, "67102000000001", "67102000000010"),
          (BlankKind.BASIC_SUPPLEMENT, "67103000000001", "67103000000030"))
RECEIVED_ON = date(2026, 5, 15)
EXAM_DAY = date(2026, 6, 3)


def load_certificate_demo(database_url: str) -> dict[str, int]:
    """The graduating class, its history, exam results and blanks; counts of what was added."""
    with session_scope(database_url) as session:
        org = session.scalar(select(Organization).where(Organization.code == SCHOOL))
        if org is None:
            return {}
        if _graduating_class(session, org.id) is not None:
            return {"классов": 0}
        secretary = ensure_demo_user(session, "secretary", SCHOOL)
        deputy = ensure_demo_user(session, "deputy_head", SCHOOL)
        zone = ZoneInfo(org.time_zone or "Europe/Simferopol")
        for code, name in SUBJECT_NAMES.items():
            structure.ensure_subject(session, code, name)
        pupil_ids = _pupils(session, org.id)
        # History of a finished year only (the gradebook keeps the current one): loaded as
        # at the start of the next school year.
        report = import_history(session, org.id, _history_rows(),
                                actor=Actor(deputy.id, "deputy_head"),
                                at=datetime.combine(date(2026, 9, 1), time(10), zone))
        if report.problems:
            raise RuntimeError(f"certificate demo history refused: {report.problems[:3]}")
        klass = _graduating_class(session, org.id)
        assert klass is not None
        for pupil_id in pupil_ids:
            structure.enroll(session, klass.id, pupil_id, date(2025, 9, 1))
        ctx = CertContext(session, org.id, secretary.id, "secretary",
                          datetime.combine(RECEIVED_ON, time(12), zone))
        exams = _exam_results(ctx, pupil_ids)
        blanks = _blanks(ctx)
    log.info("certificate demo loaded: pupils %s exams %s blanks %s", len(pupil_ids), exams,
             blanks)
    return {"классов": 1, "выпускников": len(pupil_ids), "результатов ГИА": exams,
            "бланков": blanks}


def _graduating_class(session: Session, organization_id: int) -> gb.SchoolClass | None:
    return session.scalar(select(gb.SchoolClass).join(
        SchoolYear, SchoolYear.id == gb.SchoolClass.school_year_id).where(
        SchoolYear.organization_id == organization_id, SchoolYear.name == SCHOOL_YEAR,
        gb.SchoolClass.grade == GRADE, gb.SchoolClass.letter == LETTER))


def _pupils(session: Session, organization_id: int) -> list[int]:
    ids = []
    for surname, name, patronymic, gender, birth, snils, _, _ in PUPILS:
        person = session.scalar(select(Person).where(Person.snils == snils))
        if person is None:
            person = Person(surname=surname, name=name, patronymic=patronymic, gender=gender,
                            birth_date=birth, snils=snils,
                            match_key=full_name_key(surname, name, patronymic))
            session.add(person)
            session.flush()
        pupil = Pupil(person_id=person.id, organization_id=organization_id, grade=GRADE,
                      class_letter=LETTER, school_year=SCHOOL_YEAR,
                      enrolled_on=date(2016, 9, 1))
        session.add(pupil)
        session.flush()
        ids.append(pupil.id)
    return ids


def _history_rows() -> Iterator[tuple[int, dict[str, str]]]:
    number = 1
    for surname, name, patronymic, _, birth, _, (default, marks), _ in PUPILS:
        values = {s: str(marks.get(s, default)) for s in SUBJECTS}
        values[PASS_FAIL] = "зачёт"
        for subject, mark in values.items():
            number += 1
            yield number, {"school_year": SCHOOL_YEAR, "grade": str(GRADE),
                           "class_letter": LETTER, "surname": surname, "name": name,
                           "patronymic": patronymic or "", "birth_date": birth.isoformat(),
                           "subject": subject, "period": "год", "mark": mark}


def _exam_results(ctx: CertContext, pupil_ids: list[int]) -> int:
    count = 0
    for pupil_id, (*_, exams) in zip(pupil_ids, PUPILS, strict=True):
        for subject, mark in exams.items():
            result = ExamResult(pupil_id=str(pupil_id), subject=subject, form=ExamForm.OGE,
                                mark=mark, primary_points=POINTS[subject][mark],
                                minimum=MINIMUM[subject], exam_date=EXAM_DAY)
            exam_import.store_result(ctx, pupil_id, GRADUATION_YEAR, result, "manual")
            count += 1
    return count


def _blanks(ctx: CertContext) -> int:
    if ctx.session.scalar(select(cdb.BlankReceipt.id).where(
            cdb.BlankReceipt.organization_id == ctx.organization_id).limit(1)):
        return 0
    received = 0
    for kind, first, last in BLANKS:
        receipt = blank_stock.receive(ctx, kind=kind, first_number=first, last_number=last,
                                      received_on=RECEIVED_ON,
                                      document="Накладная типографии № 41 (демо)")
        received += receipt.quantity
    return received

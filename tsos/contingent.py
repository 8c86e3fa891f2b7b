"""A school's contingent: pupils created, updated and imported from CSV or XLSX.

Re-importing the same file updates pupils matched by school, name and birth date instead of
creating them twice.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.access import Principal
from domain.people.names import full_name_key
from tsos import audit
from tsos.db.models import Organization, Person, Pupil

log = logging.getLogger(__name__)

CSV_COLUMNS = ("school_year", "school_code", "grade", "class_letter", "surname", "name",
               "patronymic", "birth_date", "address")
COLUMN_TITLES_RU = {
    "school_year": "учебный год", "school_code": "код школы", "grade": "параллель",
    "class_letter": "буква класса", "surname": "фамилия", "name": "имя",
    "patronymic": "отчество", "birth_date": "дата рождения", "address": "адрес",
}


@dataclass(frozen=True)
class PupilRecord:
    school_year: str
    school_code: str
    grade: int
    class_letter: str | None
    surname: str
    name: str
    patronymic: str | None
    birth_date: date
    address: str | None


@dataclass
class RowProblem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"строка {self.row}, «{COLUMN_TITLES_RU.get(self.column, self.column)}»: " \
               f"{self.message}"


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)


def _parse_row(row_no: int, raw: dict[str, str]) -> PupilRecord | RowProblem:
    values = {k: (raw.get(k) or "").strip() for k in CSV_COLUMNS}
    for required in ("school_year", "school_code", "grade", "surname", "name", "birth_date"):
        if not values[required]:
            return RowProblem(row_no, required, "обязательное поле не заполнено")
    try:
        grade = int(values["grade"])
    except ValueError:
        return RowProblem(row_no, "grade", "ожидается число от 0 до 11")
    if not 0 <= grade <= 11:
        return RowProblem(row_no, "grade", "ожидается число от 0 до 11")
    try:
        birth = date.fromisoformat(values["birth_date"])
    except ValueError:
        return RowProblem(row_no, "birth_date", "ожидается дата в формате ГГГГ-ММ-ДД")
    return PupilRecord(
        school_year=values["school_year"], school_code=values["school_code"], grade=grade,
        class_letter=values["class_letter"] or None, surname=values["surname"],
        name=values["name"], patronymic=values["patronymic"] or None, birth_date=birth,
        address=values["address"] or None,
    )


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV (`;` or `,`, UTF-8 with or without BOM) or of an XLSX's first sheet."""
    if path.suffix.lower() == ".xlsx":
        from openpyxl import load_workbook

        sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [str(c or "").strip() for c in next(rows)]
        for number, cells in enumerate(rows, start=2):
            values = {}
            for key, cell in zip(header, cells, strict=False):
                values[key] = cell.isoformat()[:10] if isinstance(cell, date) else \
                    ("" if cell is None else str(cell))
            yield number, values
        return

    text = path.read_text(encoding="utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0], delimiters=";,")
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    for number, row in enumerate(reader, start=2):
        yield number, row


def _find(session: Session, org: Organization, record: PupilRecord) -> Pupil | None:
    return session.scalar(
        select(Pupil).join(Person).where(
            Pupil.organization_id == org.id,
            Person.match_key == full_name_key(record.surname, record.name, record.patronymic),
            Person.birth_date == record.birth_date,
        )
    )


# What the audit log keeps of a pupil, before and after a change.
AUDITED = ("surname", "name", "patronymic", "birth_date", "address", "grade", "class_letter",
           "school_year")


def _audited_values(pupil: Pupil) -> dict[str, Any]:
    values = {name: getattr(pupil.person, name) for name in AUDITED[:5]}
    values |= {name: getattr(pupil, name) for name in AUDITED[5:]}
    return {k: v.isoformat() if isinstance(v, date) else v for k, v in values.items()}


def save_pupil(session: Session, org: Organization, record: PupilRecord, *,
               actor: Principal | None, reason: str | None = None) -> tuple[str, Pupil]:
    """`upsert_pupil` with its audit event: the changed values, old and new."""
    existing = _find(session, org, record)
    old = _audited_values(existing) if existing is not None else {}
    outcome, pupil = upsert_pupil(session, org, record)
    if outcome == "unchanged":
        return outcome, pupil

    session.flush()
    new = _audited_values(pupil)
    changed = [name for name in AUDITED if old.get(name) != new[name]]
    audit.record(session, actor=actor, action=f"pupil.{outcome}", object_type="pupil",
                 object_id=pupil.id, organization_id=org.id,
                 old={name: old[name] for name in changed} if old else None,
                 new={name: new[name] for name in changed}, reason=reason)
    return outcome, pupil


def upsert_pupil(
    session: Session, org: Organization, record: PupilRecord
) -> tuple[str, Pupil]:
    """Create or update one pupil of `org`: (created | updated | unchanged, the pupil)."""
    key = full_name_key(record.surname, record.name, record.patronymic)
    pupil = _find(session, org, record)
    if pupil is None:
        person = Person(surname=record.surname, name=record.name,
                        patronymic=record.patronymic, birth_date=record.birth_date,
                        address=record.address, match_key=key)
        session.add(person)
        session.flush()
        pupil = Pupil(person_id=person.id, organization_id=org.id, grade=record.grade,
                      class_letter=record.class_letter, school_year=record.school_year)
        session.add(pupil)
        session.flush()
        return "created", pupil

    changed = False
    for obj, attr, value in (
        (pupil, "grade", record.grade), (pupil, "class_letter", record.class_letter),
        (pupil, "school_year", record.school_year), (pupil.person, "address", record.address),
        (pupil.person, "surname", record.surname), (pupil.person, "name", record.name),
        (pupil.person, "patronymic", record.patronymic),
    ):
        if getattr(obj, attr) != value:
            setattr(obj, attr, value)
            changed = True
    return ("updated" if changed else "unchanged"), pupil


def import_pupils(
    session: Session,
    rows: Iterable[tuple[int, dict[str, str]]],
    *,
    progress: Callable[[int], None] | None = None,
    source: str = "импорт контингента",
) -> ImportReport:
    """Import every valid row; invalid rows are reported by number and column, not dropped.
    Each pupil added or changed is audited as the system's act, `source` its reason."""
    report = ImportReport()
    orgs: dict[str, Organization | None] = {}

    for count, (row_no, raw) in enumerate(rows, start=1):
        parsed = _parse_row(row_no, raw)
        if isinstance(parsed, RowProblem):
            report.problems.append(parsed)
            continue

        if parsed.school_code not in orgs:
            orgs[parsed.school_code] = session.scalar(
                select(Organization).where(Organization.code == parsed.school_code))
        org = orgs[parsed.school_code]
        if org is None:
            report.problems.append(RowProblem(row_no, "school_code",
                                              f"школа «{parsed.school_code}» не найдена"))
            continue

        outcome, _ = save_pupil(session, org, parsed, actor=None,
                                reason=f"{source}, строка {row_no}")
        setattr(report, outcome, getattr(report, outcome) + 1)
        if progress and count % 200 == 0:
            progress(count)

    log.info("pupils imported", extra={"pupils_created": report.created,
                                       "pupils_updated": report.updated,
                                       "problems": len(report.problems)})
    return report

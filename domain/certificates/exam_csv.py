"""Parser of a CSV file of state exam results, with errors per row in Russian.

The file: UTF-8 (a BOM is accepted), a header row, separator «;» (as Excel saves CSV in a
Russian locale), «,» or a tab. Column headers (case and «ё» do not matter):

| header           | also accepted  | req. | content                                        |
|------------------|----------------|------|------------------------------------------------|
| Код ученика      | pupil_id       | yes  | the pupil's ID in ЦОС                          |
| Предмет          | subject        | yes  | name or code from data/exam_subjects.yaml      |
| Форма            | form           | yes  | ОГЭ, ЕГЭ or ГВЭ                                |
| Первичный балл   | primary_points | no   | whole number ≥ 0                               |
| Отметка          | mark           | *    | 2–5: ОГЭ, ГВЭ, ЕГЭ по базовой математике       |
| Тестовый балл    | score          | *    | 0–100: ЕГЭ, except basic maths                 |
| Минимальный балл | minimum        | no   | ОГЭ/ГВЭ: the regional minimum, primary points; |
|                  |                |      | ЕГЭ: the minimum test score                    |
| Пересдача        | retake         | no   | да/нет (empty = нет): a repeated attempt       |
| Дата экзамена    | exam_date      | no   | дд.мм.гггг or гггг-мм-дд                       |
| ФИО              | full_name      | no   | for the person checking the file; not used     |

(*) which of the two is required depends on the form, as said. Other columns are ignored
and listed in the result. A row with an error is left out; the others are returned.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from domain.certificates.data_files import normalize_label
from domain.certificates.errors import CertificateError
from domain.certificates.exams import ExamForm, ExamResult, find_exam_subject

_COLUMNS: Mapping[str, tuple[str, ...]] = {
    "pupil_id": ("код ученика", "pupil_id", "ид ученика"),
    "subject": ("предмет", "subject"),
    "form": ("форма", "форма гиа", "form"),
    "primary_points": ("первичный балл", "primary_points"),
    "mark": ("отметка", "оценка", "mark"),
    "score": ("тестовый балл", "score"),
    "minimum": ("минимальный балл", "minimum"),
    "retake": ("пересдача", "retake"),
    "exam_date": ("дата экзамена", "exam_date"),
    "full_name": ("фио", "full_name"),
}
_REQUIRED = ("pupil_id", "subject", "form")
_FORMS = {
    "огэ": ExamForm.OGE,
    "oge": ExamForm.OGE,
    "егэ": ExamForm.EGE,
    "ege": ExamForm.EGE,
    "гвэ": ExamForm.GVE,
    "гвэ-9": ExamForm.GVE,
    "гвэ-11": ExamForm.GVE,
    "gve": ExamForm.GVE,
}
_YES = {"да", "д", "yes", "y", "1", "true", "+"}
_NO = {"", "нет", "н", "no", "n", "0", "false", "-"}


@dataclass(frozen=True)
class RowError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Строка {self.line}: {self.message}"


@dataclass(frozen=True)
class ExamCsvResult:
    results: tuple[ExamResult, ...]
    errors: tuple[RowError, ...]
    ignored_columns: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.errors


def parse_exam_results_csv(text: str) -> ExamCsvResult:
    """Exam results from CSV text; each faulty row becomes a RowError, not an exception."""
    text = text.lstrip("\ufeff")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        return ExamCsvResult((), (RowError(1, "файл пуст: нет строки заголовков"),))

    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(lines[0]))
    header = next(reader)
    columns, ignored = _map_header(header)
    missing = [_COLUMNS[c][0].capitalize() for c in _REQUIRED if c not in columns]
    if missing:
        message = "нет обязательных столбцов: " + ", ".join(f"«{m}»" for m in missing)
        return ExamCsvResult((), (RowError(1, message),), ignored)

    results: list[ExamResult] = []
    errors: list[RowError] = []
    seen: dict[tuple[object, ...], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        row = {name: _cell(cells, index) for name, index in columns.items()}
        try:
            result = _parse_row(row)
        except CertificateError as exc:
            errors.append(RowError(line, exc.message))
            continue
        key = (
            result.pupil_id,
            result.subject,
            result.form,
            result.is_retake,
            result.exam_date,
        )
        if key in seen:
            errors.append(RowError(line, f"повторяет строку {seen[key]}"))
            continue
        seen[key] = line
        results.append(result)
    return ExamCsvResult(tuple(results), tuple(errors), ignored)


def is_date_header(title: str) -> bool:
    """Whether a column header names a date column (so an XLSX reader can type its cells)."""
    return normalize_label(title) in _COLUMNS["exam_date"]


def _delimiter(header_line: str) -> str:
    counts = {d: header_line.count(d) for d in (";", "\t", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ";"


def _map_header(header: list[str]) -> tuple[dict[str, int], tuple[str, ...]]:
    lookup = {alias: name for name, aliases in _COLUMNS.items() for alias in aliases}
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, title in enumerate(header):
        name = lookup.get(normalize_label(title))
        if name is None or name in columns:
            if title.strip():
                ignored.append(title.strip())
            continue
        columns[name] = index
    return columns, tuple(ignored)


def _cell(cells: list[str], index: int) -> str:
    return cells[index].strip().replace("\u00a0", " ") if index < len(cells) else ""


class _RowProblem(CertificateError):
    pass


def _parse_row(row: Mapping[str, str]) -> ExamResult:
    pupil_id = row.get("pupil_id", "")
    if not pupil_id:
        raise _RowProblem("не указан код ученика")
    subject_text = row.get("subject", "")
    subject = find_exam_subject(subject_text)
    if subject is None:
        raise _RowProblem(f"предмет «{subject_text}» не найден в перечне предметов ГИА")
    form_text = row.get("form", "")
    form = _FORMS.get(normalize_label(form_text))
    if form is None:
        raise _RowProblem(
            f"форма экзамена «{form_text}» не распознана: ожидается ОГЭ, ЕГЭ или ГВЭ"
        )

    return ExamResult(
        pupil_id=pupil_id,
        subject=subject,
        form=form,
        mark=_number(row, "mark", "Отметка"),
        score=_number(row, "score", "Тестовый балл"),
        primary_points=_number(row, "primary_points", "Первичный балл"),
        minimum=_number(row, "minimum", "Минимальный балл"),
        is_retake=_yes_no(row.get("retake", "")),
        exam_date=_date(row.get("exam_date", "")),
    )


def _number(row: Mapping[str, str], name: str, label: str) -> int | None:
    text = row.get(name, "")
    if not text:
        return None
    if not text.isdigit():
        raise _RowProblem(
            f"в столбце «{label}» должно быть целое неотрицательное число, а не «{text}»"
        )
    return int(text)


def _yes_no(text: str) -> bool:
    value = normalize_label(text)
    if value in _YES:
        return True
    if value in _NO:
        return False
    raise _RowProblem(f"в столбце «Пересдача» ожидается «да» или «нет», а не «{text}»")


def _date(text: str) -> date | None:
    if not text:
        return None
    for pattern in ("%d.%m.%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise _RowProblem(f"дата экзамена «{text}» не в формате дд.мм.гггг")

"""The class journal as an XLSX workbook: pupils down, lessons across, then the averages."""

from __future__ import annotations

import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from tsos.gradebook.views import ClassJournal, PupilRow

ABSENCE_CODES = {"absent": "н", "late": "оп"}


def cell_text(row: PupilRow, lesson_id: int) -> str:
    """What a journal cell shows: the marks, an absence («н», «оп»), or nothing."""
    if lesson_id in row.off_roster:
        return "—"
    parts = [mark.value + ("" if mark.published else "*") for mark in row.marks.get(
        lesson_id, [])]
    absence = row.attendance.get(lesson_id)
    if absence is not None:
        parts.insert(0, ABSENCE_CODES[absence.presence])
    return " ".join(parts)


def pupil_name(row: PupilRow) -> str:
    name = f"{row.surname} {row.name}"
    if row.left_on is not None:
        name += f" (выбыл(а) {row.left_on:%d.%m.%Y})"
    return name


def journal_xlsx(journal: ClassJournal) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = f"{journal.class_name} {journal.subject_name}"[:31]
    sheet.append([f"Журнал {journal.class_name} класса — {journal.subject_name}, "
                  f"{journal.start:%d.%m.%Y}–{journal.end:%d.%m.%Y}"])
    sheet["A1"].font = Font(bold=True, size=12)

    header = ["№", "Обучающийся"]
    header += [f"{lesson.date:%d.%m}" + (" (отм.)" if lesson.status == "cancelled" else "")
               for lesson in journal.lessons]
    header += ["Средний балл", "Отметка за период"]
    sheet.append(header)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", wrap_text=True)

    for number, row in enumerate(journal.pupils, start=1):
        term = row.term_mark.value if row.term_mark is not None else ""
        sheet.append([number, pupil_name(row),
                      *[cell_text(row, lesson.id) for lesson in journal.lessons],
                      row.average or "", term])

    sheet.append([])
    sheet.append(["", "Темы уроков"])
    for lesson in journal.lessons:
        sheet.append(["", f"{lesson.date:%d.%m.%Y}", lesson.topic or "",
                      lesson.homework or ""])
    sheet.append(["", f"* — отметка не опубликована; средний балл — только опубликованные "
                      f"отметки, без округления; политика {journal.policy_id}, "
                      f"версия {journal.policy_version}"])

    sheet.column_dimensions["B"].width = 34
    for index in range(3, 3 + len(journal.lessons)):
        sheet.column_dimensions[get_column_letter(index)].width = 7
    sheet.freeze_panes = "C3"

    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()

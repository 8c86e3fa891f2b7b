"""The registration book of issued attestats and duplicates, as PDF and as XLSX.

Columns follow the structure of orders 115/546 as we read them (certificates.md §7.1, [M]):
every issued, spoiled or duplicate blank has one row; the signatures are left blank for ink.
"""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from html import escape
from importlib import resources
from string import Template
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from gateways.pdf.documents import (
    BOOK_STATUS_RU,
    BookEntryStatus,
    RegistrationBookEntry,
)
from gateways.pdf.fonts import FONT_FAMILY, font_face_css
from gateways.pdf.wording import date_in_digits, mark_text

logger = logging.getLogger(__name__)

DEFAULT_TITLE = "Книга регистрации выданных документов об образовании"
CellValue = str | date | None


def _template(name: str) -> Template:
    files = resources.files("gateways.pdf").joinpath("templates")
    return Template(files.joinpath(name).read_text("utf-8"))


def _full_name(entry: RegistrationBookEntry) -> str:
    return " ".join(
        p for p in (entry.last_name, entry.first_name, entry.patronymic) if p
    )


def _marks(entry: RegistrationBookEntry) -> list[str]:
    return [f"{line.subject} — {mark_text(line.mark)}" for line in entry.marks]


def _order(entry: RegistrationBookEntry) -> str:
    parts = []
    if entry.issue_order_date:
        parts.append(f"от {date_in_digits(entry.issue_order_date)}")
    if entry.issue_order_number:
        parts.append(f"№ {entry.issue_order_number}")
    return " ".join(parts)


def _status(entry: RegistrationBookEntry) -> str:
    text = BOOK_STATUS_RU[entry.status]
    if entry.status is BookEntryStatus.DUPLICATE and entry.original_registration_number:
        text += f" (оригинал: рег. № {entry.original_registration_number})"
    if entry.status is BookEntryStatus.SPOILED and entry.spoilage_act:
        text += f" (акт {entry.spoilage_act})"
    elif entry.status is BookEntryStatus.SPOILED and entry.void_reason:
        text += f" (документ отменён: {entry.void_reason})"
    return text


def _handover(entry: RegistrationBookEntry) -> str:
    if entry.recipient_name:
        return f"по доверенности: {entry.recipient_name}"
    if entry.postal_item_number:
        sent = (
            f" от {date_in_digits(entry.postal_item_date)}"
            if entry.postal_item_date
            else ""
        )
        return f"почтой: отправление № {entry.postal_item_number}{sent}"
    return ""


# Widths add up to 250 mm: with cell padding and borders the table fills the 277 mm between
# the margins of a landscape A4 sheet.
@dataclass(frozen=True)
class _Column:
    title: str
    width_mm: int
    xlsx_width: int
    value: Callable[[RegistrationBookEntry], CellValue] | None


_COLUMNS: tuple[_Column, ...] = (
    _Column("Рег. номер", 12, 10, lambda e: e.registration_number),
    _Column("Фамилия, имя, отчество выпускника", 31, 32, _full_name),
    _Column("Дата рождения", 15, 12, lambda e: e.birth_date),
    _Column("Номер бланка аттестата", 22, 18, lambda e: e.blank_number),
    _Column("Номер бланка приложения", 22, 18, lambda e: e.supplement_blank_number),
    _Column(
        "Учебные предметы и итоговые отметки", 50, 50, lambda e: "\n".join(_marks(e))
    ),
    _Column("Приказ о выдаче (дата, номер)", 18, 18, _order),
    _Column("Дата выдачи", 15, 12, lambda e: e.issue_date),
    _Column("Статус бланка", 15, 18, _status),
    _Column("Получение по доверенности или почтой", 22, 30, _handover),
    _Column("Подпись выдавшего", 14, 0, None),
    _Column("Подпись получателя", 14, 0, None),
)


def _html_cell(value: CellValue) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return date_in_digits(value)
    return "<br>".join(escape(line) for line in value.split("\n"))


def render_registration_book_pdf(
    entries: Sequence[RegistrationBookEntry],
    *,
    school_name: str = "",
    title: str = DEFAULT_TITLE,
) -> bytes:
    """The book as a table on numbered landscape sheets; the header repeats on every sheet."""
    header = "".join(
        f'<th style="width:{c.width_mm}mm">{escape(c.title)}</th>' for c in _COLUMNS
    )
    rows = []
    for entry in entries:
        cells = []
        for column in _COLUMNS:
            value = column.value(entry) if column.value else None
            css = ' class="marks"' if column.title.startswith("Учебные") else ""
            cells.append(f"<td{css}>{_html_cell(value)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")

    html = _template("registration_book.html").substitute(
        title=escape(title),
        school=escape(school_name),
        header=header,
        rows="\n".join(rows),
    )
    font_config = FontConfiguration()
    css = CSS(
        string=font_face_css()
        + _template("registration_book.css").substitute(family=FONT_FAMILY),
        font_config=font_config,
    )
    pdf = HTML(string=html).write_pdf(stylesheets=[css], font_config=font_config)
    logger.info("registration book pdf rendered: entries=%s", len(entries))
    return pdf


def write_registration_book_xlsx(
    entries: Sequence[RegistrationBookEntry],
    stream: BinaryIO,
    *,
    school_name: str = "",
    title: str = DEFAULT_TITLE,
) -> None:
    """The book as a worksheet (numbers as text, real dates) plus a sheet of marks by subject."""
    workbook = Workbook()
    book = workbook.active
    book.title = "Книга регистрации"
    columns = [c for c in _COLUMNS if c.value is not None]

    book.append([title])
    book.append([school_name])
    book.append([c.title for c in columns])
    for cell in book[3]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(
            wrap_text=True, vertical="center", horizontal="center"
        )
    for index, column in enumerate(columns, start=1):
        book.column_dimensions[
            book.cell(3, index).column_letter
        ].width = column.xlsx_width
    book.freeze_panes = "A4"

    for entry in entries:
        book.append([column.value(entry) for column in columns if column.value])
        for cell in book[book.max_row]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            if isinstance(cell.value, date):
                cell.number_format = "DD.MM.YYYY"
            else:
                # Registration and blank numbers keep their leading zeros.
                cell.number_format = "@"

    marks = workbook.create_sheet("Итоговые отметки")
    marks.append(["Рег. номер", "Учебный предмет", "Итоговая отметка"])
    for entry in entries:
        for line in entry.marks:
            marks.append(
                [entry.registration_number, line.subject, mark_text(line.mark)]
            )
    for cell in marks["A"]:
        cell.number_format = "@"
    marks.column_dimensions["B"].width = 45
    marks.column_dimensions["C"].width = 22

    workbook.save(stream)
    logger.info("registration book xlsx written: entries=%s", len(entries))

"""The registration book as PDF and XLSX."""

import io
from datetime import date, datetime

from openpyxl import load_workbook
from pdf_factories import page_text, reader

from gateways.pdf import (
    BookEntryStatus,
    RegistrationBookEntry,
    SupplementLine,
    render_registration_book_pdf,
    write_registration_book_xlsx,
)


def _entry(number: int, **overrides: object) -> RegistrationBookEntry:
    values: dict[str, object] = {
        "registration_number": f"{number:03d}",
        "status": BookEntryStatus.ISSUED,
        "last_name": "Ёлкина",
        "first_name": "Анна",
        "patronymic": "Сергеевна",
        "birth_date": date(2010, 3, 12),
        "blank_number": f"0071234567{number:04d}",
        "supplement_blank_number": f"0071234568{number:04d}",
        "marks": (
            SupplementLine("Русский язык", 5),
            SupplementLine("Физкультура", "зачтено"),
        ),
        "issue_order_date": date(2026, 6, 20),
        "issue_order_number": "45-у",
        "issue_date": date(2026, 6, 25),
    }
    values.update(overrides)
    return RegistrationBookEntry(**values)  # type: ignore[arg-type]


def _book() -> list[RegistrationBookEntry]:
    return [
        _entry(1),
        _entry(2, recipient_name="Ёлкин Сергей Петрович", patronymic=None),
        _entry(3, status=BookEntryStatus.SPOILED, spoilage_act="№ 2 от 26.06.2026"),
        _entry(4, status=BookEntryStatus.DUPLICATE, original_registration_number="001"),
    ]


def test_book_pdf_lists_every_blank_with_its_fate() -> None:
    pdf = render_registration_book_pdf(_book(), school_name="МБОУ СОШ № 17")

    text = " ".join(page_text(pdf, 0).split())
    assert "Книга регистрации выданных документов об образовании" in text
    assert "Ёлкина Анна Сергеевна" in text
    assert "00712345670001" in text
    assert "Русский язык — 5 (отлично)" in text
    assert "по доверенности: Ёлкин Сергей Петрович" in text
    assert "испорчен (акт № 2 от 26.06.2026)" in text
    assert "дубликат (оригинал: рег. № 001)" in text
    assert "Лист 1" in text


def test_long_book_continues_on_numbered_sheets_with_the_header_repeated() -> None:
    pdf = render_registration_book_pdf([_entry(n) for n in range(1, 26)])

    pages = reader(pdf).pages
    assert len(pages) > 1
    last = " ".join(pages[-1].extract_text().split())
    assert f"Лист {len(pages)}" in last
    assert "Номер бланка аттестата" in last


def test_book_xlsx_keeps_numbers_as_text_dates_as_dates_and_marks_by_subject() -> None:
    stream = io.BytesIO()

    write_registration_book_xlsx(_book(), stream, school_name="МБОУ СОШ № 17")

    workbook = load_workbook(io.BytesIO(stream.getvalue()))
    book = workbook["Книга регистрации"]
    headers = [cell.value for cell in book[3]]
    first = dict(zip(headers, [cell for cell in book[4]], strict=True))
    assert book["A2"].value == "МБОУ СОШ № 17"
    assert first["Рег. номер"].value == "001"
    assert first["Рег. номер"].data_type == "s"
    assert first["Номер бланка аттестата"].value == "00712345670001"
    assert first["Дата рождения"].is_date
    assert first["Дата рождения"].value == datetime(2010, 3, 12)
    assert first["Учебные предметы и итоговые отметки"].value == (
        "Русский язык — 5 (отлично)\nФизкультура — зачтено"
    )
    assert "Подпись получателя" not in headers
    assert book.max_row == 3 + 4

    marks = [
        [cell.value for cell in row] for row in workbook["Итоговые отметки"].iter_rows()
    ]
    assert marks[0] == ["Рег. номер", "Учебный предмет", "Итоговая отметка"]
    assert marks[1:3] == [
        ["001", "Русский язык", "5 (отлично)"],
        ["001", "Физкультура", "зачтено"],
    ]
    assert len(marks) == 1 + 2 * 4

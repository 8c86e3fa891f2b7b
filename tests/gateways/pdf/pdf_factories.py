"""Invented documents for the print tests, and helpers to read PDFs back."""

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import pypdf

from gateways.pdf import CertificateDocument, CertificateKind, SupplementLine

SUBJECTS_25 = (
    "Русский язык",
    "Литература",
    "Родной язык (русский)",
    "Родная литература (русская)",
    "Иностранный язык (английский)",
    "Второй иностранный язык (немецкий)",
    "Алгебра",
    "Геометрия",
    "Вероятность и статистика",
    "Информатика",
    "История",
    "Обществознание",
    "География",
    "Физика",
    "Химия",
    "Биология",
    "ИЗО",
    "Музыка",
    "Труд (технология)",
    "Основы безопасности и защиты Родины",
    "Физкультура",
    "Основы духовно-нравственной культуры народов России",
    "Индивидуальный проект",
    "Астрономия",
    "Экология родного края и основы рационального природопользования",
)
LONG_SCHOOL_NAME = (
    "Муниципальное бюджетное общеобразовательное учреждение «Средняя "
    "общеобразовательная школа № 17 с углублённым изучением отдельных предметов "
    "имени Героя Советского Союза Ивана Ивановича Иванова» городского округа Энск"
)
MARKS_CYCLE: tuple[int | str, ...] = (5, 4, 3, "зачтено")


def make_document(**overrides: Any) -> CertificateDocument:
    values: dict[str, Any] = {
        "document_id": "doc-1",
        "kind": CertificateKind.BASIC,
        "last_name": "Ёлкина",
        "first_name": "Анна",
        "patronymic": "Сергеевна",
        "birth_date": date(2010, 3, 12),
        "school_name": "МБОУ «Средняя общеобразовательная школа № 17»",
        "registration_number": "007",
        "issue_date": date(2026, 6, 25),
        "head_name": "И. И. Петрова",
        "lines": (
            SupplementLine("Русский язык", 5),
            SupplementLine("Литература", 4),
            SupplementLine("Алгебра", 3),
            SupplementLine("Физкультура", "зачтено"),
        ),
    }
    values.update(overrides)
    return CertificateDocument(**values)


def make_crowded_document() -> CertificateDocument:
    """A long double name, a long school name and 25 subjects."""
    return make_document(
        last_name="Константинопольская-Преображенская",
        first_name="Анна-Мария",
        patronymic="Александровна",
        school_name=LONG_SCHOOL_NAME,
        lines=tuple(
            SupplementLine(subject, MARKS_CYCLE[i % 4])
            for i, subject in enumerate(SUBJECTS_25)
        ),
    )


def reader(pdf: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(pdf))


def page_text(pdf: bytes, page: int) -> str:
    return reader(pdf).pages[page].extract_text()


@dataclass(frozen=True)
class Placed:
    text: str
    x_pt: Decimal
    y_pt: Decimal
    size: Decimal


def _pt(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(Decimal("0.001"))


def placed_texts(pdf: bytes, page: int) -> list[Placed]:
    """Every text run with its position on the page (PDF points, origin bottom-left)."""
    found: list[Placed] = []

    def visit(
        text: str, cm: list[float], tm: list[float], font: object, size: float
    ) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(cm[0] * tm[0])
        found.append(Placed(text.strip(), _pt(x), _pt(y), _pt(size * scale)))

    reader(pdf).pages[page].extract_text(visitor_text=visit)
    return found


def position_of(pdf: bytes, page: int, text: str) -> Placed:
    matches = [p for p in placed_texts(pdf, page) if p.text == text]
    assert len(matches) == 1, (text, [p.text for p in placed_texts(pdf, page)])
    return matches[0]

"""Certificate blanks: number formats (§6), kinds, receipts and which document each suits."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.certificates.errors import InvalidBlankNumber
from domain.certificates.kinds import CertificateKind, Level
from domain.certificates.wording import blanks_quantity_in_words

BLANK_NUMBER_DIGITS = 14
# A batch of blanks is a few hundred; a larger range is almost surely a typing error.
MAX_RANGE_SIZE = 10_000

_CURRENT = re.compile(r"\d{14}")
# Pre-2014 blanks: two digits of the region, two capital Cyrillic letters, seven digits
# (§6). Only originals of old documents carry them (duplicates, ФРДО "оригинал" columns).
_LEGACY = re.compile(r"\d{2}[А-ЯЁ]{2}\d{7}")
_SEPARATORS = re.compile(r"[\s\u00a0№-]+")


class BlankKind(StrEnum):
    """Kinds of pre-printed blanks (order 545): title pages per document, and supplements."""

    BASIC = "basic"
    BASIC_HONOURS = "basic_honours"
    BASIC_SUPPLEMENT = "basic_supplement"
    SECONDARY = "secondary"
    SECONDARY_HONOURS = "secondary_honours"
    SECONDARY_SUPPLEMENT = "secondary_supplement"

    @property
    def label(self) -> str:
        return _BLANK_LABELS[self]

    @property
    def is_supplement(self) -> bool:
        return self in (BlankKind.BASIC_SUPPLEMENT, BlankKind.SECONDARY_SUPPLEMENT)


_BLANK_LABELS = {
    BlankKind.BASIC: "бланк аттестата об основном общем образовании",
    BlankKind.BASIC_HONOURS: "бланк аттестата об основном общем образовании с отличием",
    BlankKind.BASIC_SUPPLEMENT: "бланк приложения к аттестату об основном общем образовании",
    BlankKind.SECONDARY: "бланк аттестата о среднем общем образовании",
    BlankKind.SECONDARY_HONOURS: "бланк аттестата о среднем общем образовании с отличием",
    BlankKind.SECONDARY_SUPPLEMENT: (
        "бланк приложения к аттестату о среднем общем образовании"
    ),
}


def blank_kind_for(kind: CertificateKind) -> BlankKind | None:
    """The title blank a document is printed on; None for a справка (plain paper)."""
    return {
        CertificateKind.BASIC: BlankKind.BASIC,
        CertificateKind.BASIC_HONOURS: BlankKind.BASIC_HONOURS,
        CertificateKind.SECONDARY: BlankKind.SECONDARY,
        CertificateKind.SECONDARY_HONOURS: BlankKind.SECONDARY_HONOURS,
    }.get(kind)


def supplement_kind_for(level: Level) -> BlankKind:
    """The supplement blank is one sample per level, with or without honours (order 545)."""
    if level is Level.BASIC:
        return BlankKind.BASIC_SUPPLEMENT
    return BlankKind.SECONDARY_SUPPLEMENT


def normalize_blank_number(text: str, *, allow_legacy: bool = False) -> str:
    """The blank number as stored: 14 digits as text, leading zeros kept (§6)."""
    compact = _SEPARATORS.sub("", text.strip()).upper()
    if _CURRENT.fullmatch(compact):
        return compact
    if _LEGACY.fullmatch(compact):
        if allow_legacy:
            return compact
        raise InvalidBlankNumber(
            text,
            f"Номер «{text}» — бланк старого образца (до 2014 года); "
            "новые документы печатаются только на бланках с 14-значным номером",
        )
    raise InvalidBlankNumber(
        text,
        f"Номер бланка «{text}» должен состоять ровно из {BLANK_NUMBER_DIGITS} цифр",
    )


def split_legacy_number(number: str) -> tuple[str, str]:
    """Series and number of a pre-2014 blank: «77АБ», «1234567»."""
    if not _LEGACY.fullmatch(number):
        raise InvalidBlankNumber(
            number, f"«{number}» — не номер бланка старого образца"
        )
    return number[:4], number[4:]


def blank_number_range(first: str, last: str) -> tuple[str, ...]:
    """All numbers from first to last inclusive, as a batch arrives from the printer."""
    start, end = normalize_blank_number(first), normalize_blank_number(last)
    if int(end) < int(start):
        raise InvalidBlankNumber(
            last, f"Номер «{last}» меньше первого номера «{first}»"
        )
    size = int(end) - int(start) + 1
    if size > MAX_RANGE_SIZE:
        raise InvalidBlankNumber(
            last, f"Диапазон из {size} бланков слишком велик: проверьте номера"
        )
    return tuple(
        str(n).zfill(BLANK_NUMBER_DIGITS) for n in range(int(start), int(end) + 1)
    )


@dataclass(frozen=True)
class Blank:
    number: str
    kind: BlankKind

    def __post_init__(self) -> None:
        normalize_blank_number(self.number)


@dataclass(frozen=True)
class BlankReceipt:
    """A batch of blanks received by a school from the supplier or the authority."""

    batch_id: str
    organization_id: int
    kind: BlankKind
    received_on: date
    numbers: tuple[str, ...]
    document: str = ""
    # The quantity on the receipt; None when it is just the numbers listed.
    quantity: int | None = None

    @property
    def received(self) -> int:
        return len(self.numbers) if self.quantity is None else self.quantity

    def __post_init__(self) -> None:
        for number in self.numbers:
            if normalize_blank_number(number) != number:
                raise InvalidBlankNumber(
                    number, f"Номер бланка «{number}» не нормализован"
                )


@dataclass(frozen=True)
class SpoilageAct:
    """The act writing off spoiled blanks: commission's act, numbers, quantity in words."""

    number: str
    dated: date
    blank_numbers: tuple[str, ...]
    reason: str

    def __post_init__(self) -> None:
        if not self.number.strip():
            raise InvalidBlankNumber("", "У акта списания бланков должен быть номер")
        if not self.blank_numbers:
            raise InvalidBlankNumber(
                "", "В акте списания не указан ни один номер бланка"
            )
        if not self.reason.strip():
            raise InvalidBlankNumber("", "В акте списания должна быть указана причина")
        for number in self.blank_numbers:
            normalize_blank_number(number)

    @property
    def quantity_text(self) -> str:
        """«2 (два) бланка» for the act's text."""
        return blanks_quantity_in_words(len(self.blank_numbers))

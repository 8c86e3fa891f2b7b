"""Input of the print module: what goes on a blank, a printer's calibration, book entries."""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class CertificateKind(StrEnum):
    """The blank the document is printed on (its captions are pre-printed)."""

    BASIC = "basic"
    BASIC_HONOURS = "basic_honours"
    SECONDARY = "secondary"
    SECONDARY_HONOURS = "secondary_honours"


CERTIFICATE_TITLES_RU = {
    CertificateKind.BASIC: "об основном общем образовании",
    CertificateKind.BASIC_HONOURS: "об основном общем образовании с отличием",
    CertificateKind.SECONDARY: "о среднем общем образовании",
    CertificateKind.SECONDARY_HONOURS: "о среднем общем образовании с отличием",
}


@dataclass(frozen=True)
class SupplementLine:
    """One subject in the appendix: its name as printed and the final mark (3–5 or «зачтено»)."""

    subject: str
    mark: int | str


@dataclass(frozen=True)
class CertificateDocument:
    """Everything printed on one attestat: the title page and the appendix."""

    document_id: str
    kind: CertificateKind
    last_name: str
    first_name: str
    patronymic: str | None
    birth_date: date
    school_name: str
    registration_number: str
    issue_date: date
    head_name: str
    lines: tuple[SupplementLine, ...]
    locality: str | None = None
    is_duplicate: bool = False


@dataclass(frozen=True)
class PrinterCalibration:
    """Per-school correction so the text lands on a printing house's blank.

    A point (x, y) of the blank in mm is printed at (offset_x + x * scale,
    offset_y + y * scale); font sizes are multiplied by the scale too.
    """

    offset_x_mm: Decimal = Decimal(0)
    offset_y_mm: Decimal = Decimal(0)
    scale: Decimal = Decimal(1)

    def __post_init__(self) -> None:
        for name in ("offset_x_mm", "offset_y_mm", "scale"):
            object.__setattr__(self, name, Decimal(str(getattr(self, name))))
        if not (abs(self.offset_x_mm) <= 30 and abs(self.offset_y_mm) <= 30):
            raise ValueError("Смещение калибровки принтера не может превышать 30 мм.")
        if not Decimal("0.9") <= self.scale <= Decimal("1.1"):
            raise ValueError("Масштаб калибровки принтера должен быть от 0,9 до 1,1.")


NO_CALIBRATION = PrinterCalibration()


class BookEntryStatus(StrEnum):
    """The fate of a blank in the registration book (certificates.md §7.2)."""

    ISSUED = "issued"
    SPOILED = "spoiled"
    DUPLICATE = "duplicate"


BOOK_STATUS_RU = {
    BookEntryStatus.ISSUED: "выдан",
    BookEntryStatus.SPOILED: "испорчен",
    BookEntryStatus.DUPLICATE: "дубликат",
}


@dataclass(frozen=True)
class RegistrationBookEntry:
    """One row of the registration book of issued attestats."""

    registration_number: str
    status: BookEntryStatus
    last_name: str
    first_name: str
    patronymic: str | None
    birth_date: date | None
    blank_number: str
    supplement_blank_number: str | None = None
    marks: tuple[SupplementLine, ...] = ()
    issue_order_date: date | None = None
    issue_order_number: str | None = None
    issue_date: date | None = None
    # Received by proxy: the trusted person's full name.
    recipient_name: str | None = None
    # Sent by post: the postal item's number and date.
    postal_item_number: str | None = None
    postal_item_date: date | None = None
    # A duplicate refers to the original's registration number; a spoiled blank to its act.
    original_registration_number: str | None = None
    spoilage_act: str | None = None
    # A справка cancelled after its number was taken (no blank, so no act).
    void_reason: str | None = None

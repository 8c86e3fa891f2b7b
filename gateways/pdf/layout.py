"""Where text goes on the blank, and fitting long text into its box.

Coordinates are millimetres from the top-left corner of the blank sheet. The exact geometry
of the order-545 blanks is not published (certificates.md §6), so `DEFAULT_LAYOUT` is our
reading of the sample; printing houses differ, which is what `PrinterCalibration` and a
school's own layout are for. Fitting is deterministic: it measures text with the embedded
font's advance widths and steps the size down by 0.5 pt until the text fits.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from gateways.pdf.errors import CertificatePrintError
from gateways.pdf.fonts import FontMetrics

MM_PER_PT = Decimal("25.4") / Decimal(72)
# "Single line spacing" of a word processor for a Times-metric font.
LINE_SPACING = Decimal("1.15")
SIZE_STEP = Decimal("0.5")


class TextDoesNotFit(CertificatePrintError):
    """The text does not fit its box even at the smallest allowed size."""

    def __init__(self, field_ru: str, min_size: Decimal) -> None:
        super().__init__(
            f"Поле «{field_ru}» не помещается на бланке даже шрифтом {min_size} пт: "
            "сократите текст по правилам заполнения или измените макет бланка."
        )
        self.field_ru = field_ru


@dataclass(frozen=True)
class FieldBox:
    """A text field of the blank."""

    label_ru: str
    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    align: str = "center"
    font_size: Decimal = Decimal(11)
    min_font_size: Decimal = Decimal(8)
    max_lines: int = 1
    bold: bool = False


@dataclass(frozen=True)
class TableBox:
    """The subjects-and-marks table of the appendix; the mark column never reflows."""

    x: Decimal
    y: Decimal
    width: Decimal
    height: Decimal
    mark_width: Decimal
    gap: Decimal = Decimal(3)
    font_size: Decimal = Decimal(11)
    min_font_size: Decimal = Decimal(7)

    @property
    def name_width(self) -> Decimal:
        return self.width - self.mark_width - self.gap


@dataclass(frozen=True)
class Caption:
    """A pre-printed caption, drawn only in preview mode."""

    text: str
    x: Decimal
    y: Decimal
    width: Decimal
    align: str = "center"
    size: Decimal = Decimal(9)


@dataclass(frozen=True)
class PageLayout:
    fields: dict[str, FieldBox]
    captions: tuple[Caption, ...] = ()
    table: TableBox | None = None


@dataclass(frozen=True)
class BlankLayout:
    """The geometry of one blank type: the title sheet and the appendix sheet."""

    width: Decimal
    height: Decimal
    title: PageLayout
    supplement: PageLayout
    fold_x: Decimal | None = None


@dataclass(frozen=True)
class FittedText:
    lines: tuple[str, ...]
    font_size: Decimal

    @property
    def line_height_mm(self) -> Decimal:
        return line_height_mm(self.font_size)


@dataclass(frozen=True)
class FittedRow:
    name_lines: tuple[str, ...]
    mark: str


@dataclass(frozen=True)
class FittedTable:
    rows: tuple[FittedRow, ...]
    font_size: Decimal = Decimal(11)

    @property
    def line_height_mm(self) -> Decimal:
        return line_height_mm(self.font_size)


def line_height_mm(size_pt: Decimal) -> Decimal:
    return size_pt * LINE_SPACING * MM_PER_PT


def _sizes(start: Decimal, lowest: Decimal) -> list[Decimal]:
    sizes = []
    size = start
    while size >= lowest:
        sizes.append(size)
        size -= SIZE_STEP
    return sizes


def _pieces(word: str) -> list[str]:
    """A word split after its hyphens: «Салтыкова-Щедрина» may break after the hyphen."""
    parts = word.split("-")
    return [part + "-" for part in parts[:-1]] + [parts[-1]]


def wrap(
    text: str, width_mm: Decimal, size_pt: Decimal, metrics: FontMetrics
) -> list[str] | None:
    """Greedy line breaking at spaces and after hyphens; None if a piece is too wide."""
    width_pt = width_mm / MM_PER_PT
    lines: list[str] = []
    current = ""
    for word in text.split():
        for index, piece in enumerate(_pieces(word)):
            if metrics.width_pt(piece, size_pt) > width_pt:
                return None
            joiner = "" if index > 0 or not current else " "
            candidate = current + joiner + piece
            if metrics.width_pt(candidate, size_pt) <= width_pt:
                current = candidate
            else:
                lines.append(current)
                current = piece
    if current:
        lines.append(current)
    return lines


def fit_text(text: str, box: FieldBox, metrics: FontMetrics) -> FittedText:
    """The largest size (in 0.5 pt steps) at which the text fits the box."""
    for size in _sizes(box.font_size, box.min_font_size):
        lines = wrap(text, box.width, size, metrics)
        if lines is None or len(lines) > box.max_lines:
            continue
        if len(lines) * line_height_mm(size) <= box.height:
            return FittedText(tuple(lines), size)
    raise TextDoesNotFit(box.label_ru, box.min_font_size)


def fit_table(
    rows: Sequence[tuple[str, str]], box: TableBox, metrics: FontMetrics
) -> FittedTable:
    """One size for the whole table: the largest at which every row fits the box."""
    for size in _sizes(box.font_size, box.min_font_size):
        mark_limit = box.mark_width / MM_PER_PT
        if any(metrics.width_pt(mark, size) > mark_limit for _, mark in rows):
            continue
        fitted = []
        for name, mark in rows:
            lines = wrap(name, box.name_width, size, metrics)
            if lines is None:
                break
            fitted.append(FittedRow(tuple(lines), mark))
        else:
            total = sum(len(row.name_lines) for row in fitted)
            if total * line_height_mm(size) <= box.height:
                return FittedTable(tuple(fitted), size)
    raise TextDoesNotFit("Сведения о результатах освоения программы", box.min_font_size)


def _d(value: str | int) -> Decimal:
    return Decimal(value)


def _field(
    label: str,
    x: str,
    y: str,
    width: str,
    height: str,
    *,
    align: str = "center",
    max_lines: int = 1,
    size: str = "11",
    min_size: str = "8",
    bold: bool = False,
) -> FieldBox:
    return FieldBox(
        label,
        _d(x),
        _d(y),
        _d(width),
        _d(height),
        align=align,
        font_size=_d(size),
        min_font_size=_d(min_size),
        max_lines=max_lines,
        bold=bold,
    )


def _caption(
    text: str,
    x: str,
    y: str,
    width: str = "120",
    *,
    align: str = "center",
    size: str = "9",
) -> Caption:
    return Caption(text, _d(x), _d(y), _d(width), align=align, size=_d(size))


_LEFT_X = "14"
_RIGHT_X = "162.5"
_WIDTH = "120"

# An A4-landscape spread folded in the middle, for both the title sheet and the appendix.
DEFAULT_LAYOUT = BlankLayout(
    width=_d(297),
    height=_d(210),
    fold_x=_d("148.5"),
    title=PageLayout(
        fields={
            "school_name": _field(
                "Наименование организации",
                _LEFT_X,
                "38",
                _WIDTH,
                "30",
                max_lines=5,
                min_size="7",
            ),
            "locality": _field(
                "Населённый пункт", _LEFT_X, "70", _WIDTH, "10", max_lines=2
            ),
            "registration_number": _field(
                "Регистрационный номер", _LEFT_X, "98", _WIDTH, "7"
            ),
            "issue_date": _field("Дата выдачи", _LEFT_X, "118", _WIDTH, "7"),
            "head_name": _field(
                "Руководитель организации", "84", "160", "50", "7", align="left"
            ),
            "duplicate_mark": _field(
                "Дубликат", _RIGHT_X, "16", _WIDTH, "8", bold=True
            ),
            "last_name": _field("Фамилия", _RIGHT_X, "104", _WIDTH, "7"),
            "given_names": _field("Имя и отчество", _RIGHT_X, "114", _WIDTH, "7"),
        },
        captions=(
            _caption("РОССИЙСКАЯ ФЕДЕРАЦИЯ", "14", "30"),
            _caption("Регистрационный номер", "14", "92"),
            _caption("Дата выдачи", "14", "112"),
            _caption(
                "Руководитель организации, осуществляющей образовательную деятельность",
                "14",
                "150",
                align="left",
            ),
            _caption("М.П.", "14", "175", align="left"),
            _caption("АТТЕСТАТ", "162.5", "40", size="20"),
            _caption("Настоящий аттестат свидетельствует о том, что", "162.5", "96"),
        ),
    ),
    supplement=PageLayout(
        fields={
            "duplicate_mark": _field("Дубликат", _LEFT_X, "12", _WIDTH, "8", bold=True),
            "last_name": _field("Фамилия", _LEFT_X, "36", _WIDTH, "7"),
            "first_name": _field("Имя", _LEFT_X, "50", _WIDTH, "7"),
            "patronymic": _field("Отчество", _LEFT_X, "64", _WIDTH, "7"),
            "birth_date": _field("Дата рождения", _LEFT_X, "78", _WIDTH, "7"),
            "school_name": _field(
                "Наименование организации",
                _LEFT_X,
                "96",
                _WIDTH,
                "30",
                max_lines=5,
                min_size="7",
            ),
            "registration_number": _field(
                "Регистрационный номер", _LEFT_X, "138", _WIDTH, "7"
            ),
            "issue_date": _field("Дата выдачи", _LEFT_X, "154", _WIDTH, "7"),
            "head_name": _field(
                "Руководитель организации", "84", "180", "50", "7", align="left"
            ),
        },
        captions=(
            _caption("ПРИЛОЖЕНИЕ к аттестату", "14", "24"),
            _caption("Фамилия", "14", "31", align="left"),
            _caption("Имя", "14", "45", align="left"),
            _caption("Отчество", "14", "59", align="left"),
            _caption("Дата рождения", "14", "73", align="left"),
            _caption("Регистрационный номер", "14", "132"),
            _caption("Дата выдачи", "14", "148"),
            _caption("Руководитель организации", "14", "170", align="left"),
            _caption("Наименование учебных предметов", "158", "14", "85", align="left"),
            _caption("Итоговая отметка", "246", "14", "42"),
        ),
        table=TableBox(
            x=_d(158), y=_d(22), width=_d(130), height=_d(176), mark_width=_d(42)
        ),
    ),
)

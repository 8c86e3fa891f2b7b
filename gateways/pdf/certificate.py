"""Prints attestats on the pre-printed blanks of order 545 with WeasyPrint.

The PDF carries text only, each line absolutely positioned in millimetres; the captions,
frames and protection belong to the printing house. Preview mode draws the blank's edge,
its fold and the captions on plain paper. Rendering is thread-safe: every thread keeps its
own parsed stylesheet and font configuration.
"""

import logging
import threading
import time
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from html import escape
from importlib import resources
from string import Template

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from gateways.pdf.documents import (
    CERTIFICATE_TITLES_RU,
    NO_CALIBRATION,
    CertificateDocument,
    PrinterCalibration,
)
from gateways.pdf.errors import CertificatePrintError, InvalidCertificateData
from gateways.pdf.fonts import FONT_FAMILY, FontMetrics, font_face_css, regular_metrics
from gateways.pdf.layout import (
    DEFAULT_LAYOUT,
    BlankLayout,
    FieldBox,
    PageLayout,
    TableBox,
    fit_table,
    fit_text,
    line_height_mm,
)
from gateways.pdf.wording import date_in_digits, date_in_words, mark_text

logger = logging.getLogger(__name__)

DUPLICATE_MARK = "ДУБЛИКАТ"
_THOUSANDTH = Decimal("0.001")


class CertificatePart(StrEnum):
    TITLE = "title"
    SUPPLEMENT = "supplement"


BOTH_PARTS: tuple[CertificatePart, ...] = (
    CertificatePart.TITLE,
    CertificatePart.SUPPLEMENT,
)


@dataclass(frozen=True)
class RenderedCertificate:
    """One document of a class run: the PDF, or why it could not be printed."""

    document_id: str
    pdf: bytes | None
    problem_ru: str | None = None


def _template(name: str) -> Template:
    return Template(
        resources.files("gateways.pdf")
        .joinpath("templates")
        .joinpath(name)
        .read_text("utf-8")
    )


_PAGE_TEMPLATE = _template("certificate.html")
_CSS_TEMPLATE = _template("blank.css")


def _n(value: Decimal) -> str:
    return str(value.quantize(_THOUSANDTH))


class _Sheet:
    """One page of absolutely positioned fragments, with the calibration applied."""

    def __init__(self, calibration: PrinterCalibration) -> None:
        self._cal = calibration
        self._parts: list[str] = []

    def _x(self, x: Decimal) -> str:
        return _n(self._cal.offset_x_mm + x * self._cal.scale)

    def _y(self, y: Decimal) -> str:
        return _n(self._cal.offset_y_mm + y * self._cal.scale)

    def _len(self, value: Decimal) -> str:
        return _n(value * self._cal.scale)

    def text(
        self,
        text: str,
        x: Decimal,
        y: Decimal,
        width: Decimal,
        size: Decimal,
        *,
        align: str = "left",
        bold: bool = False,
        css_class: str = "t",
    ) -> None:
        classes = f"{css_class} b" if bold else css_class
        self._parts.append(
            f'<div class="{classes}" style="left:{self._x(x)}mm;top:{self._y(y)}mm;'
            f"width:{self._len(width)}mm;font-size:{self._len(size)}pt;"
            f'line-height:{self._len(line_height_mm(size))}mm;text-align:{align}">'
            f"{escape(text)}</div>"
        )

    def box(
        self, css_class: str, x: Decimal, y: Decimal, w: Decimal, h: Decimal
    ) -> None:
        self._parts.append(
            f'<div class="{css_class}" style="left:{self._x(x)}mm;top:{self._y(y)}mm;'
            f'width:{self._len(w)}mm;height:{self._len(h)}mm"></div>'
        )

    def html(self) -> str:
        return '<section class="sheet">' + "".join(self._parts) + "</section>"


def _put(sheet: _Sheet, box: FieldBox, text: str, metrics: FontMetrics) -> None:
    """The text fitted into its box and centred vertically in it."""
    if not text:
        return
    fitted = fit_text(text, box, metrics)
    step = fitted.line_height_mm
    top = box.y + (box.height - step * len(fitted.lines)) / 2
    for index, line in enumerate(fitted.lines):
        sheet.text(
            line,
            box.x,
            top + step * index,
            box.width,
            fitted.font_size,
            align=box.align,
            bold=box.bold,
        )


def _put_table(
    sheet: _Sheet, box: TableBox, doc: CertificateDocument, metrics: FontMetrics
) -> None:
    rows = []
    for line in doc.lines:
        subject = " ".join(line.subject.split())
        if not subject:
            raise InvalidCertificateData("В приложении есть предмет без названия.")
        rows.append((subject, mark_text(line.mark)))
    fitted = fit_table(rows, box, metrics)

    step = fitted.line_height_mm
    mark_x = box.x + box.name_width + box.gap
    y = box.y
    for row in fitted.rows:
        # The mark stands on the first line of its subject; it is emitted after the name so
        # the PDF's reading order is «subject, mark».
        first_line_y = y
        for name_line in row.name_lines:
            sheet.text(name_line, box.x, y, box.name_width, fitted.font_size)
            y += step
        sheet.text(
            row.mark,
            mark_x,
            first_line_y,
            box.mark_width,
            fitted.font_size,
            align="center",
        )


def _draw_blank(sheet: _Sheet, layout: BlankLayout, page: PageLayout) -> None:
    sheet.box("frame", Decimal(0), Decimal(0), layout.width, layout.height)
    if layout.fold_x is not None:
        sheet.box("fold", layout.fold_x, Decimal(0), Decimal(0), layout.height)
    for caption in page.captions:
        sheet.text(
            caption.text,
            caption.x,
            caption.y,
            caption.width,
            caption.size,
            align=caption.align,
            css_class="caption",
        )


def _title_texts(doc: CertificateDocument) -> dict[str, str]:
    given = " ".join(part for part in (doc.first_name, doc.patronymic) if part)
    return {
        "school_name": doc.school_name,
        "locality": doc.locality or "",
        "registration_number": doc.registration_number,
        "issue_date": date_in_words(doc.issue_date),
        "head_name": doc.head_name,
        "duplicate_mark": DUPLICATE_MARK if doc.is_duplicate else "",
        "last_name": doc.last_name,
        "given_names": given,
    }


def _supplement_texts(doc: CertificateDocument) -> dict[str, str]:
    # The birth date is printed in digits; order 546 does not say otherwise that we know of.
    return {
        "duplicate_mark": DUPLICATE_MARK if doc.is_duplicate else "",
        "last_name": doc.last_name,
        "first_name": doc.first_name,
        "patronymic": doc.patronymic or "",
        "birth_date": date_in_digits(doc.birth_date),
        "school_name": doc.school_name,
        "registration_number": doc.registration_number,
        "issue_date": date_in_words(doc.issue_date),
        "head_name": doc.head_name,
    }


def _page(
    page: PageLayout,
    texts: dict[str, str],
    doc: CertificateDocument,
    layout: BlankLayout,
    calibration: PrinterCalibration,
    preview: bool,
) -> str:
    metrics = regular_metrics()
    sheet = _Sheet(calibration)
    if preview:
        _draw_blank(sheet, layout, page)
    for name, box in page.fields.items():
        _put(sheet, box, " ".join(texts.get(name, "").split()), metrics)
    if page.table is not None:
        _put_table(sheet, page.table, doc, metrics)
    return sheet.html()


def blank_css(layout: BlankLayout = DEFAULT_LAYOUT) -> str:
    """The stylesheet of the blank, including the embedded font."""
    return font_face_css() + _CSS_TEMPLATE.substitute(
        width=_n(layout.width), height=_n(layout.height), family=FONT_FAMILY
    )


def build_certificate_html(
    doc: CertificateDocument,
    calibration: PrinterCalibration = NO_CALIBRATION,
    preview: bool = False,
    *,
    parts: Collection[CertificatePart] = BOTH_PARTS,
    layout: BlankLayout = DEFAULT_LAYOUT,
    inline_css: bool = False,
) -> str:
    """The HTML of the document; with `inline_css` it is standalone (used by the bench)."""
    sheets = []
    if CertificatePart.TITLE in parts:
        sheets.append(
            _page(layout.title, _title_texts(doc), doc, layout, calibration, preview)
        )
    if CertificatePart.SUPPLEMENT in parts:
        sheets.append(
            _page(
                layout.supplement,
                _supplement_texts(doc),
                doc,
                layout,
                calibration,
                preview,
            )
        )
    if not sheets:
        raise InvalidCertificateData("Не выбрано, что печатать: титул или приложение.")

    body = "\n".join(sheets)
    if inline_css:
        body = f"<style>{blank_css(layout)}</style>\n{body}"
    title = f"Аттестат {CERTIFICATE_TITLES_RU[doc.kind]}"
    return _PAGE_TEMPLATE.substitute(title=escape(title), sheets=body)


_local = threading.local()


def _stylesheet(layout: BlankLayout) -> tuple[CSS, FontConfiguration]:
    """Parsed once per thread and page size: parsing CSS and loading fonts dominate small PDFs."""
    cache: dict[tuple[Decimal, Decimal], tuple[CSS, FontConfiguration]]
    cache = getattr(_local, "stylesheets", None) or {}
    _local.stylesheets = cache
    key = (layout.width, layout.height)
    if key not in cache:
        font_config = FontConfiguration()
        cache[key] = (
            CSS(string=blank_css(layout), font_config=font_config),
            font_config,
        )
    return cache[key]


def _write_pdf(html: str, layout: BlankLayout) -> bytes:
    css, font_config = _stylesheet(layout)
    return HTML(string=html).write_pdf(stylesheets=[css], font_config=font_config)


def render_certificate_pdf(
    doc: CertificateDocument,
    calibration: PrinterCalibration = NO_CALIBRATION,
    preview: bool = False,
    *,
    parts: Collection[CertificatePart] = BOTH_PARTS,
    layout: BlankLayout = DEFAULT_LAYOUT,
) -> bytes:
    """The PDF of one attestat: a page per part (title, then appendix).

    Raises:
        TextDoesNotFit: a field does not fit even at its smallest size.
        InvalidCertificateData: a value that may not be printed (a mark «2», no subject).
    """
    started = time.perf_counter()
    html = build_certificate_html(doc, calibration, preview, parts=parts, layout=layout)
    pdf = _write_pdf(html, layout)
    logger.info(
        "certificate pdf rendered: document_id=%s parts=%s preview=%s ms=%.0f",
        doc.document_id,
        ",".join(parts),
        preview,
        (time.perf_counter() - started) * 1000,
    )
    return pdf


def render_class_pdfs(
    docs: Sequence[CertificateDocument],
    calibration: PrinterCalibration = NO_CALIBRATION,
    preview: bool = False,
    *,
    parts: Collection[CertificatePart] = BOTH_PARTS,
    layout: BlankLayout = DEFAULT_LAYOUT,
    on_progress: Callable[[int, int], None] | None = None,
) -> Iterator[RenderedCertificate]:
    """PDFs of a class, one by one; a document that cannot be printed does not stop the rest.

    `on_progress(done, total)` is called after each document (an activity heartbeats there).
    """
    total = len(docs)
    failed = 0
    for done, doc in enumerate(docs, start=1):
        try:
            pdf = render_certificate_pdf(
                doc, calibration, preview, parts=parts, layout=layout
            )
            yield RenderedCertificate(doc.document_id, pdf)
        except CertificatePrintError as error:
            failed += 1
            logger.warning("certificate pdf refused: document_id=%s", doc.document_id)
            yield RenderedCertificate(doc.document_id, None, error.message_ru)
        if on_progress is not None:
            on_progress(done, total)
    logger.info("class pdfs rendered: total=%s failed=%s", total, failed)


def render_calibration_grid_pdf(
    calibration: PrinterCalibration = NO_CALIBRATION,
    layout: BlankLayout = DEFAULT_LAYOUT,
) -> bytes:
    """A test page: crosses every 20 mm labelled with blank coordinates, and the blank's edge.

    Printed on plain paper laid over a blank, it shows the offsets to enter as calibration.
    """
    sheet = _Sheet(calibration)
    sheet.box("frame", Decimal(0), Decimal(0), layout.width, layout.height)
    arm = Decimal(2)
    for x in range(20, int(layout.width), 20):
        for y in range(20, int(layout.height), 20):
            cx, cy = Decimal(x), Decimal(y)
            sheet.box("cross", cx - arm, cy, arm * 2, Decimal(0))
            sheet.box("cross", cx, cy - arm, Decimal(0), arm * 2)
            sheet.text(f"{x},{y}", cx + 1, cy + 1, Decimal(14), Decimal(6))
    html = _PAGE_TEMPLATE.substitute(title="Калибровка принтера", sheets=sheet.html())
    return _write_pdf(html, layout)

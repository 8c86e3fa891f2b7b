"""Attestat PDFs: text, embedded font, fitting on one page, calibration, preview."""

import io
from decimal import Decimal

import pytest
from fontTools.ttLib import TTFont
from pdf_factories import (
    LONG_SCHOOL_NAME,
    SUBJECTS_25,
    make_crowded_document,
    make_document,
    page_text,
    placed_texts,
    position_of,
    reader,
)

from gateways.pdf import (
    CertificatePart,
    PrinterCalibration,
    RenderedCertificate,
    SupplementLine,
    TextDoesNotFit,
    render_calibration_grid_pdf,
    render_certificate_pdf,
    render_class_pdfs,
)
from gateways.pdf.fonts import regular_metrics
from gateways.pdf.layout import DEFAULT_LAYOUT, MM_PER_PT, fit_table, fit_text

SUPPLEMENT = (CertificatePart.SUPPLEMENT,)


@pytest.fixture(scope="module")
def plain_pdf() -> bytes:
    return render_certificate_pdf(make_document(), PrinterCalibration())


def test_title_page_carries_names_registration_number_and_date_in_words(
    plain_pdf: bytes,
) -> None:
    lines = page_text(plain_pdf, 0).splitlines()

    assert len(reader(plain_pdf).pages) == 2
    assert "Ёлкина" in lines
    assert "Анна Сергеевна" in lines
    assert "007" in lines
    assert "25 июня 2026 года" in lines
    assert "МБОУ «Средняя общеобразовательная школа № 17»" in lines
    assert "И. И. Петрова" in lines
    assert "ДУБЛИКАТ" not in lines


def test_supplement_lists_subjects_with_marks_in_words(plain_pdf: bytes) -> None:
    lines = [line.strip() for line in page_text(plain_pdf, 1).splitlines()]

    for subject, mark in [
        ("Русский язык", "5 (отлично)"),
        ("Литература", "4 (хорошо)"),
        ("Алгебра", "3 (удовлетворительно)"),
        ("Физкультура", "зачтено"),
    ]:
        assert f"{subject}{mark}" in lines or f"{subject} {mark}" in lines
    assert {"Ёлкина", "Анна", "Сергеевна", "12.03.2010", "25 июня 2026 года"} <= set(
        lines
    )


def test_mark_stands_on_the_line_of_its_subject(plain_pdf: bytes) -> None:
    subject = position_of(plain_pdf, 1, "Алгебра")
    mark = position_of(plain_pdf, 1, "3 (удовлетворительно)")

    assert mark.y_pt == subject.y_pt
    assert mark.x_pt > subject.x_pt


def test_liberation_serif_is_embedded_in_every_font_resource(plain_pdf: bytes) -> None:
    for page in reader(plain_pdf).pages:
        fonts = page["/Resources"]["/Font"]
        assert fonts
        for font in fonts.values():
            font = font.get_object()
            assert "Liberation-Serif" in str(font["/BaseFont"])
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
            embedded = descriptor.get_object()["/FontFile2"].get_object().get_data()
            names = TTFont(io.BytesIO(embedded))["name"]
            assert names.getDebugName(6) == "LiberationSerif"


def test_duplicate_is_marked_on_both_sheets() -> None:
    pdf = render_certificate_pdf(make_document(is_duplicate=True))

    assert "ДУБЛИКАТ" in page_text(pdf, 0).splitlines()
    assert "ДУБЛИКАТ" in page_text(pdf, 1).splitlines()


def test_long_names_and_25_subjects_fit_one_supplement_page() -> None:
    pdf = render_certificate_pdf(make_crowded_document(), parts=SUPPLEMENT)

    text = page_text(pdf, 0)
    assert len(reader(pdf).pages) == 1
    assert "Константинопольская-Преображенская" in text
    assert "Экология родного края" in text
    assert text.count("(отлично)") == 7


def test_many_long_subjects_shrink_the_table_but_keep_one_page() -> None:
    subjects = [
        f"{name} (углублённый уровень, модуль {i})"
        for i, name in enumerate(SUBJECTS_25)
    ]
    lines = tuple(SupplementLine(subject, 5) for subject in subjects + subjects[:10])
    doc = make_crowded_document()
    crowded = make_document(lines=lines, school_name=doc.school_name)

    pdf = render_certificate_pdf(crowded, parts=SUPPLEMENT)

    sizes = {p.size for p in placed_texts(pdf, 0) if p.text == "5 (отлично)"}
    assert len(reader(pdf).pages) == 1
    assert len(sizes) == 1
    assert sizes.pop() < Decimal(11)


def test_table_that_cannot_fit_even_at_the_smallest_size_is_refused() -> None:
    lines = tuple(SupplementLine(f"Предмет номер {i}", 5) for i in range(80))

    with pytest.raises(TextDoesNotFit) as caught:
        render_certificate_pdf(make_document(lines=lines), parts=SUPPLEMENT)

    assert "не помещается" in caught.value.message_ru


def test_fitting_is_deterministic_and_shrinks_long_school_names() -> None:
    box = DEFAULT_LAYOUT.title.fields["school_name"]
    metrics = regular_metrics()

    short = fit_text("МБОУ СОШ № 17", box, metrics)
    long_once = fit_text(LONG_SCHOOL_NAME * 2, box, metrics)
    long_twice = fit_text(LONG_SCHOOL_NAME * 2, box, metrics)

    assert short.font_size == Decimal(11) and short.lines == ("МБОУ СОШ № 17",)
    assert long_once == long_twice
    assert long_once.font_size < Decimal(11)
    assert len(long_once.lines) <= box.max_lines
    width_pt = box.width / MM_PER_PT
    assert all(
        metrics.width_pt(line, long_once.font_size) <= width_pt
        for line in long_once.lines
    )


def test_table_fit_uses_one_size_for_all_rows() -> None:
    table = DEFAULT_LAYOUT.supplement.table
    assert table is not None
    rows = [(subject, "3 (удовлетворительно)") for subject in SUBJECTS_25]

    fitted = fit_table(rows, table, regular_metrics())

    assert fitted.font_size == Decimal(11)
    assert [row.mark for row in fitted.rows] == ["3 (удовлетворительно)"] * 25


def test_calibration_offsets_move_every_line_by_the_same_distance() -> None:
    doc = make_document()
    base = render_certificate_pdf(doc, PrinterCalibration(), parts=SUPPLEMENT)
    moved = render_certificate_pdf(
        doc, PrinterCalibration(Decimal("10"), Decimal("-5")), parts=SUPPLEMENT
    )

    dx = Decimal(10) / MM_PER_PT
    dy = Decimal(5) / MM_PER_PT  # PDF y grows upwards: -5 mm on the blank is +5 mm here
    for text in ("25 июня 2026 года", "Литература", "4 (хорошо)"):
        before, after = position_of(base, 0, text), position_of(moved, 0, text)
        assert abs(after.x_pt - before.x_pt - dx) < Decimal("0.05")
        assert abs(after.y_pt - before.y_pt - dy) < Decimal("0.05")


def test_calibration_scale_scales_positions_and_font_size() -> None:
    doc = make_document()
    base = render_certificate_pdf(doc, parts=SUPPLEMENT)
    scaled = render_certificate_pdf(
        doc, PrinterCalibration(scale=Decimal("1.05")), parts=SUPPLEMENT
    )

    before, after = (
        position_of(base, 0, "Литература"),
        position_of(scaled, 0, "Литература"),
    )
    assert abs(after.x_pt - before.x_pt * Decimal("1.05")) < Decimal("0.05")
    assert abs(after.size - before.size * Decimal("1.05")) < Decimal("0.05")


@pytest.mark.parametrize(
    ("offset_x", "scale"), [(Decimal(31), Decimal(1)), (Decimal(0), Decimal("1.2"))]
)
def test_unreasonable_calibration_is_refused(offset_x: Decimal, scale: Decimal) -> None:
    with pytest.raises(ValueError, match="калибровки"):
        PrinterCalibration(offset_x, Decimal(0), scale)


def test_preview_draws_the_blank_captions_that_printing_omits(plain_pdf: bytes) -> None:
    preview = render_certificate_pdf(make_document(), preview=True)

    assert "Регистрационный номер" in page_text(preview, 0)
    assert "Итоговая отметка" in page_text(preview, 1)
    assert "Регистрационный номер" not in page_text(plain_pdf, 0)
    assert len(reader(preview).pages) == 2


def test_class_run_reports_progress_and_keeps_going_after_a_refused_document() -> None:
    docs = [
        make_document(document_id="doc-1"),
        make_document(document_id="doc-2", lines=(SupplementLine("Алгебра", 2),)),
        make_document(document_id="doc-3"),
    ]
    progress: list[tuple[int, int]] = []

    results = list(
        render_class_pdfs(
            docs, parts=SUPPLEMENT, on_progress=lambda *p: progress.append(p)
        )
    )

    assert progress == [(1, 3), (2, 3), (3, 3)]
    assert [r.document_id for r in results] == ["doc-1", "doc-2", "doc-3"]
    assert results[1] == RenderedCertificate(
        "doc-2", None, "недопустимая итоговая отметка: 2"
    )
    assert results[0].pdf is not None and results[0].pdf.startswith(b"%PDF")


def test_calibration_grid_labels_blank_coordinates() -> None:
    pdf = render_calibration_grid_pdf(PrinterCalibration(Decimal(2), Decimal(3)))

    text = page_text(pdf, 0)
    assert "20,20" in text and "280,200" in text

"""Printing attestats on blanks and the registration book (WeasyPrint, openpyxl)."""

from gateways.pdf.certificate import (
    BOTH_PARTS,
    CertificatePart,
    RenderedCertificate,
    build_certificate_html,
    render_calibration_grid_pdf,
    render_certificate_pdf,
    render_class_pdfs,
)
from gateways.pdf.documents import (
    BookEntryStatus,
    CertificateDocument,
    CertificateKind,
    PrinterCalibration,
    RegistrationBookEntry,
    SupplementLine,
)
from gateways.pdf.errors import CertificatePrintError, InvalidCertificateData
from gateways.pdf.fonts import FontNotInstalled
from gateways.pdf.layout import DEFAULT_LAYOUT, BlankLayout, TextDoesNotFit
from gateways.pdf.registration_book import (
    render_registration_book_pdf,
    write_registration_book_xlsx,
)
from gateways.pdf.study_record import (
    StudyRecordDocument,
    StudyRecordLine,
    render_study_record_pdf,
)
from gateways.pdf.wording import date_in_words, mark_text

__all__ = [
    "BOTH_PARTS",
    "DEFAULT_LAYOUT",
    "BlankLayout",
    "BookEntryStatus",
    "CertificateDocument",
    "CertificateKind",
    "CertificatePart",
    "CertificatePrintError",
    "FontNotInstalled",
    "InvalidCertificateData",
    "PrinterCalibration",
    "RegistrationBookEntry",
    "RenderedCertificate",
    "StudyRecordDocument",
    "StudyRecordLine",
    "SupplementLine",
    "TextDoesNotFit",
    "build_certificate_html",
    "date_in_words",
    "mark_text",
    "render_calibration_grid_pdf",
    "render_certificate_pdf",
    "render_class_pdfs",
    "render_registration_book_pdf",
    "render_study_record_pdf",
    "write_registration_book_xlsx",
]

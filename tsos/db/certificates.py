"""Tables of school-leaving certificates: exam results, final-mark versions, certificates,
blanks, the registration book, spoilage acts, printer calibration and ФИС ФРДО exports.

The rules live in `domain.certificates`; `activities.certificates` maps these rows to its
objects. Final-mark versions, lifecycle events and export items are append-only.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    Numeric,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tsos.db.base import Base, Timestamped
from tsos.db.models import JsonDoc

LEVELS = "('basic', 'secondary')"
KINDS = "('basic', 'basic_honours', 'secondary', 'secondary_honours', 'study_record')"
BLANK_KINDS = (
    "('basic', 'basic_honours', 'basic_supplement', 'secondary', 'secondary_honours', "
    "'secondary_supplement')"
)
STATUSES = (
    "('computed', 'reviewed', 'formed', 'blank_assigned', 'printed', 'issued', 'exported', "
    "'cancelled')"
)


class ExamResult(Base):
    """One attempt of a pupil at a state exam (ОГЭ, ЕГЭ, ГВЭ), entered or imported."""

    __tablename__ = "certificate_exam_results"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    graduation_year: Mapped[int] = mapped_column(SmallInteger)
    # A code of domain/certificates/data/exam_subjects.yaml.
    subject: Mapped[str] = mapped_column(String(40))
    form: Mapped[str] = mapped_column(String(8))
    primary_points: Mapped[int | None] = mapped_column(SmallInteger)
    mark: Mapped[int | None] = mapped_column(SmallInteger)
    score: Mapped[int | None] = mapped_column(SmallInteger)
    minimum: Mapped[int | None] = mapped_column(SmallInteger)
    is_retake: Mapped[bool] = mapped_column(Boolean, default=False)
    exam_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(8), default="manual")
    entered_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    entered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        # One first attempt and one re-take per subject and form; a new import replaces it.
        UniqueConstraint("pupil_id", "subject", "form", "is_retake"),
        CheckConstraint("form IN ('oge', 'ege', 'gve')", name="form_known"),
        CheckConstraint("mark IS NULL OR mark BETWEEN 2 AND 5", name="mark_range"),
        CheckConstraint("score IS NULL OR score BETWEEN 0 AND 100", name="score_range"),
        CheckConstraint("source IN ('manual', 'csv', 'xlsx')", name="source_known"),
    )


class LineMappingChoice(Base):
    """Which subject→certificate-line mapping a school uses per level, and its term kind."""

    __tablename__ = "certificate_line_mappings"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    level: Mapped[str] = mapped_column(String(16))
    # A packaged mapping (data/line_mappings/<level>_<name>.yaml), or the school's own
    # document in the same shape when `document` is set.
    mapping_name: Mapped[str] = mapped_column(String(60), default="default")
    document: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # Grade 11: the school's terms in grades 10–11 (half-years, quarters or trimesters).
    term_kind: Mapped[str | None] = mapped_column(String(16))
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("organization_id", "level"),
        CheckConstraint(f"level IN {LEVELS}", name="level_known"),
    )


class FinalMarksVersion(Base):
    """One version of a graduate's final marks with all inputs; never changed afterwards."""

    __tablename__ = "certificate_final_marks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"))
    level: Mapped[str] = mapped_column(String(16))
    graduation_year: Mapped[int] = mapped_column(SmallInteger)
    version: Mapped[int] = mapped_column(Integer)
    rule_set_version: Mapped[str] = mapped_column(String(40))
    # SHA-256 of that version's file when these marks were computed (None before 0016).
    rule_set_digest: Mapped[str | None] = mapped_column(String(64))
    mapping_name: Mapped[str] = mapped_column(String(60))
    term_kind: Mapped[str | None] = mapped_column(String(16))
    # Lines with value, exact fraction, inputs and exam; problems, warnings; the decision.
    marks: Mapped[list[Any]] = mapped_column(JsonDoc)
    problems: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    warnings: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    decision: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    # Gradebook subject ids and periods the marks came from (what a lock must cover).
    sources: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    # "computed" from the gradebook, or "corrected" by a duplicate after an error.
    origin: Mapped[str] = mapped_column(String(16), default="computed")
    reason: Mapped[str | None] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("pupil_id", "level", "graduation_year", "version"),
        CheckConstraint(f"level IN {LEVELS}", name="level_known"),
        CheckConstraint("origin IN ('computed', 'corrected')", name="origin_known"),
    )


class Certificate(Timestamped, Base):
    """One document of one graduate: an attestat, a справка, or a duplicate of either."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    pupil_id: Mapped[int] = mapped_column(ForeignKey("pupils.id"), index=True)
    school_class_id: Mapped[int] = mapped_column(ForeignKey("school_classes.id"), index=True)
    graduation_year: Mapped[int] = mapped_column(SmallInteger)
    level: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str | None] = mapped_column(String(24))
    medal: Mapped[str | None] = mapped_column(String(8))
    final_marks_id: Mapped[int] = mapped_column(ForeignKey("certificate_final_marks.id"))
    marks_version: Mapped[int] = mapped_column(Integer)
    warnings_confirmed: Mapped[bool] = mapped_column(Boolean, default=False)
    lock_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_locks.id"))
    blank_number: Mapped[str | None] = mapped_column(String(14))
    supplement_blank_number: Mapped[str | None] = mapped_column(String(14))
    book_entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_book_entries.id", use_alter=True,
                   name="fk_certificates_book_entry_id_certificate_book_entries"))
    registration_number: Mapped[str | None] = mapped_column(String(30))
    issue_date: Mapped[date | None] = mapped_column(Date)
    handover: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    issue_order_number: Mapped[str | None] = mapped_column(String(40))
    issue_order_date: Mapped[date | None] = mapped_column(Date)
    duplicate_of_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    original_registration_number: Mapped[str | None] = mapped_column(String(30))
    duplicate_ground: Mapped[str | None] = mapped_column(String(24))
    supplement_only: Mapped[bool] = mapped_column(Boolean, default=False)
    # Set on an original replaced by a duplicate: lost, exchanged or destroyed.
    disposition: Mapped[str | None] = mapped_column(String(16))
    cancellation_reason: Mapped[str | None] = mapped_column(Text)
    frdo_export_id: Mapped[int | None] = mapped_column(ForeignKey("certificate_frdo_exports.id"))
    workflow_id: Mapped[str | None] = mapped_column(String(200))
    # The graduate and the school as printed, saved when the registration number is taken:
    # the document, its book row and its duplicates' original block never follow later
    # changes of the person.
    holder_surname: Mapped[str | None] = mapped_column(String(100))
    holder_name: Mapped[str | None] = mapped_column(String(100))
    holder_patronymic: Mapped[str | None] = mapped_column(String(100))
    holder_birth_date: Mapped[date | None] = mapped_column(Date)
    school_name: Mapped[str | None] = mapped_column(String(500))

    __table_args__ = (
        # One live original per pupil, level and graduation year; duplicates, cancelled
        # ones and an issued справка aside (the attestat may follow it after a re-take).
        Index("uq_certificates_original", "pupil_id", "level", "graduation_year",
              unique=True,
              postgresql_where=text(
                  "duplicate_of_id IS NULL AND status <> 'cancelled' AND NOT (kind IS NOT "
                  "NULL AND kind = 'study_record' AND status IN ('issued', 'exported'))")),
        CheckConstraint(f"level IN {LEVELS}", name="level_known"),
        CheckConstraint(f"status IN {STATUSES}", name="status_known"),
        CheckConstraint(f"kind IS NULL OR kind IN {KINDS}", name="kind_known"),
        CheckConstraint("blank_number IS NULL OR blank_number ~ '^[0-9]{14}$'",
                        name="blank_number_digits"),
    )


class CertificateEvent(Base):
    """Append-only: each lifecycle step of a certificate, who made it and why."""

    __tablename__ = "certificate_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    action: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    status_from: Mapped[str | None] = mapped_column(String(16))
    status_to: Mapped[str] = mapped_column(String(16))
    details: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    reason: Mapped[str | None] = mapped_column(Text)
    workflow_id: Mapped[str | None] = mapped_column(String(200))


class MarkIssue(Base):
    """A wrong final mark found at review: sent back to the gradebook, never edited here."""

    __tablename__ = "certificate_mark_issues"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    line_code: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="open")
    reported_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    reported_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    # The database's clock when the issue was stored: a gradebook change counts as the
    # correction only when its audit row was recorded after this (both on one clock).
    recorded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True),
                                                  server_default=func.now())
    # The deputy head's answer: the gradebook correction made, or why the mark stands.
    resolved_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolution: Mapped[str | None] = mapped_column(Text)
    correction_request_id: Mapped[int | None] = mapped_column(
        ForeignKey("correction_requests.id"))
    # Found after issue: the deputy head approves the corrected period marks, and a
    # duplicate applies them as a new version of the final marks.
    after_issue: Mapped[bool] = mapped_column(Boolean, default=False,
                                              server_default=text("false"))
    corrected_inputs: Mapped[list[Any] | None] = mapped_column(JsonDoc)
    duplicate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))

    __table_args__ = (
        CheckConstraint("status IN ('open', 'corrected', 'rejected')", name="status_known"),
    )


class BlankReceipt(Base):
    """A batch of blanks received by a school (numbers from first to last)."""

    __tablename__ = "certificate_blank_receipts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))
    received_on: Mapped[date] = mapped_column(Date)
    first_number: Mapped[str] = mapped_column(String(14))
    last_number: Mapped[str] = mapped_column(String(14))
    quantity: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(String(200), default="")
    received_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint(f"kind IN {BLANK_KINDS}", name="kind_known"),
        CheckConstraint("quantity > 0", name="quantity_positive"),
    )


class Blank(Base):
    """One blank of a receipt and its fate: in stock, assigned, spoiled or issued."""

    __tablename__ = "certificate_blanks"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    receipt_id: Mapped[int] = mapped_column(ForeignKey("certificate_blank_receipts.id"),
                                            index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    number: Mapped[str] = mapped_column(String(14), unique=True)
    kind: Mapped[str] = mapped_column(String(24))
    fate: Mapped[str] = mapped_column(String(16), default="in_stock")
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    spoilage_act_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_spoilage_acts.id"))

    __table_args__ = (
        Index("ix_certificate_blanks_stock", "organization_id", "kind", "number",
              postgresql_where=text("fate = 'in_stock'")),
        CheckConstraint("number ~ '^[0-9]{14}$'", name="number_digits"),
        CheckConstraint(f"kind IN {BLANK_KINDS}", name="kind_known"),
        CheckConstraint(
            "fate IN ('in_stock', 'assigned', 'issued', 'duplicate', 'spoiled')",
            name="fate_known"),
    )


class SpoilageAct(Base):
    """The commission's act writing off spoiled blanks (numbers, quantity, reason)."""

    __tablename__ = "certificate_spoilage_acts"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    number: Mapped[str] = mapped_column(String(40))
    dated: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    blank_numbers: Mapped[list[str]] = mapped_column(JsonDoc)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (UniqueConstraint("organization_id", "number"),)


class BookEntry(Base):
    """A row of the registration book: one blank, one document, one status."""

    __tablename__ = "certificate_book_entries"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    # Which book and numbering run the row belongs to (level and year, per the rules).
    book: Mapped[str] = mapped_column(String(40))
    level: Mapped[str] = mapped_column(String(16))
    year: Mapped[int] = mapped_column(SmallInteger)
    sequence: Mapped[int] = mapped_column(Integer)
    registration_number: Mapped[str] = mapped_column(String(30))
    recorded_on: Mapped[date] = mapped_column(Date)
    document_kind: Mapped[str] = mapped_column(String(24))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("certificates.id"))
    pupil_id: Mapped[int | None] = mapped_column(ForeignKey("pupils.id"))
    blank_number: Mapped[str | None] = mapped_column(String(14))
    supplement_blank_number: Mapped[str | None] = mapped_column(String(14))
    issue_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="reserved")
    is_duplicate: Mapped[bool] = mapped_column(Boolean, default=False)
    original_registration_number: Mapped[str | None] = mapped_column(String(30))
    handover: Mapped[dict[str, Any] | None] = mapped_column(JsonDoc)
    handed_over_on: Mapped[date | None] = mapped_column(Date)
    issue_order_number: Mapped[str | None] = mapped_column(String(40))
    issue_order_date: Mapped[date | None] = mapped_column(Date)
    spoilage_act_id: Mapped[int | None] = mapped_column(
        ForeignKey("certificate_spoilage_acts.id"))
    # The graduate as written in the row when it was made; the row never changes after.
    holder_surname: Mapped[str | None] = mapped_column(String(100))
    holder_name: Mapped[str | None] = mapped_column(String(100))
    holder_patronymic: Mapped[str | None] = mapped_column(String(100))
    holder_birth_date: Mapped[date | None] = mapped_column(Date)
    # A справка cancelled after its number was taken: the row is closed with the reason.
    void_reason: Mapped[str | None] = mapped_column(Text)

    __table_args__ = (
        UniqueConstraint("organization_id", "book", "sequence"),
        Index("uq_certificate_book_entries_blank", "blank_number", unique=True,
              postgresql_where=text("blank_number IS NOT NULL")),
        CheckConstraint(f"level IN {LEVELS}", name="level_known"),
        CheckConstraint("status IN ('reserved', 'issued', 'spoiled')", name="status_known"),
    )


class PrinterCalibration(Base):
    """A school's printer calibration: offsets (mm) and scale for its blanks' printing house."""

    __tablename__ = "certificate_printer_calibrations"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"),
                                                 primary_key=True)
    offset_x_mm: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    offset_y_mm: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal(0))
    scale: Mapped[Decimal] = mapped_column(Numeric(5, 4), default=Decimal(1))
    printing_house: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        CheckConstraint("abs(offset_x_mm) <= 30 AND abs(offset_y_mm) <= 30",
                        name="offsets_range"),
        CheckConstraint("scale BETWEEN 0.9 AND 1.1", name="scale_range"),
    )


class CertificatePdf(Base):
    """The PDF printed on a certificate's current blank; replaced when the blank is."""

    __tablename__ = "certificate_pdfs"

    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"),
                                                primary_key=True)
    blank_number: Mapped[str | None] = mapped_column(String(14))
    registration_number: Mapped[str] = mapped_column(String(30))
    pdf: Mapped[bytes] = mapped_column(LargeBinary)
    rendered_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class RenderRun(Base):
    """A run of PDF rendering for a wizard: how far it got, for the progress indicator."""

    __tablename__ = "certificate_render_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    workflow_id: Mapped[str] = mapped_column(String(200), index=True)
    total: Mapped[int] = mapped_column(Integer)
    done: Mapped[int] = mapped_column(Integer, default=0)
    failed: Mapped[int] = mapped_column(Integer, default=0)
    problems: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class FrdoExport(Base):
    """A ФИС ФРДО file made for a school: the workbook as written, and by whom."""

    __tablename__ = "certificate_frdo_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    file_name: Mapped[str] = mapped_column(String(200))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    rows: Mapped[int] = mapped_column(Integer)
    from_official_template: Mapped[bool] = mapped_column(Boolean)
    notices: Mapped[list[Any]] = mapped_column(JsonDoc, default=list)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    workflow_id: Mapped[str | None] = mapped_column(String(200))


class FrdoExportItem(Base):
    """Which certificate went into which file; the unique key forbids a second export."""

    __tablename__ = "certificate_frdo_export_items"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    export_id: Mapped[int] = mapped_column(ForeignKey("certificate_frdo_exports.id"),
                                           index=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), unique=True)
    row_number: Mapped[int] = mapped_column(Integer)

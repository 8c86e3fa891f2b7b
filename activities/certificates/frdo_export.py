"""The ФИС ФРДО file of issued documents; a document goes into one file only, ever."""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path

from sqlalchemy import select

from activities.certificates import store
from activities.certificates.context import (
    CertContext,
    CertificateRuleError,
    as_rule_errors,
)
from domain.certificates.kinds import CertificateKind, Level
from domain.certificates.lifecycle import CertificateStatus, OriginalDisposition
from gateways.frdo import (
    DocumentStatus,
    EducationLevel,
    FrdoRow,
    FundingSource,
    Gender,
    OriginalDocument,
    StudyForm,
    write_frdo_packages,
)
from gateways.frdo.columns import ROW_CAPACITY
from tsos.db import certificates as db

log = logging.getLogger(__name__)

# Years of the level before graduation: ООО starts in grade 5, СОО in grade 10 (C23).
LEVEL_YEARS = {Level.BASIC: 5, Level.SECONDARY: 2}
_GENDERS = {"male": Gender.MALE, "female": Gender.FEMALE}
_LEVELS = {Level.BASIC: EducationLevel.BASIC_GENERAL,
           Level.SECONDARY: EducationLevel.SECONDARY_GENERAL}


def exported_ids(ctx: CertContext) -> set[str]:
    return {str(i) for i in ctx.session.scalars(
        select(db.FrdoExportItem.certificate_id)
        .join(db.FrdoExport, db.FrdoExport.id == db.FrdoExportItem.export_id)
        .where(db.FrdoExport.organization_id == ctx.organization_id))}


def row_for(ctx: CertContext, row: db.Certificate) -> FrdoRow:
    """One document as the template's row (certificates.md §9.4)."""
    certificate = store.to_domain(ctx.session, row)
    assert certificate.kind is not None and row.issue_date is not None
    # Names and birth date as printed; SNILS and gender are the person's (not printed).
    person = store.person_of(ctx.session, row.pupil_id)
    holder = store.holder_of(ctx.session, row)
    assert holder is not None and holder.birth_date is not None
    kind = certificate.kind
    level = (EducationLevel.NONE if kind is CertificateKind.STUDY_RECORD
             else _LEVELS[certificate.level])
    original = None
    status = DocumentStatus.ORIGINAL
    if row.duplicate_of_id is not None:
        status = DocumentStatus.DUPLICATE
        source = ctx.session.get(db.Certificate, row.duplicate_of_id)
        assert source is not None and source.issue_date is not None
        # The original's block: the name the original was made out to (§9.3), which a
        # duplicate for a change of name no longer carries.
        named = store.holder_of(ctx.session, source)
        assert named is not None
        original = OriginalDocument(
            name="Аттестат" if source.kind != "study_record" else "Справка об обучении",
            number=source.blank_number or source.registration_number or "",
            registration_number=source.registration_number or "",
            issue_date=source.issue_date, last_name=named.surname,
            first_name=named.name, patronymic=named.patronymic)
    disposition = None
    if row.duplicate_of_id is not None:
        source = ctx.session.get(db.Certificate, row.duplicate_of_id)
        assert source is not None
        disposition = OriginalDisposition(source.disposition) if source.disposition else None
    return FrdoRow(
        document_id=str(row.id),
        document_kind=kind.label,
        education_level=level,
        number=row.blank_number or row.registration_number or "",
        issue_date=row.issue_date,
        registration_number=row.registration_number or "",
        admission_year=row.graduation_year - LEVEL_YEARS[certificate.level],
        graduation_year=row.graduation_year,
        last_name=holder.surname,
        first_name=holder.name,
        patronymic=holder.patronymic,
        birth_date=holder.birth_date,
        gender=_GENDERS.get(person.gender or "", person.gender or ""),
        snils=person.snils,
        # Which source regions expect for municipal and state schools is open (§11.4):
        # the schools of the demo region are municipal.
        funding_source=FundingSource.MUNICIPAL,
        study_form=StudyForm.FULL_TIME,
        document_name="Аттестат" if kind.is_attestat else "Справка об обучении",
        status=status,
        # The duplicate's row says how the original left circulation (§9.3, a safe reading).
        loss_confirmed=disposition is OriginalDisposition.LOST,
        exchange_confirmed=disposition is OriginalDisposition.EXCHANGED,
        destruction_confirmed=disposition is OriginalDisposition.DESTROYED,
        original=original,
    )


def export(ctx: CertContext, certificate_ids: Collection[int], *,
           template_path: Path | None, capacity: int = ROW_CAPACITY) -> list[db.FrdoExport]:
    """Validate and write the issued, not yet exported documents into ФРДО files: as many
    as the template's rows need (at most `capacity` documents each), all or none."""
    ctx.require_staff("выгружать документы в ФИС ФРДО")
    ctx.serialise_school("frdo")
    rows = [r for r in ctx.session.scalars(select(db.Certificate).where(
        db.Certificate.id.in_(list(certificate_ids)),
        db.Certificate.organization_id == ctx.organization_id).order_by(db.Certificate.id)
        .with_for_update())]
    done = exported_ids(ctx)
    pending = [r for r in rows if r.status == CertificateStatus.ISSUED.value]
    repeated = [r for r in rows if str(r.id) in done]
    if repeated and not pending:
        raise CertificateRuleError("Эти документы уже выгружены в ФИС ФРДО",
                                   code="already_exported")
    if not pending:
        raise CertificateRuleError("Нет выданных документов для выгрузки в ФИС ФРДО")

    with as_rule_errors("frdo"):
        packages = write_frdo_packages([row_for(ctx, r) for r in pending], template_path,
                                       already_exported=done, today=ctx.today,
                                       capacity=capacity)
    by_id = {str(r.id): r for r in pending}
    exports = []
    for index, package in enumerate(packages, start=1):
        result = package.result
        count = len(result.exported_document_ids)
        part = f"-{index}-of-{len(packages)}" if len(packages) > 1 else ""
        export_row = db.FrdoExport(
            organization_id=ctx.organization_id,
            file_name=f"frdo-{ctx.today:%Y%m%d}{part}-{count}.xlsx",
            content=package.content, rows=count,
            from_official_template=result.from_official_template,
            notices=[f"строка {n.row_number}, «{n.column_title}»: {n.message_ru}"
                     for n in result.notices],
            created_by=ctx.user_id, created_at=ctx.at, workflow_id=ctx.workflow_id)
        ctx.session.add(export_row)
        ctx.session.flush()
        for number, document_id in enumerate(result.exported_document_ids, start=2):
            ctx.session.add(db.FrdoExportItem(export_id=export_row.id,
                                              certificate_id=int(document_id),
                                              row_number=number))
            row = by_id[document_id]
            before = store.to_domain(ctx.session, row)
            with as_rule_errors():
                after = before.mark_exported(batch_id=str(export_row.id), by=ctx.user_id,
                                             at=ctx.at)
            store.save(ctx, row, before, after)
        ctx.session.flush()
        exports.append(export_row)
        log.info("frdo export stored: %s rows %s", export_row.id, export_row.rows)
    return exports

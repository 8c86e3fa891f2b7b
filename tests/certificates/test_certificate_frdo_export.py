"""The ФРДО file of issued certificates: never twice, from our own workbook or the template."""

from __future__ import annotations

import io
from datetime import date

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from activities.certificates import (
    blank_stock,
    computing,
    forming,
    frdo_export,
    issuing,
    printing,
)
from activities.certificates.context import CertificateRuleError
from domain.certificates.registration_book import Handover, HandoverMethod, OrderRef
from gateways.pdf import render_certificate_pdf
from tests.certificates.frdo_template import official_frdo_template
from tests.certificates.school import GRADUATION_YEAR, School, context
from tsos.db import certificates as cdb
from tsos.db.session import session_scope

DATA = "Шаблон"
LATER = date(2026, 7, 1)


def _issue_class(database_url: str, school: School) -> list[int]:
    """The class through every step up to issue, by the services the wizard's steps call."""
    with session_scope(database_url) as session:
        ctx = context(session, school, day=date(2026, 6, 30))
        ids = computing.compute_class(ctx, school.class_id, GRADUATION_YEAR)
        forming.review(ctx, ids, confirm_warnings=True)
        forming.form(ctx, ids)
        blank_stock.assign(ctx, ids, with_supplements=False)
        printing.reserve_numbers(ctx, ids, date(2026, 6, 25))
        docs, problems, meta = printing.documents(ctx, ids, "И. И. Директорова")
        assert problems == {}
        for doc in docs:
            blank, number, parts = meta[doc.document_id]
            printing.store_pdf(session, int(doc.document_id), blank, number,
                               render_certificate_pdf(doc, parts=parts), ctx.at)
        printing.confirm_printed(ctx, ids)
        for certificate_id in ids:
            issuing.issue(ctx, certificate_id, handover=Handover(HandoverMethod.IN_PERSON),
                          handed_over_on=date(2026, 6, 26),
                          order=OrderRef("45-у", date(2026, 6, 24)))
        return ids


def test_a_document_is_exported_once_only(database_url, school) -> None:
    ids = _issue_class(database_url, school)
    with session_scope(database_url) as session:
        [export] = frdo_export.export(context(session, school, day=LATER), ids,
                                      template_path=None)
        export_id = export.id
        sheet = load_workbook(io.BytesIO(export.content))[DATA]
        assert [sheet.cell(r, 15).value for r in range(2, 5)] == ["Антонова", "Борисов",
                                                                   "Ёлкина"]
        assert sheet.cell(5, 15).value is None

    with session_scope(database_url) as session, pytest.raises(CertificateRuleError) as again:
        frdo_export.export(context(session, school, day=LATER), ids, template_path=None)
    assert again.value.code == "already_exported" and again.value.status == 409

    # Even written past the service, the table refuses a second row for a document.
    with pytest.raises(IntegrityError), session_scope(database_url) as session:
        session.add(cdb.FrdoExportItem(export_id=export_id, certificate_id=ids[0],
                                       row_number=9))
        session.flush()


def test_our_own_workbook_has_the_official_sheets_headers_and_validations(
        database_url, school) -> None:
    official = load_workbook(official_frdo_template())
    ids = _issue_class(database_url, school)
    with session_scope(database_url) as session:
        [export] = frdo_export.export(context(session, school, day=LATER), ids,
                                      template_path=None)
        assert not export.from_official_template
        ours = load_workbook(io.BytesIO(export.content))

    assert ours.sheetnames == official.sheetnames
    assert [c.value for c in ours[DATA][1]] == [c.value for c in official[DATA][1]]
    assert ours[DATA]["R1"].value.endswith(" ")  # «Дата рождения получателя » as in the file

    def validations(workbook) -> set:  # type: ignore[no-untyped-def,type-arg]
        return {(str(dv.sqref), dv.type, dv.formula1)
                for dv in workbook[DATA].data_validations.dataValidation}

    assert validations(ours) == validations(official)
    row = [c.value for c in ours[DATA][3]]
    assert row[2] == "Оригинал" and row[7] == "Нет"          # status; no series
    assert row[11] == GRADUATION_YEAR - 5                     # ООО starts in grade 5
    assert row[16] == "Нет"                                   # Борисов has no patronymic
    assert row[18].count("-") == 2 and len(row[18]) == 14     # СНИЛС ххх-ххх-ххх хх


def test_an_export_longer_than_a_file_is_split_and_each_document_goes_once(
        database_url, school) -> None:
    ids = _issue_class(database_url, school)
    with session_scope(database_url) as session:
        exports = frdo_export.export(context(session, school, day=LATER), ids,
                                     template_path=None, capacity=2)
        assert [e.rows for e in exports] == [2, 1]
        assert [e.file_name.split("-")[2:4] for e in exports] == [["1", "of"], ["2", "of"]]
        surnames = [[load_workbook(io.BytesIO(e.content))[DATA].cell(r, 15).value
                     for r in range(2, 2 + e.rows)] for e in exports]
        assert surnames == [["Антонова", "Борисов"], ["Ёлкина"]]
        items = session.scalars(select(cdb.FrdoExportItem).order_by(
            cdb.FrdoExportItem.id)).all()
        assert sorted(i.certificate_id for i in items) == sorted(ids)
        assert [(i.export_id, i.row_number) for i in items] == [
            (exports[0].id, 2), (exports[0].id, 3), (exports[1].id, 2)]
        assert {session.get(cdb.Certificate, i).status for i in ids} == {"exported"}

    with session_scope(database_url) as session, pytest.raises(CertificateRuleError) as again:
        frdo_export.export(context(session, school, day=LATER), ids, template_path=None,
                           capacity=2)
    assert again.value.code == "already_exported"

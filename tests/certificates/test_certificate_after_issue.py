"""What holds after issue: the data printed stays as printed, exam results stay as they were
used, an issued справка gives way to an attestat, a cancelled справка closes its book row."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from activities.certificates import (
    blank_stock,
    computing,
    exam_import,
    forming,
    frdo_export,
    issuing,
    printing,
)
from activities.certificates.exam_import import ExamResultsLocked
from api.certificates.records import _book_entries
from domain.certificates.exams import ExamForm, ExamResult
from domain.certificates.lifecycle import DuplicateGround, OriginalDisposition
from domain.certificates.registration_book import Handover, HandoverMethod, OrderRef
from gateways.pdf import render_certificate_pdf, render_study_record_pdf
from tests.certificates.school import GRADUATION_YEAR, School, context
from tests.certificates.test_certificate_frdo_export import _issue_class
from tsos.db import certificates as cdb
from tsos.db import gradebook as gb
from tsos.db.models import Person, Pupil
from tsos.db.session import session_scope

LATER = date(2026, 9, 15)


def _print_and_issue(ctx, ids: list[int], issue_date: date, handed: date) -> None:  # type: ignore[no-untyped-def]
    """The steps after forming, by the services the wizard calls."""
    blank_stock.assign(ctx, ids, with_supplements=False)
    printing.reserve_numbers(ctx, ids, issue_date)
    docs, problems, meta = printing.documents(ctx, ids, "И. И. Директорова")
    assert problems == {}
    for doc in docs:
        blank, number, parts = meta[doc.document_id]
        pdf = (render_study_record_pdf(doc) if not parts
               else render_certificate_pdf(doc, parts=parts))
        printing.store_pdf(ctx.session, int(doc.document_id), blank, number, pdf, ctx.at)
    printing.confirm_printed(ctx, ids)
    for certificate_id in ids:
        issuing.issue(ctx, certificate_id, handover=Handover(HandoverMethod.IN_PERSON),
                      handed_over_on=handed, order=OrderRef("45-у", date(2026, 6, 24)))


def _rename(session, pupil_id: int, surname: str) -> None:  # type: ignore[no-untyped-def]
    person = session.scalar(select(Person).join(Pupil).where(Pupil.id == pupil_id))
    person.surname = surname


def test_a_duplicate_after_a_name_change_keeps_the_originals_name(database_url,
                                                                  school: School) -> None:
    ids = _issue_class(database_url, school)
    boris = ids[1]
    with session_scope(database_url) as session:
        original_number = session.get(cdb.Certificate, boris).registration_number
        _rename(session, school.pupils[1], "Борисов-Ланской")
    with session_scope(database_url) as session:
        ctx = context(session, school, day=LATER)
        duplicate = issuing.duplicate(ctx, boris, ground=DuplicateGround.NAME_CHANGE,
                                      disposition=OriginalDisposition.EXCHANGED,
                                      reason="Свидетельство о перемене имени")
        _print_and_issue(ctx, [duplicate], LATER, LATER)

    with session_scope(database_url) as session:
        ctx = context(session, school, day=LATER)
        row = frdo_export.row_for(ctx, session.get(cdb.Certificate, duplicate))
        # The duplicate is made out to the new name; the original block (AD–AF) keeps the
        # name the original was issued to.
        assert row.last_name == "Борисов-Ланской"
        assert row.original is not None
        assert (row.original.last_name, row.original.first_name) == ("Борисов", "Борис")
        assert row.original.registration_number == original_number
        original_row = frdo_export.row_for(ctx, session.get(cdb.Certificate, boris))
        assert original_row.last_name == "Борисов"
        # Past book rows never change.
        book = {e.registration_number: e for e in _book_entries(
            session, school.org_id, "basic", 2026)}
        assert book[original_number].last_name == "Борисов"
        new_number = session.get(cdb.Certificate, duplicate).registration_number
        assert book[new_number].last_name == "Борисов-Ланской"


def _result(pupil_id: int, mark: int, *, retake: bool = False) -> ExamResult:
    return ExamResult(pupil_id=str(pupil_id), subject="mathematics", form=ExamForm.OGE,
                      mark=mark, primary_points={2: 6, 5: 24}[mark], minimum=10,
                      is_retake=retake)


def test_exam_results_of_a_formed_certificate_are_locked_and_audited(
        database_url, school: School) -> None:
    with session_scope(database_url) as session:
        ctx = context(session, school)
        ids = computing.compute_class(ctx, school.class_id, GRADUATION_YEAR)
        forming.review(ctx, ids, confirm_warnings=True)
        forming.form(ctx, ids[:1])
    anna, boris = school.pupils[0], school.pupils[1]

    with session_scope(database_url) as session:
        ctx = context(session, school)
        with pytest.raises(ExamResultsLocked) as refused:
            exam_import.store_result(ctx, anna, GRADUATION_YEAR, _result(anna, 2), "manual")
        assert refused.value.status == 409
        assert "сформированном документе" in refused.value.message
        # A pupil whose certificate is not formed yet may still get results.
        assert exam_import.store_result(ctx, boris, GRADUATION_YEAR, _result(boris, 5),
                                        "manual")
    with session_scope(database_url) as session:
        maths = session.scalar(select(cdb.ExamResult).where(
            cdb.ExamResult.pupil_id == anna, cdb.ExamResult.subject == "mathematics"))
        assert maths.mark == 5
        [audit] = session.scalars(select(gb.GradebookAuditEvent).where(
            gb.GradebookAuditEvent.object_kind == "exam_result")).all()
        assert (audit.outcome, audit.refusal_code, audit.object_id) == (
            "refused", "certificate_locked", maths.id)
        assert audit.refs["certificate_id"] == ids[0]


def _fail_maths(session, school: School, index: int) -> None:  # type: ignore[no-untyped-def]
    session.execute(update(cdb.ExamResult).where(
        cdb.ExamResult.pupil_id == school.pupils[index],
        cdb.ExamResult.subject == "mathematics").values(mark=2, primary_points=6))


def test_an_issued_study_record_gives_way_to_an_attestat_after_a_retake(
        database_url, school: School) -> None:
    with session_scope(database_url) as session:
        _fail_maths(session, school, 2)
    with session_scope(database_url) as session:
        ctx = context(session, school, day=date(2026, 6, 30))
        ids = computing.compute_class(ctx, school.class_id, GRADUATION_YEAR)
        elkina = ids[2]
        assert session.get(cdb.Certificate, elkina).kind == "study_record"
        forming.review(ctx, ids, confirm_warnings=True)
        forming.form(ctx, ids)
        _print_and_issue(ctx, ids, date(2026, 6, 25), date(2026, 6, 26))

    # The September re-take: the issued справка does not hold the results any more.
    pupil = school.pupils[2]
    with session_scope(database_url) as session:
        ctx = context(session, school, day=LATER)
        exam_import.store_result(ctx, pupil, GRADUATION_YEAR, _result(pupil, 5, retake=True),
                                 "manual")
        again = computing.compute_class(ctx, school.class_id, GRADUATION_YEAR, [pupil])
    with session_scope(database_url) as session:
        [attestat] = again
        assert attestat != elkina
        row = session.get(cdb.Certificate, attestat)
        assert (row.kind, row.status, row.graduation_year) == ("basic", "computed", 2026)
        assert session.get(cdb.Certificate, elkina).status == "issued"


def test_a_cancelled_study_record_closes_its_book_row(database_url, school: School) -> None:
    with session_scope(database_url) as session:
        _fail_maths(session, school, 2)
    with session_scope(database_url) as session:
        ctx = context(session, school, day=date(2026, 6, 30))
        ids = computing.compute_class(ctx, school.class_id, GRADUATION_YEAR)
        forming.review(ctx, ids, confirm_warnings=True)
        forming.form(ctx, ids)
        blank_stock.assign(ctx, ids, with_supplements=False)
        printing.reserve_numbers(ctx, ids, date(2026, 6, 25))
        elkina = ids[2]
        # A справка needs its PDF like any document before printing is confirmed.
        with pytest.raises(Exception, match="PDF не готов"):
            printing.confirm_printed(ctx, [elkina])
    with session_scope(database_url) as session:
        ctx = context(session, school, day=date(2026, 6, 30))
        number = session.scalar(select(cdb.BookEntry.registration_number).where(
            cdb.BookEntry.certificate_id == elkina))
        forming.cancel(ctx, elkina, reason="Пересдача ГИА в дополнительные сроки")
    with session_scope(database_url) as session:
        row = session.scalar(select(cdb.BookEntry).where(
            cdb.BookEntry.certificate_id == elkina))
        assert (row.registration_number, row.status) == (number, "spoiled")
        assert row.void_reason == "Пересдача ГИА в дополнительные сроки"
        assert session.get(cdb.Certificate, elkina).status == "cancelled"
        # The number is closed, not skipped: the next document takes the next one.
        numbers = sorted(session.scalars(select(cdb.BookEntry.registration_number)))
        assert numbers == ["9001", "9002", "9003"]
        entries = _book_entries(session, school.org_id, "basic", 2026)
        assert [e.void_reason for e in entries if e.registration_number == number] == [
            "Пересдача ГИА в дополнительные сроки"]


def test_final_marks_keep_the_digest_of_their_rule_file(database_url, school: School) -> None:
    from domain.certificates.rules import rule_set_digest

    _issue_class(database_url, school)
    with session_scope(database_url) as session:
        rows = session.scalars(select(cdb.FinalMarksVersion)).all()
        assert rows
        for row in rows:
            assert row.rule_set_digest == rule_set_digest(row.rule_set_version)

"""The wizard of class 9А through the time-skipping server: a mark corrected at review,
a spoiled blank replaced, issue and export; then a duplicate with a corrected mark."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select
from temporalio.client import WorkflowUpdateFailedError

from activities.certificates import blank_stock, computing
from domain.certificates.corrections import InputCorrection
from domain.certificates.marks import Period
from domain.gradebook.audit import Actor
from domain.gradebook.marks import MarkValue
from tests.certificates.pdf_text import expected_rows, pdf_pages, supplement_rows
from tests.certificates.school import GRADUATION_YEAR, ZONE, School, context, moment
from tests.certificates.wizard_helpers import certificate_worker, until_step
from tsos.db import certificates as cdb
from tsos.db import gradebook as gb
from tsos.db.session import session_scope
from tsos.gradebook import term_marks
from tsos.gradebook.context import WriteContext
from workflows.certificates.ids import class_wizard_id, duplicate_wizard_id
from workflows.certificates.messages import (
    ApproveReview,
    AssignBlanks,
    ChooseClass,
    ConfirmPrinted,
    DuplicateStep,
    ExportStep,
    FormStep,
    IssueStep,
    RenderStep,
    ReportIssue,
    SpoilStep,
    StaffActor,
    WizardInput,
)
from workflows.certificates.wizard import CertificateWizardWorkflow as Wizard

ISSUE_DATE = date(2026, 6, 25)


def _rule(error: WorkflowUpdateFailedError) -> tuple[str, str]:
    cause = error.cause
    while cause.cause is not None and not cause.details:
        cause = cause.cause
    return cause.message, cause.details[0]


def _final(database_url: str, certificate_id: int, line: str) -> tuple[int, object]:
    with session_scope(database_url) as session:
        row = session.get(cdb.Certificate, certificate_id)
        version = session.get(cdb.FinalMarksVersion, row.final_marks_id)
        mark = next(m for m in version.marks if m["line"]["code"] == line)
        return version.version, mark["value"]


def _by_pupil(view, school: School) -> dict[int, object]:  # type: ignore[no-untyped-def]
    return {school.pupils.index(c.pupil_id): c for c in view.certificates}


async def test_class_wizard_with_a_spoiled_blank_then_a_duplicate(
        time_skipping_env, settings, database_url, school, activity_executor) -> None:
    env = time_skipping_env
    secretary = StaffActor(user_id=school.secretary, role="secretary")
    inp = WizardInput(organization_id=school.org_id, organization_code=school.org_code,
                      time_zone=ZONE, school_class_id=school.class_id,
                      graduation_year=GRADUATION_YEAR, started_by=secretary)
    workflow_id = class_wizard_id(school.org_code, school.class_id, GRADUATION_YEAR)

    async with certificate_worker(env.client, settings, database_url,
                                  activity_executor) as queue:
        handle = await env.client.start_workflow(Wizard.run, inp, id=workflow_id,
                                                 task_queue=queue)
        view = await handle.execute_update(Wizard.choose_class, ChooseClass(actor=secretary))
        assert view.step == "review"
        pupils = _by_pupil(view, school)
        assert [pupils[i].kind for i in range(3)] == ["basic_honours", "basic", "basic"]
        assert all(not c.problems for c in view.certificates)

        # A step out of turn is refused with the step named.
        with pytest.raises(WorkflowUpdateFailedError) as early:
            await handle.execute_update(Wizard.form, FormStep(actor=secretary))
        message, code = _rule(early.value)
        assert code == "step_not_allowed" and "Проверка итоговых отметок" in message

        # Review: Борисов's physics year mark was typed as «3» instead of «4». The secretary
        # does not edit it: an issue goes to the gradebook and the wizard waits.
        boris = pupils[1].certificate_id
        assert _final(database_url, boris, "physics") == (1, 4)  # (3 + 4) / 2 → 4
        view = await handle.execute_update(Wizard.report_issue, ReportIssue(
            actor=secretary, certificate_id=boris, line_code="physics",
            description="Годовая по физике 4, в журнале ошибочно 3"))
        assert view.step == "awaiting_corrections"
        with pytest.raises(WorkflowUpdateFailedError) as waiting:
            await handle.execute_update(Wizard.approve_review, ApproveReview(actor=secretary))
        assert "замечания" in _rule(waiting.value)[0]

        with session_scope(database_url) as session:
            deputy = WriteContext(session, Actor(school.deputy, "deputy_head"),
                                  moment(date(2026, 6, 22)), school.org_id)
            term_marks.override(deputy, school.year_marks[(school.pupils[1], "physics")],
                                MarkValue.of(4), "Описка при выставлении годовой отметки")
            [issue] = computing.open_issues(context(session, school), [boris])
            computing.resolve_issue(context(session, school, user_id=school.deputy,
                                            role="deputy_head"), issue.id, corrected=True,
                                    resolution="Годовая отметка исправлена на «4»")
        await handle.signal(Wizard.marks_corrected, secretary)
        view = await until_step(handle, "review")
        # (4 + 4) / 2: the new version; version 1 with the «3» is kept.
        assert _final(database_url, boris, "physics") == (2, 4)
        with session_scope(database_url) as session:
            versions = session.scalars(select(cdb.FinalMarksVersion).where(
                cdb.FinalMarksVersion.pupil_id == school.pupils[1])
                .order_by(cdb.FinalMarksVersion.version)).all()
            physics = [next(m for m in v.marks if m["line"]["code"] == "physics")
                       for v in versions]
            assert [p["year_value"] for p in physics] == ["3/1", "4/1"]

        view = await handle.execute_update(Wizard.approve_review,
                                           ApproveReview(actor=secretary))
        assert view.step == "form"
        view = await handle.execute_update(Wizard.form, FormStep(actor=secretary))
        assert view.step == "assign_blanks"
        assert {c.status for c in view.certificates} == {"formed"}

        view = await handle.execute_update(Wizard.assign_blanks, AssignBlanks(actor=secretary))
        assert view.step == "render"
        pupils = _by_pupil(view, school)
        assert pupils[0].blank_number == "09202000000001"  # the honours blank
        assert [pupils[1].blank_number, pupils[2].blank_number] == ["09201000000101",
                                                                    "09201000000102"]
        assert pupils[0].supplement_blank_number == "09203000000101"

        view = await handle.execute_update(Wizard.render, RenderStep(
            actor=secretary, issue_date=ISSUE_DATE, head_name="И. И. Директорова"))
        view = await until_step(handle, "confirm_print")
        assert view.render.finished and (view.render.total, view.render.failed) == (3, 0)
        pupils = _by_pupil(view, school)
        assert all(c.has_pdf for c in view.certificates)
        registration = {i: pupils[i].registration_number for i in range(3)}
        assert sorted(registration.values()) == ["9001", "9002", "9003"]

        # Ёлкина's blank jammed in the printer: written off by an act, a new blank taken,
        # a new registration number, the PDF made again.
        elkina = pupils[2].certificate_id
        view = await handle.execute_update(Wizard.spoil, SpoilStep(
            actor=secretary, certificate_id=elkina, act_number="1",
            act_date=date(2026, 6, 24), reason="Замятие бланка в принтере"))
        view = await until_step(handle, "confirm_print")
        replaced = _by_pupil(view, school)[2]
        assert replaced.blank_number == "09201000000103"
        assert replaced.supplement_blank_number == "09203000000104"
        assert replaced.registration_number == "9004" and replaced.has_pdf

        view = await handle.execute_update(Wizard.confirm_printed,
                                           ConfirmPrinted(actor=secretary))
        assert view.step == "issue"
        order = dict(order_number="45-у", order_date=date(2026, 6, 24),
                     handed_over_on=date(2026, 6, 26))
        await handle.execute_update(Wizard.issue, IssueStep(
            actor=secretary, certificate_id=pupils[0].certificate_id, method="in_person",
            **order))
        with pytest.raises(WorkflowUpdateFailedError) as no_proxy:
            await handle.execute_update(Wizard.issue, IssueStep(
                actor=secretary, certificate_id=boris, method="proxy", **order))
        assert "доверенн" in _rule(no_proxy.value)[0]
        await handle.execute_update(Wizard.issue, IssueStep(
            actor=secretary, certificate_id=boris, method="proxy",
            proxy_name="Борисова Мария Ивановна", proxy_document="Доверенность 77 АА 123",
            **order))
        view = await handle.execute_update(Wizard.issue, IssueStep(
            actor=secretary, certificate_id=elkina, method="post",
            postal_item_number="29500012345678", posted_on=date(2026, 6, 26), **order))
        assert view.step == "export"

        view = await handle.execute_update(Wizard.export, ExportStep(actor=secretary))
        assert view.step == "done" and len(view.exports) == 1
        final = await handle.result()
        assert {c.status for c in final.certificates} == {"exported"}

        # The PDF's text carries the marks of the final version, line by line.
        with session_scope(database_url) as session:
            pdf = session.get(cdb.CertificatePdf, boris).pdf
            row = session.get(cdb.Certificate, boris)
            marks = session.get(cdb.FinalMarksVersion, row.final_marks_id).marks
        title, supplement = pdf_pages(pdf)
        assert title[-2:] == ["Борисов", "Борис"] and "25 июня 2026 года" in title
        assert supplement_rows(pdf, "И. И. Директорова") == expected_rows(marks)
        assert expected_rows(marks)[-1] == "Физическая культура зачтено"

        # Later, an error is found in Борисов's attestat: his physics year mark was «5».
        # The secretary reports it; the deputy head approves the corrected year mark; the
        # duplicate's finals are recomputed from it: (5 + 4) / 2 → 5.
        with session_scope(database_url) as session:
            issue = computing.report_issue(
                context(session, school, day=date(2026, 9, 1)), boris, "physics",
                "Заявление от 01.09.2026: годовая по физике 5, в аттестате 4")
            computing.resolve_issue(
                context(session, school, user_id=school.deputy, role="deputy_head",
                        day=date(2026, 9, 2)), issue.id, corrected=True,
                resolution="Годовая отметка по физике — «5» (протокол педсовета № 1)",
                corrected_inputs=[InputCorrection("physics", "physics", 9, Period.YEAR,
                                                  5)])
            issue_id = issue.id
        dup_handle = await env.client.start_workflow(
            Wizard.run, inp.model_copy(update={"mode": "duplicate",
                                               "original_certificate_id": boris}),
            id=duplicate_wizard_id(school.org_code, boris), task_queue=queue)
        view = await dup_handle.execute_update(Wizard.duplicate, DuplicateStep(
            actor=secretary, ground="error_after_issue", disposition="exchanged",
            reason="Заявление от 01.09.2026: неверная отметка по физике",
            issue_ids=[issue_id]))
        assert view.step == "assign_blanks"
        [dup] = view.certificates
        assert dup.is_duplicate and dup.status == "formed"
        await dup_handle.execute_update(Wizard.assign_blanks, AssignBlanks(actor=secretary))
        await dup_handle.execute_update(Wizard.render, RenderStep(
            actor=secretary, issue_date=date(2026, 9, 10), head_name="И. И. Директорова"))
        await until_step(dup_handle, "confirm_print")
        await dup_handle.execute_update(Wizard.confirm_printed,
                                        ConfirmPrinted(actor=secretary))
        await dup_handle.execute_update(Wizard.issue, IssueStep(
            actor=secretary, certificate_id=dup.certificate_id, method="in_person",
            order_number="112-у", order_date=date(2026, 9, 10),
            handed_over_on=date(2026, 9, 11)))
        view = await dup_handle.execute_update(Wizard.export, ExportStep(actor=secretary))
        assert view.step == "done"

    with session_scope(database_url) as session:
        original = session.get(cdb.Certificate, boris)
        duplicate = session.get(cdb.Certificate, dup.certificate_id)
        assert original.disposition == "exchanged" and original.status == "exported"
        assert duplicate.duplicate_of_id == boris
        assert duplicate.original_registration_number == original.registration_number
        version = session.get(cdb.FinalMarksVersion, duplicate.final_marks_id)
        assert (version.version, version.origin) == (3, "corrected")
        physics = next(m for m in version.marks if m["line"]["code"] == "physics")
        # Recomputed from the corrected input, not typed: year 5 + exam 4 = 9/2 → 5.
        assert (physics["value"], physics["exact"], physics["year_value"]) == (5, "9/2",
                                                                              "5/1")
        old_version = session.get(cdb.FinalMarksVersion, original.final_marks_id)
        assert old_version.version == 2 and old_version.origin == "computed"
        assert next(m for m in old_version.marks
                    if m["line"]["code"] == "physics")["value"] == 4
        # Written through the gradebook's NEW_VERSION path, audited with old and new.
        [written] = session.scalars(select(gb.GradebookAuditEvent).where(
            gb.GradebookAuditEvent.action == "new_version")).all()
        assert (written.object_kind, written.object_id) == ("final_mark", version.id)
        assert (written.old_value["value"], written.new_value["value"]) == (4, 5)
        assert written.refs["duplicate_id"] == dup.certificate_id
        assert session.get(cdb.MarkIssue, issue_id).duplicate_id == dup.certificate_id
        entry = session.get(cdb.BookEntry, duplicate.book_entry_id)
        assert entry.is_duplicate and entry.status == "issued"
        assert entry.original_registration_number == original.registration_number
        # The lock stays: an issued document's marks change only through duplicates.
        lock = session.get(gb.CertificateLock, original.lock_id)
        assert lock.released_at is None
        items = session.scalars(select(cdb.FrdoExportItem)).all()
        assert sorted(i.certificate_id for i in items) == sorted(
            [*[c.certificate_id for c in final.certificates], dup.certificate_id])

        report = blank_stock.reconciliation(context(session, school), date(2026, 12, 1))
        assert report.balanced
        totals = report.totals
        assert (totals.received, totals.issued, totals.duplicates, totals.spoiled) == (
            30, 6, 2, 2)
        assert totals.in_stock == 20

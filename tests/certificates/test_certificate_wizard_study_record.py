"""A справка through the wizard (time-skipping server), and a certificate cancelled in the
render step formed again in the same wizard."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, update

from tests.certificates.pdf_text import expected_rows, pdf_pages, supplement_rows
from tests.certificates.school import GRADUATION_YEAR, ZONE, School
from tests.certificates.wizard_helpers import certificate_worker, until_step
from tsos.db import certificates as cdb
from tsos.db.session import session_scope
from workflows.certificates.ids import class_wizard_id
from workflows.certificates.messages import (
    ApproveReview,
    AssignBlanks,
    CancelStep,
    ChooseClass,
    ConfirmPrinted,
    FormStep,
    IssueStep,
    Recompute,
    RenderStep,
    StaffActor,
    WizardInput,
)
from workflows.certificates.wizard import CertificateWizardWorkflow as Wizard

HEAD = "И. И. Директорова"


async def test_a_study_record_and_a_re_formed_certificate_through_the_wizard(
        time_skipping_env, settings, database_url, school: School,
        activity_executor) -> None:
    env = time_skipping_env
    # Ёлкина failed the maths exam: a справка об обучении instead of the attestat.
    with session_scope(database_url) as session:
        session.execute(update(cdb.ExamResult).where(
            cdb.ExamResult.pupil_id == school.pupils[2],
            cdb.ExamResult.subject == "mathematics").values(mark=2, primary_points=6))
    secretary = StaffActor(user_id=school.secretary, role="secretary")
    inp = WizardInput(organization_id=school.org_id, organization_code=school.org_code,
                      time_zone=ZONE, school_class_id=school.class_id,
                      graduation_year=GRADUATION_YEAR, started_by=secretary)

    async with certificate_worker(env.client, settings, database_url,
                                  activity_executor) as queue:
        handle = await env.client.start_workflow(
            Wizard.run, inp, task_queue=queue,
            id=class_wizard_id(school.org_code, school.class_id, GRADUATION_YEAR))
        view = await handle.execute_update(Wizard.choose_class, ChooseClass(actor=secretary))
        by_pupil = {c.pupil_id: c for c in view.certificates}
        anna, boris, elkina = (by_pupil[p].certificate_id for p in school.pupils)
        assert by_pupil[school.pupils[2]].kind == "study_record"
        await handle.execute_update(Wizard.approve_review, ApproveReview(actor=secretary))
        await handle.execute_update(Wizard.form, FormStep(actor=secretary))
        view = await handle.execute_update(Wizard.assign_blanks,
                                           AssignBlanks(actor=secretary))
        assert view.step == "render" and "recompute" in view.allowed

        # Борисов's certificate is cancelled before printing (his blanks go back to stock)
        # and formed again in the same wizard: recompute → review → form → blanks.
        view = await handle.execute_update(Wizard.cancel, CancelStep(
            actor=secretary, certificate_id=boris, reason="Уточнение данных ученика"))
        assert view.step == "render"
        view = await handle.execute_update(Wizard.recompute, Recompute(actor=secretary))
        assert view.step == "review"
        again = next(c for c in view.certificates
                     if c.pupil_id == school.pupils[1] and c.status == "computed")
        assert again.certificate_id != boris
        await handle.execute_update(Wizard.approve_review, ApproveReview(actor=secretary))
        view = await handle.execute_update(Wizard.form, FormStep(actor=secretary))
        assert view.step == "assign_blanks"
        view = await handle.execute_update(Wizard.assign_blanks,
                                           AssignBlanks(actor=secretary))
        boris = again.certificate_id
        assert {c.certificate_id: c.status for c in view.certificates if c.status != "cancelled"
                } == {anna: "blank_assigned", boris: "blank_assigned", elkina: "formed"}

        await handle.execute_update(Wizard.render, RenderStep(
            actor=secretary, issue_date=date(2026, 6, 25), head_name=HEAD))
        view = await until_step(handle, "confirm_print")
        # The справка is rendered like the attestats: none fails.
        assert (view.render.total, view.render.failed) == (3, 0)
        view = await handle.execute_update(Wizard.confirm_printed,
                                           ConfirmPrinted(actor=secretary))
        assert view.step == "issue"

        # The справка is cancelled after its number was taken: the row is closed.
        view = await handle.execute_update(Wizard.cancel, CancelStep(
            actor=secretary, certificate_id=elkina, reason="Пересдача в сентябре"))
        for certificate_id in (anna, boris):
            view = await handle.execute_update(Wizard.issue, IssueStep(
                actor=secretary, certificate_id=certificate_id, method="in_person",
                handed_over_on=date(2026, 6, 26), order_number="45-у",
                order_date=date(2026, 6, 24)))
        assert view.step == "export"

    with session_scope(database_url) as session:
        study_record = session.get(cdb.CertificatePdf, elkina)
        lines = pdf_pages(study_record.pdf)[0]
        number = session.scalar(select(cdb.BookEntry.registration_number).where(
            cdb.BookEntry.certificate_id == elkina))
        assert lines[1:3] == ["СПРАВКА ОБ ОБУЧЕНИИ", f"Регистрационный номер {number}"]
        text = " ".join(" ".join(lines).split())
        assert "Ёлкина Алёна Петровна" in text and "30.11.2010" in text
        assert "Математика не выставлена" in text
        assert "ОГЭ по предмету «Математика»: отметка «2»" in text
        assert "25 июня 2026 года" in text and HEAD in text
        row = session.scalar(select(cdb.BookEntry).where(
            cdb.BookEntry.certificate_id == elkina))
        assert (row.status, row.void_reason) == ("spoiled", "Пересдача в сентябре")
        # Борисов's attestat: the PDF's rows are exactly the stored final marks.
        certificate = session.get(cdb.Certificate, boris)
        version = session.get(cdb.FinalMarksVersion, certificate.final_marks_id)
        pdf = session.get(cdb.CertificatePdf, boris).pdf
        assert supplement_rows(pdf, HEAD) == expected_rows(version.marks)
        assert certificate.status == "issued"

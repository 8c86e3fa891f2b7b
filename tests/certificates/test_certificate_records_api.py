"""The records API in Russian: blank kinds and exam files refused with their fields and
values, exam results entered one by one and locked, previews, errors found after issue."""

from __future__ import annotations

import io
import zipfile

from sqlalchemy import delete, update

from activities.certificates import computing, forming
from tests.certificates.pdf_text import pdf_pages
from tests.certificates.school import GRADUATION_YEAR, School, context
from tests.certificates.test_certificate_frdo_export import _issue_class
from tsos.db import certificates as cdb
from tsos.db import gradebook as gb
from tsos.db.session import session_scope


async def test_blank_receipt_with_an_unknown_kind_is_refused_in_russian(
        api, school: School, headers_for) -> None:
    answer = await api.post("/certificates/blanks/receipts", headers=headers_for(
        school.secretary), json={"kind": "diploma", "first_number": "09201000000201",
                                 "last_number": "09201000000210",
                                 "received_on": "2026-05-20"})

    assert answer.status_code == 422
    [field] = answer.json()["fields"]
    assert (field["field"], field["name"]) == ("kind", "вид бланка")
    assert " or " not in field["message"] and "'" not in field["message"]
    assert "secondary_supplement — бланк приложения к аттестату о среднем общем " \
        "образовании" in field["message"]
    assert answer.json()["message"].startswith("Ошибка в поле «вид бланка»: допустимые")


async def test_an_exam_file_with_no_good_row_is_refused_with_each_row(
        api, school: School, headers_for) -> None:
    csv_text = ("Код ученика;Предмет;Форма;Отметка\n"
                f"{school.pupils[0]};Химия;ОГЭ;7\n"
                f"{school.pupils[1]};Астрология;ОГЭ;5\n")
    answer = await api.post("/certificates/exam-results/import",
                            headers=headers_for(school.secretary),
                            data={"graduation_year": str(GRADUATION_YEAR)},
                            files={"file": ("results.csv", csv_text.encode(), "text/csv")})

    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"] == "invalid_input"
    assert body["message"].startswith("Ни один результат не загружен")
    rows = [f["message"] for f in body["fields"][1:]]
    assert rows[0].startswith("Строка 2") and "вне шкалы" in rows[0]
    assert rows[1].startswith("Строка 3")


async def test_exam_results_entered_by_hand_and_locked_once_formed(
        api, school: School, headers_for, database_url) -> None:
    secretary = headers_for(school.secretary)
    pupil = school.pupils[0]
    result = {"pupil_id": pupil, "graduation_year": GRADUATION_YEAR, "subject": "Физика",
              "form": "oge", "mark": 5, "primary_points": 30, "minimum": 10,
              "exam_date": "2026-06-05"}
    entered = await api.post("/certificates/exam-results", json=result, headers=secretary)
    assert entered.status_code == 201, entered.text
    assert (entered.json()["subject"], entered.json()["replaced"]) == ("physics", True)
    bad = await api.post("/certificates/exam-results", headers=secretary,
                         json={**result, "subject": "Астрология"})
    assert bad.status_code == 422 and bad.json()["fields"][0]["field"] == "subject"
    no_mark = await api.post("/certificates/exam-results", headers=secretary,
                             json={**result, "mark": None})
    assert no_mark.status_code == 422 and "нужна отметка" in no_mark.json()["message"]

    with session_scope(database_url) as session:
        ctx = context(session, school)
        ids = computing.compute_class(ctx, school.class_id, GRADUATION_YEAR)
        forming.review(ctx, ids, confirm_warnings=True)
        forming.form(ctx, ids)
    locked = await api.post("/certificates/exam-results", headers=secretary,
                            json={**result, "mark": 4, "primary_points": 25})
    assert locked.status_code == 409, locked.text
    assert locked.json()["error"] == "certificate_locked"
    csv_text = ("Код ученика;Предмет;Форма;Отметка;Первичный балл;Минимальный балл\n"
                f"{pupil};Физика;ОГЭ;4;25;10\n")
    imported = await api.post("/certificates/exam-results/import", headers=secretary,
                              data={"graduation_year": str(GRADUATION_YEAR)},
                              files={"file": ("r.csv", csv_text.encode(), "text/csv")})
    assert imported.status_code == 409 and "сформированн" in imported.json()["message"]


async def test_previews_of_a_certificate_and_of_the_class(api, school: School, headers_for,
                                                         temporal_env, database_url) -> None:
    # Борисов's physics exam lacks its primary points: said to the secretary.
    with session_scope(database_url) as session:
        session.execute(update(cdb.ExamResult).where(
            cdb.ExamResult.pupil_id == school.pupils[1],
            cdb.ExamResult.subject == "physics").values(primary_points=None))
    secretary = headers_for(school.secretary)
    started = await api.post("/certificates/wizards", json={"school_class_id": school.class_id},
                             headers=secretary)
    wizard = started.json()["workflow_id"]
    view = (await api.post(f"/certificates/wizards/{wizard}/choose-class", json={},
                           headers=secretary)).json()
    anna = next(d for d in view["details"] if d["surname"] == "Антонова")
    boris = next(d for d in view["details"] if d["surname"] == "Борисов")
    assert anna["notices"] == []
    assert boris["notices"] == [
        "Нет данных: ОГЭ по предмету «Физика»: не указан первичный балл. Отличие не "
        "подтверждается, пока эти данные не внесены в результаты ГИА"]
    assert boris["explanation"][0] == "Внимание: " + boris["notices"][0]
    early = await api.get(f"/certificates/{anna['certificate_id']}/preview.pdf",
                          headers=secretary)
    assert early.status_code == 409

    await api.post(f"/certificates/wizards/{wizard}/approve-review", headers=secretary,
                   json={"confirm_warnings": True})
    single = await api.get(f"/certificates/{anna['certificate_id']}/preview.pdf",
                           params={"head_name": "И. И. Директорова"}, headers=secretary)
    assert single.status_code == 200 and single.headers["content-type"] == "application/pdf"
    title, supplement = pdf_pages(single.content)
    # The preview draws the blank's captions; the number is not taken yet.
    assert "не присвоен" in title and "Антонова" in title
    assert "Русский язык 5 (отлично)" in supplement
    archive = await api.get(f"/certificates/wizards/{wizard}/preview.zip", headers=secretary)
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 3
    stranger = await api.get(f"/certificates/{anna['certificate_id']}/preview.pdf",
                             headers=headers_for(school.other_secretary))
    assert stranger.status_code == 403
    # The wizard is left open: ended, so that the next test may start its own.
    await temporal_env.client.get_workflow_handle(wizard).terminate()


async def test_a_refused_review_is_summarised_with_russian_subject_names(
        api, school: School, headers_for, database_url, temporal_env) -> None:
    # Nobody's Russian year mark: every pupil has a problem with «Русский язык».
    with session_scope(database_url) as session:
        session.execute(delete(gb.PeriodMark).where(
            gb.PeriodMark.subject_id == school.subjects["russian"]))
    secretary = headers_for(school.secretary)
    started = await api.post("/certificates/wizards", json={"school_class_id": school.class_id},
                             headers=secretary)
    wizard = started.json()["workflow_id"]
    await api.post(f"/certificates/wizards/{wizard}/choose-class", json={},
                   headers=secretary)
    refused = await api.post(f"/certificates/wizards/{wizard}/approve-review",
                             json={"confirm_warnings": True}, headers=secretary)

    assert refused.status_code == 409
    body = refused.json()
    assert len(body["message"]) < 400
    assert body["message"].startswith(
        "Проверку нельзя завершить: замечания у 3 из 3 обучающихся, всего 3 (у каждого по 1)."
        " По предметам: Русский язык — 3.")
    assert [f["message"] for f in body["fields"]] == [
        f"{who}: нет годовой отметки по предмету «Русский язык»"
        for who in ("Антонова Анна", "Борисов Борис", "Ёлкина Алёна")]
    assert not any(code in body["message"] for code in ("russian", "physical_education"))
    await temporal_env.client.get_workflow_handle(wizard).terminate()


async def test_a_mark_found_wrong_after_issue_is_approved_then_duplicated(
        api, school: School, headers_for, database_url) -> None:
    ids = _issue_class(database_url, school)
    secretary, deputy = headers_for(school.secretary), headers_for(school.deputy)
    boris = ids[1]
    reported = await api.post(f"/certificates/{boris}/mark-issues", headers=secretary,
                              json={"line_code": "physics",
                                    "description": "Годовая по физике 5, в аттестате 4"})
    assert reported.status_code == 201, reported.text
    issue = reported.json()
    assert issue["after_issue"] and issue["status"] == "open"

    without = await api.post(f"/certificates/mark-issues/{issue['id']}/answer",
                             headers=deputy, json={"corrected": True, "resolution": "Да"})
    assert without.status_code == 422
    assert without.json()["fields"][0]["field"] == "corrected_inputs"
    not_an_input = await api.post(
        f"/certificates/mark-issues/{issue['id']}/answer", headers=deputy,
        json={"corrected": True, "resolution": "Да", "corrected_inputs": [
            {"subject": "physics", "grade": 8, "period": "year", "value": 5}]})
    assert not_an_input.status_code == 422
    assert "не входит в расчёт" in not_an_input.json()["message"]
    approved = await api.post(
        f"/certificates/mark-issues/{issue['id']}/answer", headers=deputy,
        json={"corrected": True, "resolution": "Протокол педсовета № 1",
              "corrected_inputs": [{"subject": "physics", "grade": 9, "period": "year",
                                    "value": 5}]})
    assert approved.status_code == 200, approved.text
    assert approved.json()["corrected_inputs"][0]["value"] == 5

    started = await api.post(f"/certificates/{boris}/duplicates", headers=secretary)
    wizard = started.json()["workflow_id"]
    typed = await api.post(f"/certificates/wizards/{wizard}/duplicate", headers=secretary,
                           json={"ground": "error_after_issue", "disposition": "exchanged",
                                 "reason": "Заявление", "corrections": [
                                     {"line_code": "physics", "value": 5}]})
    # The secretary cannot type a mark into a duplicate.
    assert typed.status_code == 422
    assert typed.json()["fields"][0]["field"] == "corrections"
    view = await api.post(f"/certificates/wizards/{wizard}/duplicate", headers=secretary,
                          json={"ground": "error_after_issue", "disposition": "exchanged",
                                "reason": "Заявление от 01.09.2026",
                                "issue_ids": [issue["id"]]})
    assert view.status_code == 200, view.text
    [duplicate] = view.json()["details"]
    physics = next(line for line in duplicate["lines"] if line["code"] == "physics")
    assert (physics["value"], physics["exact"]) == (5, "9/2")
    assert duplicate["marks_version"] == 2
    again = await api.post(f"/certificates/mark-issues/{issue['id']}/answer", headers=deputy,
                           json={"corrected": False, "resolution": "Нет"})
    assert again.status_code == 409

"""The secretaries' API end to end on the dev server: their school only, steps in turn,
fields named, PDFs and the ФРДО file downloadable, the book and the blank reconciliation."""

from __future__ import annotations

import asyncio
import io
import zipfile
from datetime import date

from openpyxl import Workbook, load_workbook
from pypdf import PdfReader

from tests.certificates.frdo_template import official_frdo_template
from tests.certificates.pdf_text import expected_rows, supplement_rows
from tests.certificates.school import GRADUATION_YEAR, School
from tsos.db import certificates as cdb
from tsos.db.session import session_scope

ORDER = {"order_number": "45-у", "order_date": "2026-06-24", "handed_over_on": "2026-06-26"}
DATA = "Шаблон"


async def _step(api, wizard: str, name: str, headers, **body):  # type: ignore[no-untyped-def]
    answer = await api.post(f"/certificates/wizards/{wizard}/{name}", json=body,
                            headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


async def _until(api, wizard: str, headers, step: str) -> dict:  # type: ignore[no-untyped-def]
    for _ in range(300):
        progress = (await api.get(f"/certificates/wizards/{wizard}/progress",
                                  headers=headers)).json()
        if progress["step"] == step:
            return progress
        await asyncio.sleep(0.1)
    raise AssertionError(f"wizard did not reach {step}: {progress}")


def _validations(workbook: Workbook) -> set[tuple[object, ...]]:
    return {(str(dv.sqref), dv.type, dv.formula1)
            for dv in workbook[DATA].data_validations.dataValidation}


async def test_secretary_runs_the_class_through_the_api(api, school: School, headers_for,
                                                        database_url) -> None:
    secretary = headers_for(school.secretary)
    stranger = headers_for(school.other_secretary)
    deputy = headers_for(school.deputy)

    refused = await api.post("/certificates/wizards", json={"school_class_id": school.class_id},
                             headers=stranger)
    assert refused.status_code == 403
    started = await api.post("/certificates/wizards", json={"school_class_id": school.class_id},
                             headers=secretary)
    assert started.status_code == 201, started.text
    wizard = started.json()["workflow_id"]
    assert started.json()["step"] == "choose_class"
    again = await api.post("/certificates/wizards", json={"school_class_id": school.class_id},
                           headers=secretary)
    assert again.status_code == 409
    assert (await api.get(f"/certificates/wizards/{wizard}", headers=stranger)).status_code == 403

    view = await _step(api, wizard, "choose-class", secretary)
    assert view["step"] == "review"
    anna = next(d for d in view["details"] if d["surname"] == "Антонова")
    assert anna["kind"] == "basic_honours"
    assert {line["title"]: line["printed"] for line in anna["lines"]}["Математика"] == \
        "5 (отлично)"
    assert any("с отличием" in reason for reason in anna["explanation"])

    early = await api.post(f"/certificates/wizards/{wizard}/form", json={}, headers=secretary)
    assert early.status_code == 409
    assert "Проверка итоговых отметок" in early.json()["message"]
    as_deputy = await api.post(f"/certificates/wizards/{wizard}/approve-review", json={},
                               headers=deputy)
    assert as_deputy.status_code == 403

    await _step(api, wizard, "approve-review", secretary, confirm_warnings=True)
    await _step(api, wizard, "form", secretary)
    await _step(api, wizard, "assign-blanks", secretary)
    missing = await api.post(f"/certificates/wizards/{wizard}/render",
                             json={"issue_date": "2026-06-25"}, headers=secretary)
    assert missing.status_code == 422
    assert missing.json()["fields"][0]["field"] == "head_name"
    await _step(api, wizard, "render", secretary, issue_date="2026-06-25",
                head_name="И. И. Директорова")
    progress = await _until(api, wizard, secretary, "confirm_print")
    assert progress == {"step": "confirm_print", "total": 3, "done": 3, "failed": 0,
                        "finished": True, "problems": {}}

    view = (await api.get(f"/certificates/wizards/{wizard}", headers=secretary)).json()
    ids = {d["surname"]: d["certificate_id"] for d in view["details"]}
    single = await api.get(f"/certificates/{ids['Ёлкина']}/pdf", headers=secretary)
    assert single.status_code == 200 and single.headers["content-type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(single.content)).pages)
    # Ёлкина: (4 + 3) / 2 = 3.5 → 4 in informatics, half up; «Ё» kept as in the passport.
    assert "Ёлкина" in text and "Алёна" in text and "Информатика" in text
    # The supplement says exactly the stored final marks, line by line.
    with session_scope(database_url) as session:
        row = session.get(cdb.Certificate, ids["Ёлкина"])
        marks = session.get(cdb.FinalMarksVersion, row.final_marks_id).marks
    assert supplement_rows(single.content, "И. И. Директорова") == expected_rows(marks)
    assert "Информатика 4 (хорошо)" in expected_rows(marks)
    assert (await api.get(f"/certificates/{ids['Ёлкина']}/pdf",
                          headers=stranger)).status_code == 403
    archive = await api.get(f"/certificates/wizards/{wizard}/pdfs.zip", headers=secretary)
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 3

    await _step(api, wizard, "confirm-printed", secretary)
    no_method = await api.post(f"/certificates/wizards/{wizard}/issue",
                               json={"certificate_id": ids["Антонова"], **ORDER},
                               headers=secretary)
    assert no_method.status_code == 422 and no_method.json()["fields"][0]["field"] == "method"
    for certificate_id in ids.values():
        view = await _step(api, wizard, "issue", secretary, certificate_id=certificate_id,
                           method="in_person", **ORDER)
    assert view["step"] == "export"
    view = await _step(api, wizard, "export", secretary)
    assert view["step"] == "done"

    [export] = (await api.get("/certificates/frdo-exports", headers=secretary)).json()
    assert sorted(export["certificate_ids"]) == sorted(ids.values())
    official = load_workbook(official_frdo_template())
    assert export["from_official_template"]
    xlsx = await api.get(f"/certificates/frdo-exports/{export['id']}/file", headers=secretary)
    ours = load_workbook(io.BytesIO(xlsx.content))
    assert ours.sheetnames == official.sheetnames
    assert [c.value for c in ours[DATA][1]] == [c.value for c in official[DATA][1]]
    assert _validations(ours) == _validations(official)
    assert set(ours.defined_names) == set(official.defined_names)
    rows = {r[14].value: r for r in ours[DATA].iter_rows(min_row=2, max_row=4)}
    anna_row = rows["Антонова"]
    assert anna_row[1].value == "Аттестат об основном общем образовании с отличием"
    assert anna_row[8].value == "09202000000001" and anna_row[8].number_format == "@"
    assert anna_row[9].value.date() == date(2026, 6, 25)
    assert rows["Борисов"][16].value == "Нет"

    book = await api.get("/certificates/registration-book.xlsx",
                         params={"level": "basic", "year": date.today().year},
                         headers=secretary)
    assert book.status_code == 200
    sheet = load_workbook(io.BytesIO(book.content)).active
    assert sheet.max_row == 3 + 3
    pdf_book = await api.get("/certificates/registration-book.pdf",
                             params={"level": "basic", "year": date.today().year},
                             headers=secretary)
    assert "Ёлкина" in PdfReader(io.BytesIO(pdf_book.content)).pages[0].extract_text()

    report = (await api.get("/certificates/blanks/reconciliation", headers=secretary)).json()
    assert report["balanced"]
    assert (report["totals"]["received"], report["totals"]["issued"],
            report["totals"]["in_stock"]) == (30, 6, 24)


async def test_exam_results_import_and_blank_receipts_name_their_errors(
        api, school: School, headers_for) -> None:
    secretary = headers_for(school.secretary)
    pupil = school.pupils[0]
    csv_text = (
        "Код ученика;Предмет;Форма;Отметка;Первичный балл;Минимальный балл;Пересдача\n"
        f"{pupil};Русский язык;ОГЭ;4;30;15;нет\n"
        f"{pupil};Химия;ОГЭ;7;;;нет\n"
        "999999;Физика;ОГЭ;5;;;нет\n"
    )
    answer = await api.post("/certificates/exam-results/import", headers=secretary,
                            data={"graduation_year": str(GRADUATION_YEAR)},
                            files={"file": ("results.csv", csv_text.encode(), "text/csv")})
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert (report["imported"], report["replaced"]) == (1, 1)
    assert any(e.startswith("Строка 3") and "вне шкалы" in e for e in report["errors"])
    assert any("999999" in e for e in report["errors"])

    workbook = Workbook()
    workbook.active.append(["Код ученика", "Предмет", "Форма", "Тестовый балл",
                            "Дата экзамена"])
    workbook.active.append([pupil, "Русский язык", "ЕГЭ", 81, date(2026, 5, 29)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    answer = await api.post("/certificates/exam-results/import", headers=secretary,
                            data={"graduation_year": str(GRADUATION_YEAR)},
                            files={"file": ("results.xlsx", buffer.getvalue(),
                                            "application/octet-stream")})
    assert answer.json()["imported"] == 1, answer.text

    bad = await api.post("/certificates/blanks/receipts", headers=secretary, json={
        "kind": "basic", "first_number": "0920100000020", "last_number": "09201000000210",
        "received_on": "2026-05-20"})
    assert bad.status_code == 422
    assert bad.json()["fields"][0]["field"] == "first_number"
    twice = await api.post("/certificates/blanks/receipts", headers=secretary, json={
        "kind": "basic", "first_number": "09201000000105", "last_number": "09201000000120",
        "received_on": "2026-05-20"})
    assert twice.status_code == 422 and "уже оприходованы" in twice.json()["message"]
    fine = await api.post("/certificates/blanks/receipts", headers=secretary, json={
        "kind": "basic", "first_number": "09201000000201", "last_number": "09201000000210",
        "received_on": "2026-05-20", "document": "Накладная № 18"})
    assert fine.status_code == 201 and fine.json()["quantity"] == 10
    stranger = await api.post("/certificates/blanks/receipts",
                              headers=headers_for(school.teacher), json={
                                  "kind": "basic", "first_number": "09201000000301",
                                  "last_number": "09201000000302", "received_on": "2026-05-20"})
    assert stranger.status_code == 403


async def test_a_wrong_mark_goes_to_the_deputy_head_and_the_finals_follow(
        api, school: School, headers_for, database_url) -> None:
    from domain.gradebook.audit import Actor
    from domain.gradebook.marks import MarkValue
    from tests.certificates.school import moment
    from tsos.db.session import session_scope
    from tsos.gradebook import term_marks
    from tsos.gradebook.context import WriteContext

    secretary, deputy = headers_for(school.secretary), headers_for(school.deputy)
    started = await api.post("/certificates/wizards", json={"school_class_id": school.class_id},
                             headers=secretary)
    wizard = started.json()["workflow_id"]
    assert [p["surname"] for p in started.json()["roster"]] == ["Антонова", "Борисов",
                                                                "Ёлкина"]
    view = await _step(api, wizard, "choose-class", secretary)
    boris = next(d for d in view["details"] if d["surname"] == "Борисов")
    view = await _step(api, wizard, "report-issue", secretary,
                       certificate_id=boris["certificate_id"], line_code="physics",
                       description="Годовая по физике 4, в журнале 3")
    assert view["step"] == "awaiting_corrections"
    [issue] = (await api.get("/certificates/mark-issues", headers=deputy)).json()
    refused = await api.post(f"/certificates/mark-issues/{issue['id']}/answer",
                             json={"corrected": True, "resolution": "Исправлено"},
                             headers=secretary)
    assert refused.status_code == 403

    with session_scope(database_url) as session:
        ctx = WriteContext(session, Actor(school.deputy, "deputy_head"),
                           moment(date(2026, 6, 22)), school.org_id)
        term_marks.override(ctx, school.year_marks[(school.pupils[1], "physics")],
                            MarkValue.of(4), "Описка в годовой отметке")
    answered = await api.post(f"/certificates/mark-issues/{issue['id']}/answer",
                              json={"corrected": True,
                                    "resolution": "Годовая отметка исправлена на «4»"},
                              headers=deputy)
    assert answered.status_code == 200 and answered.json()["status"] == "corrected"
    for _ in range(100):
        view = (await api.get(f"/certificates/wizards/{wizard}", headers=secretary)).json()
        if view["step"] == "review":
            break
        await asyncio.sleep(0.1)
    boris = next(d for d in view["details"] if d["surname"] == "Борисов")
    assert view["step"] == "review" and boris["marks_version"] == 2
    physics = next(line for line in boris["lines"] if line["code"] == "physics")
    assert physics["exact"] == "4/1" and physics["printed"] == "4 (хорошо)"
    assert [i["status"] for i in boris["issues"]] == ["corrected"]

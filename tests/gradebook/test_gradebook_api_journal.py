"""The journal through the API: entry, 409 refusals, term marks via the workflow, reports,
exports, corrections."""

from __future__ import annotations

import asyncio
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from openpyxl import Workbook, load_workbook
from pypdf import PdfReader
from sqlalchemy import func, select
from temporalio.worker import Worker

from activities import context
from activities.gradebook import GRADEBOOK_ACTIVITIES
from tests.gradebook.school import lesson
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import homework_files
from workflows import task_queues
from workflows.gradebook import GRADEBOOK_WORKFLOWS
from workflows.gradebook.ids import grading_workflow_id
from workflows.gradebook.messages import GradingInput
from workflows.gradebook.term_grading import TermGradingWorkflow

pytestmark = pytest.mark.asyncio

Q1 = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22), date(2025, 10, 6)]
Q1_PARAMS = {"start": "2025-09-01", "end": "2025-10-26"}


@pytest.fixture
def q1_lessons(database_url, school) -> list[int]:  # type: ignore[no-untyped-def]
    with session_scope(database_url) as session:
        ids = [lesson(session, school, day) for day in Q1]
        # A planned and a cancelled lesson: in the grid, never in a denominator.
        lesson(session, school, date(2025, 10, 13), status="planned")
        lesson(session, school, date(2025, 10, 20), status="cancelled")
        return ids


async def _fill_q1(api, school, headers, lessons) -> None:  # type: ignore[no-untyped-def]
    teacher = headers(school.teacher)
    values = [["5", "4", "3", "5"], ["4", "4", "4", "2"], ["5", "5", "4", "5"]]
    kinds = ["classwork", "classwork", "test_work", "control_work"]
    for lesson_id, column, kind in zip(lessons, zip(*values, strict=True), kinds, strict=True):
        response = await api.post(f"/gradebook/lessons/{lesson_id}/marks/bulk", json={
            "marks": [{"pupil_id": school.pupils[i], "value": v, "kind": kind}
                      for i, v in enumerate(column)]}, headers=teacher)
        assert response.status_code == 201, response.text
    # Pupil 3 (with two marks) was absent twice, once excused.
    for lesson_id, excused in ((lessons[0], True), (lessons[1], False)):
        response = await api.put(f"/gradebook/lessons/{lesson_id}/attendance", json={
            "entries": [{"pupil_id": school.pupils[3], "presence": "absent",
                         "reason": "illness" if excused else None, "excused": excused}]},
            headers=teacher)
        assert response.json() == {"changed": 1}
    for lesson_id in lessons[2:]:
        await api.post(f"/gradebook/lessons/{lesson_id}/marks", json={
            "pupil_id": school.pupils[3], "value": "4"}, headers=teacher)


async def test_journal_entry_reports_and_exports(gradebook_api, school, headers,
                                                 q1_lessons) -> None:
    await _fill_q1(gradebook_api, school, headers, q1_lessons)
    teacher = headers(school.teacher)
    seven = await gradebook_api.post(f"/gradebook/lessons/{q1_lessons[0]}/marks/bulk", json={
        "marks": [{"pupil_id": school.pupils[0], "value": "7"}]}, headers=teacher)
    assert seven.status_code == 422
    assert seven.json()["fields"] == [{"field": "marks.0.value", "name": "отметка",
                                       "message": "Недопустимая отметка «7»: допустимы 2, "
                                                  "3, 4, 5"}]
    assert seven.json()["message"].startswith("Ошибка в поле «отметка»")
    loads = (await gradebook_api.get("/gradebook/my/loads", headers=teacher)).json()
    assert [(x["class_name"], x["subject_name"]) for x in loads] == [("7Б", "Алгебра")]
    patched = await gradebook_api.patch(f"/gradebook/lessons/{q1_lessons[0]}", json={
        "topic": "Линейные уравнения", "homework": "№ 12, 14",
        "homework_links": ["https://example.org/task/12"]}, headers=teacher)
    assert patched.json()["topic"] == "Линейные уравнения"

    grid = (await gradebook_api.get(f"/gradebook/classes/{school.class_id}/journal", params={
        "subject_id": school.algebra_id, **Q1_PARAMS}, headers=teacher)).json()
    assert [x["status"] for x in grid["lessons"]] == ["held"] * 4 + ["planned", "cancelled"]
    first = next(p for p in grid["pupils"] if p["pupil_id"] == school.pupils[0])
    # (5 + 4 + 3×1,5 + 5×2) / 5,5 = 23,5 / 5,5 = 47/11 = 4,2727… shown cut: «4,27».
    assert (first["average"], first["average_exact"]) == ("4,27", "47/11")
    absent = next(p for p in grid["pupils"] if p["pupil_id"] == school.pupils[3])
    assert absent["attendance"][str(q1_lessons[0])]["excused"] is True

    attendance = (await gradebook_api.get(
        f"/gradebook/classes/{school.class_id}/reports/attendance",
        params={"subject_id": school.algebra_id, **Q1_PARAMS}, headers=teacher)).json()
    assert (attendance["held_lessons"], attendance["not_held_lessons"]) == (4, 2)
    # Four pupils × four held lessons; two absences.
    assert attendance["pupil_lessons"] == 16
    assert attendance["absences"] == {"count": 2, "denominator": 16, "percent": "12,5 %"}
    row = next(p for p in attendance["pupils"] if p["pupil_id"] == school.pupils[3])
    assert row["attended"] == {"count": 2, "denominator": 4, "percent": "50,0 %"}

    performance = (await gradebook_api.get(
        f"/gradebook/classes/{school.class_id}/reports/performance",
        params={"subject_id": school.algebra_id, **Q1_PARAMS}, headers=teacher)).json()
    assert (performance["held_lessons"], performance["pupils_on_roster"],
            performance["pupils_with_marks"]) == (4, 4, 4)
    assert performance["class_average_over"] == "учеников с отметками: 4 из 4"

    xlsx = await gradebook_api.get(f"/gradebook/classes/{school.class_id}/journal.xlsx",
                                   params={"subject_id": school.algebra_id, **Q1_PARAMS},
                                   headers=teacher)
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    rows = [[cell.value for cell in r] for r in sheet.iter_rows(min_row=3, max_row=6)]
    assert rows[0][1] == "Антонов Артём" and rows[0][2:6] == ["5", "4", "3", "5"]
    assert rows[3][2] == "н" and rows[0][-2] == "4,27"
    pdf = await gradebook_api.get(f"/gradebook/classes/{school.class_id}/journal.pdf",
                                  params={"subject_id": school.algebra_id, **Q1_PARAMS},
                                  headers=teacher)
    text = PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    assert "Журнал 7Б класса" in text and "Линейные уравнения" in text


async def test_term_marks_through_the_running_workflow_then_409_and_correction(
        gradebook_api, temporal_env, school, headers, q1_lessons, settings, database_url,
        queue_names, activity_executor) -> None:
    await _fill_q1(gradebook_api, school, headers, q1_lessons)
    context.configure(settings, database_url)
    queue = queue_names[task_queues.MAIN]
    workflow_id = grading_workflow_id(school.org_code, school.year_id, school.quarter_ids[0])
    inp = GradingInput(organization_id=school.org_id, organization_code=school.org_code,
                       school_year_id=school.year_id, term_id=school.quarter_ids[0],
                       title="1 четверть", time_zone="Europe/Simferopol",
                       teacher_deadline=datetime.now(UTC) + timedelta(days=3))
    teacher, other, deputy = (headers(school.teacher), headers(school.other_teacher),
                              headers(school.deputy))
    async with Worker(temporal_env.client, task_queue=queue, workflows=GRADEBOOK_WORKFLOWS,
                      activities=GRADEBOOK_ACTIVITIES, activity_executor=activity_executor):
        handle = await temporal_env.client.start_workflow(
            TermGradingWorkflow.run, inp, id=f"{workflow_id}", task_queue=queue,
            id_conflict_policy=_terminate_existing())
        try:
            await _wait_phase(handle, "teachers")
            marks = (await gradebook_api.get(
                f"/gradebook/classes/{school.class_id}/period-marks",
                params={"subject_id": school.algebra_id,
                        "term_id": school.quarter_ids[0]}, headers=teacher)).json()
            # 23,5/5,5 ≈ 4,27 → «4»; 18/5,5 ≈ 3,27 → «3»; 26/5,5 ≈ 4,73 → «5»; two marks → «н/а».
            assert [m["value"] for m in marks] == ["4", "3", "5", "н/а"]
            ids = [m["id"] for m in marks]

            refused = await gradebook_api.post("/gradebook/period-marks/decisions", json={
                "period_mark_ids": ids, "action": "confirm"}, headers=other)
            assert refused.status_code == 403
            decided = await gradebook_api.post("/gradebook/period-marks/decisions", json={
                "period_mark_ids": ids[:3], "action": "confirm"}, headers=teacher)
            assert decided.status_code == 200, decided.text
            assert decided.json()["via_workflow"] == workflow_id
            assert [m["status"] for m in decided.json()["marks"]] == ["confirmed"] * 3
            same = await gradebook_api.post("/gradebook/period-marks/decisions", json={
                "period_mark_ids": ids[:1], "action": "confirm"}, headers=teacher)
            assert (same.status_code, same.json()["error"]) == (409, "state_conflict")
            await gradebook_api.post("/gradebook/period-marks/decisions", json={
                "period_mark_ids": ids[3:], "action": "override", "value": "4",
                "reason": "Сдал зачёт по пропущенным темам"}, headers=teacher)
            history = (await gradebook_api.get(
                f"/gradebook/classes/{school.class_id}/period-marks",
                params={"subject_id": school.history_id,
                        "term_id": school.quarter_ids[0]}, headers=other)).json()
            last = await gradebook_api.post("/gradebook/period-marks/decisions", json={
                "period_mark_ids": [m["id"] for m in history], "action": "confirm"},
                headers=other)
            assert last.json()["pending_in_school"] == 0
            view = await asyncio.wait_for(handle.result(), timeout=30)
            assert view.phase == "locked"
        finally:
            if (await handle.describe()).status is not None:
                try:
                    await handle.terminate("test finished")
                except Exception:
                    pass

    # The term is closed: the API answers 409 with the reason, and the refusal is audited.
    change = await gradebook_api.post(f"/gradebook/lessons/{q1_lessons[0]}/marks", json={
        "pupil_id": school.pupils[0], "value": "2"}, headers=teacher)
    assert change.status_code == 409
    assert change.json()["error"] == "term_locked"
    assert "закрыт" in change.json()["message"]
    # Nor does it take a new lesson, which would change its held lessons.
    added = await gradebook_api.post(f"/gradebook/classes/{school.class_id}/lessons", json={
        "subject_id": school.algebra_id, "date": "2025-10-08", "status": "held"},
        headers=teacher)
    assert (added.status_code, added.json()["error"]) == (409, "term_locked")
    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.outcome == "refused",
            db.GradebookAuditEvent.actor_user_id == school.teacher)) == 2
        assert session.scalar(select(func.count()).select_from(db.Lesson).where(
            db.Lesson.lesson_date == date(2025, 10, 8))) == 0
        mark_id = session.scalar(select(db.Mark.id).where(
            db.Mark.lesson_id == q1_lessons[3], db.Mark.pupil_id == school.pupils[1]))

    request = await gradebook_api.post("/gradebook/corrections", json={
        "lesson_id": q1_lessons[3], "target": "mark", "mark_id": mark_id, "value": "4",
        "reason": "Неверно внесена отметка за контрольную"}, headers=teacher)
    assert request.status_code == 201, request.text
    approved = await gradebook_api.post(
        f"/gradebook/corrections/{request.json()['id']}/approve",
        json={"comment": "Сверено с работой"}, headers=deputy)
    assert approved.json()["status"] == "applied"
    marks = (await gradebook_api.get(
        f"/gradebook/classes/{school.class_id}/period-marks",
        params={"subject_id": school.algebra_id, "term_id": school.quarter_ids[0]},
        headers=teacher)).json()
    second = next(m for m in marks if m["pupil_id"] == school.pupils[1])
    # (4 + 4 + 6 + 8) / 5,5 = 4 exactly → «4»: recomputed after approval, and flagged.
    assert second["value"] == "4" and second["status"] == "confirmed"
    assert second["recompute_flag"]["previous"] == "3"

    diary = (await gradebook_api.get(f"/gradebook/diary/{school.pupils[1]}", params={
        "start": "2025-09-01", "end": "2025-10-31"}, headers=headers(school.pupil_user))).json()
    algebra = next(s for s in diary["subjects"] if s["subject_id"] == school.algebra_id)
    [term_mark] = algebra["period_marks"]
    derivation = (await gradebook_api.get(
        f"/gradebook/diary/{school.pupils[1]}/period-marks/{term_mark['id']}",
        headers=headers(school.pupil_user))).json()
    assert derivation["policy_version"] == 1
    assert "Средневзвешенное" in derivation["formula"]
    assert [line["weight"] for line in derivation["lines"]] == ["1", "1", "1.5", "2"]


def _terminate_existing():  # type: ignore[no-untyped-def]
    from temporalio.common import WorkflowIDConflictPolicy

    return WorkflowIDConflictPolicy.TERMINATE_EXISTING


async def _wait_phase(handle, wanted: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(300):
        view = await handle.query(TermGradingWorkflow.view)
        if view.phase == wanted:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"phase {view.phase}, wanted {wanted}")


async def test_homework_files_are_checked_kept_and_read_by_whom_the_lesson_concerns(
        gradebook_api, database_url, school, headers, q1_lessons) -> None:
    teacher = headers(school.teacher)
    url = f"/gradebook/lessons/{q1_lessons[0]}/files"
    book = io.BytesIO()
    workbook = Workbook()
    workbook.active.append(["Задача", "Ответ"])
    workbook.save(book)
    pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    accepted = {}
    for name, content in (("задачи.pdf", pdf), ("../../таблица ответов.xlsx", book.getvalue()),
                          ("план.txt", "Повторить § 12".encode())):
        reply = await gradebook_api.post(url, files={"file": (name, content)}, headers=teacher)
        assert reply.status_code == 201, reply.text
        accepted[reply.json()["name"]] = reply.json()
    assert accepted["таблица ответов.xlsx"]["content_type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert accepted["задачи.pdf"]["content_type"] == "application/pdf"

    # The declared type proves nothing: a page of HTML named .pdf is refused.
    page = await gradebook_api.post(url, files={"file": ("задание.pdf", b"<html><script>",
                                                         "application/pdf")}, headers=teacher)
    assert (page.status_code, page.json()["error"]) == (422, "file_refused")
    big = await gradebook_api.post(url, files={"file": ("большой.pdf", pdf + b"0" * (
        homework_files.MAX_BYTES))}, headers=teacher)
    assert big.status_code == 413 and "10 МБ" in big.json()["message"]
    stranger = await gradebook_api.post(url, files={"file": ("x.pdf", pdf)},
                                        headers=headers(school.other_teacher))
    assert stranger.status_code == 403

    diary = (await gradebook_api.get(f"/gradebook/diary/{school.pupils[0]}", params={
        "start": "2025-09-08", "end": "2025-09-08"}, headers=headers(school.guardian))).json()
    [day] = diary["lessons"]
    assert sorted(f["name"] for f in day["homework_files"]) == sorted(accepted)
    file_id = accepted["задачи.pdf"]["id"]
    download = f"{url}/{file_id}"
    for who, status in ((school.guardian, 200), (school.pupil_user, 200),
                        (school.teacher, 200), (school.other_school_teacher, 403)):
        got = await gradebook_api.get(download, headers=headers(who))
        assert got.status_code == status, who
    got = await gradebook_api.get(download, headers=headers(school.guardian))
    assert got.content == pdf and got.headers["content-type"] == "application/pdf"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert "attachment" in got.headers["content-disposition"]

    # A lesson of another class: its files are not for this family.
    with session_scope(database_url) as session:
        other = lesson(session, school, date(2025, 9, 9), class_id=school.other_class_id)
    other_file = await gradebook_api.post(f"/gradebook/lessons/{other}/files",
                                          files={"file": ("x.pdf", pdf)},
                                          headers=headers(school.other_teacher))
    assert other_file.status_code == 201
    foreign = await gradebook_api.get(
        f"/gradebook/lessons/{other}/files/{other_file.json()['id']}",
        headers=headers(school.guardian))
    assert foreign.status_code == 403

    removed = await gradebook_api.delete(download, headers=teacher)
    assert removed.status_code == 204
    with session_scope(database_url) as session:
        actions = session.scalars(select(db.GradebookAuditEvent.action).where(
            db.GradebookAuditEvent.object_kind == "lesson",
            db.GradebookAuditEvent.object_id == q1_lessons[0])).all()
        assert sorted(actions) == ["attach_file"] * 3 + ["detach_file"]

"""Remarks to guardians: who writes them, whose diary shows them, and their audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.gradebook.school import _user, lesson
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import structure

pytestmark = pytest.mark.asyncio

DAY = date(2025, 9, 10)
WEEK = {"start": "2025-09-08", "end": "2025-09-14"}


async def test_remarks_are_written_by_the_class_staff_only(gradebook_api, database_url,
                                                           school, headers) -> None:
    child = school.pupils[0]
    with session_scope(database_url) as session:
        # A teacher of the same school who teaches nothing in 7Б.
        stranger = _user(session, "teacher", school.org_id)
        structure.ensure_teacher(session, school.org_id, stranger)
    remark = {"text": "Не выполнил домашнее задание", "date": DAY.isoformat()}
    expected = {
        "teacher of 7Б algebra": (school.teacher, 201),
        "teacher of 7Б history": (school.other_teacher, 201),
        "deputy head": (school.deputy, 201),
        "head": (school.head, 201),
        "teacher of the school outside 7Б": (stranger, 403),
        "teacher of another school": (school.other_school_teacher, 403),
        "guardian of the child": (school.guardian, 403),
        "a pupil": (school.pupil_user, 403),
    }
    for who, (user, status) in expected.items():
        answer = await gradebook_api.post(f"/gradebook/pupils/{child}/remarks", json=remark,
                                          headers=headers(user))
        assert answer.status_code == status, (who, answer.text)
        if status == 403:
            assert answer.json()["error"] == "forbidden", who

    empty = await gradebook_api.post(f"/gradebook/pupils/{child}/remarks",
                                     json={"text": "   ", "date": DAY.isoformat()},
                                     headers=headers(school.teacher))
    assert (empty.status_code, empty.json()["message"]) == (422, "Текст замечания пуст")

    with session_scope(database_url) as session:
        authors = sorted(session.scalars(select(db.Remark.author_user_id).where(
            db.Remark.pupil_id == child)))
    assert authors == sorted([school.teacher, school.other_teacher, school.deputy,
                              school.head])


async def test_a_remark_shows_in_its_own_childs_diary_only(gradebook_api, database_url,
                                                           school, headers) -> None:
    child, other_child = school.pupils[0], school.pupils[1]
    with session_scope(database_url) as session:
        algebra_lesson = lesson(session, school, DAY)
    teacher = headers(school.teacher)
    to_child = await gradebook_api.post(f"/gradebook/pupils/{child}/remarks", json={
        "text": "Разговаривал на уроке", "date": DAY.isoformat(),
        "lesson_id": algebra_lesson}, headers=teacher)
    assert to_child.status_code == 201, to_child.text
    to_other = await gradebook_api.post(f"/gradebook/pupils/{other_child}/remarks", json={
        "text": "Забыла тетрадь", "date": DAY.isoformat()}, headers=teacher)
    assert to_other.status_code == 201, to_other.text

    def remarks(body: dict) -> list[tuple[str, str | None]]:  # type: ignore[type-arg]
        return [(r["text"], r["subject_name"]) for r in body["remarks"]]

    guardian = await gradebook_api.get(f"/gradebook/diary/{child}", params=WEEK,
                                       headers=headers(school.guardian))
    assert guardian.status_code == 200, guardian.text
    # The lesson names the subject.
    assert remarks(guardian.json()) == [("Разговаривал на уроке", "Алгебра")]
    pupil = await gradebook_api.get(f"/gradebook/diary/{other_child}", params=WEEK,
                                    headers=headers(school.pupil_user))
    assert pupil.status_code == 200, pupil.text
    assert remarks(pupil.json()) == [("Забыла тетрадь", None)]

    # Neither reaches the other family's remarks.
    for user, not_theirs in ((school.guardian, other_child), (school.pupil_user, child)):
        refused = await gradebook_api.get(f"/gradebook/diary/{not_theirs}", params=WEEK,
                                          headers=headers(user))
        assert refused.status_code == 403
        assert "Разговаривал" not in refused.text and "тетрадь" not in refused.text

    # Outside the diary's window the remark is not shown.
    later = await gradebook_api.get(f"/gradebook/diary/{child}", params={
        "start": "2025-09-15", "end": "2025-09-21"}, headers=headers(school.guardian))
    assert later.json()["remarks"] == []

    # A remark tied to a lesson is for a pupil on that lesson's roster.
    with session_scope(database_url) as session:
        other_class_lesson = lesson(session, school, DAY, class_id=school.other_class_id,
                                    number=3)
    off_roster = await gradebook_api.post(f"/gradebook/pupils/{child}/remarks", json={
        "text": "Не тот класс", "date": DAY.isoformat(), "lesson_id": other_class_lesson},
        headers=headers(school.deputy))
    assert off_roster.status_code == 422, off_roster.text
    assert "не числится в списке урока" in off_roster.json()["message"]


async def test_a_remark_is_audited(gradebook_api, database_url, school, headers) -> None:
    child = school.pupils[0]
    answer = await gradebook_api.post(f"/gradebook/pupils/{child}/remarks", json={
        "text": "Опоздал без причины", "date": DAY.isoformat()},
        headers=headers(school.other_teacher))
    assert answer.status_code == 201, answer.text
    remark_id = answer.json()["id"]
    with session_scope(database_url) as session:
        event = session.scalar(select(db.GradebookAuditEvent).where(
            db.GradebookAuditEvent.object_kind == "remark",
            db.GradebookAuditEvent.object_id == remark_id))
        assert event is not None
        assert (event.action, event.actor_user_id, event.actor_role, event.cause_kind,
                event.organization_id, event.old_value) == (
            "create", school.other_teacher, "teacher", "user", school.org_id, None)
        # The new value is the remark as the guardians read it.
        assert event.new_value == {"pupil_id": child, "lesson_id": None, "subject_id": None,
                                   "date": DAY.isoformat(), "text": "Опоздал без причины"}

"""Who sees and writes which journal and diary: the matrix, through the real API."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain.gradebook.marks import MarkValue
from tests.gradebook.school import _user, give_marks, lesson, moment, writer
from tsos.db import gradebook as db
from tsos.db.models import AuditEvent, GuardianLink
from tsos.db.session import session_scope
from tsos.gradebook import structure, term_marks
from tsos.gradebook.context import WriteContext
from tsos.gradebook.journal import MarkEntry
from tsos.gradebook.term_marks import Period

pytestmark = pytest.mark.asyncio

DAY = date(2025, 9, 8)


@pytest.fixture
def region_admin(database_url, school) -> int:  # type: ignore[no-untyped-def]
    with session_scope(database_url) as session:
        return _user(session, "region_admin", None)


@pytest.fixture
def algebra_lesson(database_url, school) -> int:  # type: ignore[no-untyped-def]
    with session_scope(database_url) as session:
        return lesson(session, school, DAY)


async def test_journal_and_diary_matrix(gradebook_api, school, headers, region_admin,
                                        algebra_lesson) -> None:
    journal = f"/gradebook/classes/{school.class_id}/journal"
    algebra = {"subject_id": school.algebra_id, "start": "2025-09-01", "end": "2025-10-26"}
    history = {**algebra, "subject_id": school.history_id}
    child, other_child = school.pupils[0], school.pupils[1]
    # (user, reads 7Б algebra, reads 7Б history, writes 7Б algebra, diary of child,
    #  diary of other child)
    matrix = {
        "teacher of 7Б algebra": (school.teacher, 200, 403, 201, 200, 200),
        "teacher of 7Б history, 7А algebra": (school.other_teacher, 403, 200, 403, 200, 200),
        "teacher of another school": (school.other_school_teacher, 403, 403, 403, 403, 403),
        "deputy head": (school.deputy, 200, 200, 201, 200, 200),
        "head": (school.head, 200, 200, 201, 200, 200),
        "guardian of the child": (school.guardian, 403, 403, 403, 200, 403),
        "the other child himself": (school.pupil_user, 403, 403, 403, 403, 200),
        "region admin": (region_admin, 200, 200, 403, 200, 200),
    }
    for who, (user, read_algebra, read_history, write, diary, other_diary) in matrix.items():
        auth = headers(user)
        got = (
            (await gradebook_api.get(journal, params=algebra, headers=auth)).status_code,
            (await gradebook_api.get(journal, params=history, headers=auth)).status_code,
            (await gradebook_api.post(f"/gradebook/lessons/{algebra_lesson}/marks",
                                      json={"pupil_id": child, "value": "4"},
                                      headers=auth)).status_code,
            (await gradebook_api.get(f"/gradebook/diary/{child}", headers=auth)).status_code,
            (await gradebook_api.get(f"/gradebook/diary/{other_child}",
                                     headers=auth)).status_code,
        )
        assert got == (read_algebra, read_history, write, diary, other_diary), who

    refused = await gradebook_api.get(journal, params=algebra, headers=headers(school.guardian))
    body = refused.json()
    assert body["error"] == "forbidden" and body["fields"] == []

    # A family hears the same of a pupil who does not exist as of one who is not theirs.
    for user, not_theirs in ((school.guardian, other_child), (school.pupil_user, child)):
        missing = await gradebook_api.get("/gradebook/diary/999999", headers=headers(user))
        other = await gradebook_api.get(f"/gradebook/diary/{not_theirs}", headers=headers(user))
        assert (missing.status_code, missing.json()) == (other.status_code, other.json())
    staff = await gradebook_api.get("/gradebook/diary/999999", headers=headers(school.head))
    assert staff.status_code == 404

    # Path parameters are named in Russian too.
    wrong = await gradebook_api.get("/gradebook/classes/abc/journal", params=algebra,
                                    headers=headers(school.teacher))
    assert wrong.status_code == 422 and "«класс»" in wrong.json()["message"]


async def test_guardian_access_ends_when_the_link_is_corrected(gradebook_api, database_url,
                                                               school, headers) -> None:
    """The link named the wrong child: the deputy head revokes it and makes the right one;
    the guardian's very token loses the first diary and reaches the second."""
    child, right_child = school.pupils[0], school.pupils[1]
    diary = f"/gradebook/diary/{child}"
    guardian = headers(school.guardian)
    assert (await gradebook_api.get(diary, headers=guardian)).status_code == 200

    listed = await gradebook_api.get(f"/gradebook/pupils/{child}/guardian-links",
                                     headers=headers(school.deputy))
    assert listed.status_code == 200, listed.text
    [link] = listed.json()
    assert (link["kind_title"], link["active"]) == ("мать", True)
    correction = {"reason": "В заявлении указан другой ребёнок",
                  "replacement": {"child_pupil_id": right_child}}
    for outsider in (school.teacher, school.guardian, school.other_school_teacher):
        refused = await gradebook_api.post(f"/gradebook/guardian-links/{link['id']}/correction",
                                           json=correction, headers=headers(outsider))
        assert refused.status_code == 403, outsider

    corrected = await gradebook_api.post(f"/gradebook/guardian-links/{link['id']}/correction",
                                         json=correction, headers=headers(school.deputy))
    assert corrected.status_code == 200, corrected.text
    assert corrected.json()["revoked"]["active"] is False
    assert corrected.json()["corrected"]["child_person_id"] == school.pupil_persons[1]

    # The same token: the link is read on every request, not baked into the token.
    assert (await gradebook_api.get(diary, headers=guardian)).status_code == 403
    assert (await gradebook_api.get(f"/gradebook/diary/{right_child}",
                                    headers=guardian)).status_code == 200
    again = await gradebook_api.post(f"/gradebook/guardian-links/{link['id']}/correction",
                                     json={"reason": "повтор"}, headers=headers(school.deputy))
    assert again.status_code == 409

    with session_scope(database_url) as session:
        events = session.scalars(select(AuditEvent).where(
            AuditEvent.object_type == "guardian_link").order_by(AuditEvent.id)).all()
        assert [(e.action, e.actor_user_id, e.reason) for e in events] == [
            ("revoke", school.deputy, correction["reason"]),
            ("create", school.deputy, correction["reason"])]
        assert events[1].caused_by_event_id == events[0].id
        kept = session.scalars(select(GuardianLink).where(
            GuardianLink.guardian_person_id == link["guardian_person_id"])).all()
        assert sorted(row.revoked_at is None for row in kept) == [False, True]


async def test_unpublished_marks_stay_out_of_family_views(gradebook_api, school, headers,
                                                          algebra_lesson, database_url) -> None:
    with session_scope(database_url) as session:
        second = lesson(session, school, date(2025, 9, 15))
    child = school.pupils[0]
    teacher = headers(school.teacher)
    assert (await gradebook_api.post(f"/gradebook/lessons/{algebra_lesson}/marks", json={
        "pupil_id": child, "value": "5"}, headers=teacher)).status_code == 201
    held_back = await gradebook_api.post(f"/gradebook/lessons/{second}/marks/bulk", json={
        "marks": [{"pupil_id": child, "value": "2", "kind": "control_work",
                   "published": False}]}, headers=teacher)
    assert held_back.status_code == 201

    params = {"subject_id": school.algebra_id, "start": "2025-09-01", "end": "2025-10-26"}
    grid = (await gradebook_api.get(f"/gradebook/classes/{school.class_id}/journal",
                                    params=params, headers=teacher)).json()
    row = next(p for p in grid["pupils"] if p["pupil_id"] == child)
    assert row["average"] == "5,00"
    # (5 + 2×2) / 3 = 3: the teacher sees what the held-back control work will do.
    assert row["teacher_average"] == "3,00"
    assert [m["published"] for m in row["marks"][str(second)]] == [False]

    diary = (await gradebook_api.get(f"/gradebook/diary/{child}", params={
        "start": "2025-09-01", "end": "2025-09-30"}, headers=headers(school.guardian))).json()
    algebra = next(s for s in diary["subjects"] if s["subject_id"] == school.algebra_id)
    assert (algebra["average"], algebra["marks_count"]) == ("5,00", 1)
    shown = [m["value"] for lesson_ in diary["lessons"] for m in lesson_["marks"]]
    assert shown == ["5"]

    published = await gradebook_api.post(f"/gradebook/lessons/{second}/publication",
                                         json={"published": True}, headers=teacher)
    assert published.json() == {"changed": 1}
    diary = (await gradebook_api.get(f"/gradebook/diary/{child}", params={
        "start": "2025-09-01", "end": "2025-09-30"}, headers=headers(school.guardian))).json()
    algebra = next(s for s in diary["subjects"] if s["subject_id"] == school.algebra_id)
    assert algebra["average"] == "3,00"


async def test_a_sub_group_teacher_lists_and_decides_their_pupils_term_marks(
        gradebook_api, database_url, school, headers) -> None:
    """A load for a group only: its teacher reaches the term marks of the group's pupils."""
    with session_scope(database_url) as session:
        group = structure.create_study_group(session, school.class_id, "Алгебра, группа 2",
                                             school.algebra_id)
        for pupil_id in school.pupils[2:]:
            structure.enroll(session, school.class_id, pupil_id, date(2025, 9, 1), group.id)
        group_teacher = _user(session, "teacher", school.org_id)
        teacher_row = structure.ensure_teacher(session, school.org_id, group_teacher)
        structure.assign_load(session, teacher_row.id, school.algebra_id, school.class_id,
                              study_group_id=group.id)
        term_marks.propose(session, at=moment(date(2025, 10, 27)),
                           organization_id=school.org_id,
                           school_class=structure.get_class(session, school.class_id),
                           subject_id=school.algebra_id,
                           period=Period(school.year_id, school.quarter_ids[0]))

    params = {"subject_id": school.algebra_id, "term_id": school.quarter_ids[0]}
    listed = await gradebook_api.get(f"/gradebook/classes/{school.class_id}/period-marks",
                                     params=params, headers=headers(group_teacher))
    assert listed.status_code == 200, listed.text
    marks = {m["pupil_id"]: m["id"] for m in listed.json()}
    assert set(marks) == set(school.pupils[2:])

    confirmed = await gradebook_api.post("/gradebook/period-marks/decisions", json={
        "period_mark_ids": list(marks.values()), "action": "confirm"},
        headers=headers(group_teacher))
    assert confirmed.status_code == 200, confirmed.text
    assert [m["status"] for m in confirmed.json()["marks"]] == ["confirmed"] * 2

    whole = (await gradebook_api.get(f"/gradebook/classes/{school.class_id}/period-marks",
                                     params=params, headers=headers(school.teacher))).json()
    outside = [m["id"] for m in whole if m["pupil_id"] == school.pupils[0]]
    refused = await gradebook_api.post("/gradebook/period-marks/decisions", json={
        "period_mark_ids": outside, "action": "confirm"}, headers=headers(group_teacher))
    assert refused.status_code == 403
    # Another subject of the class stays closed to them.
    history = await gradebook_api.get(f"/gradebook/classes/{school.class_id}/period-marks",
                                      params={**params, "subject_id": school.history_id},
                                      headers=headers(group_teacher))
    assert history.status_code == 403


async def test_a_derivation_keeps_held_marks_from_families(gradebook_api, database_url,
                                                          school, headers) -> None:
    """How a term mark came about: families do not learn that marks are being held back."""
    child = school.pupils[0]
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(date(2025, 9, day), 5, "classwork")
                                        for day in (8, 15, 22)])
        held = lesson(session, school, date(2025, 10, 6))
        writer(session, school).add_marks(held, [MarkEntry(child, MarkValue.of(2),
                                                           "control_work", published=False)])
        term_marks.propose(session, at=moment(date(2025, 10, 27)),
                           organization_id=school.org_id,
                           school_class=structure.get_class(session, school.class_id),
                           subject_id=school.algebra_id,
                           period=Period(school.year_id, school.quarter_ids[0]))
        row = session.scalar(select(db.PeriodMark).where(db.PeriodMark.pupil_id == child,
                                                         db.PeriodMark.subject_id
                                                         == school.algebra_id))
        term_marks.confirm(WriteContext(session, school.teacher_actor,
                                        moment(date(2025, 10, 27)), school.org_id), row.id)
        mark_id = row.id

    path = f"/gradebook/diary/{child}/period-marks/{mark_id}"
    family = await gradebook_api.get(path, headers=headers(school.guardian))
    assert family.status_code == 200, family.text
    assert "опубликован" not in family.text and family.json()["staff_notes"] is None
    staff = (await gradebook_api.get(path, headers=headers(school.teacher))).json()
    assert staff["staff_notes"] == ["Не опубликовано отметок: 1; в отметку за период не вошли"]


async def test_the_diary_average_is_the_terms_and_says_so(gradebook_api, database_url,
                                                         school, headers) -> None:
    """A week without marks still shows the term's average beside the term marks, and the
    diary names the term the averages are over."""
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(date(2025, 9, 8), 5, "classwork"),
                                        (date(2025, 9, 15), 4, "classwork"),
                                        (date(2025, 10, 13), 3, "classwork")])
        lesson(session, school, date(2025, 10, 20))
    week = {"start": "2025-10-20", "end": "2025-10-26"}
    diary = (await gradebook_api.get(f"/gradebook/diary/{school.pupils[0]}", params=week,
                                     headers=headers(school.guardian))).json()
    algebra = next(s for s in diary["subjects"] if s["subject_id"] == school.algebra_id)
    assert (algebra["average"], algebra["marks_count"]) == ("4,00", 3)
    assert diary["averages_over"] == {"term_id": school.quarter_ids[0],
                                      "title": "1 четверть", "start": "2025-09-01",
                                      "end": "2025-10-26"}
    # The next term's first week averages over that term: nothing yet.
    later = (await gradebook_api.get(f"/gradebook/diary/{school.pupils[0]}", params={
        "start": "2025-11-05", "end": "2025-11-09"}, headers=headers(school.guardian))).json()
    assert later["averages_over"]["title"] == "2 четверть"
    assert all(s["average"] is None for s in later["subjects"])

"""Teachers see the pupils of the classes they teach, not their whole school: the matrix
of /organizations/{code}/pupils and /pupils/{id} through the real API."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.gradebook.school import _person, _user, build_school
from tsos.db import gradebook as db
from tsos.db.models import Pupil
from tsos.db.session import session_scope
from tsos.gradebook import structure


async def test_who_sees_which_pupil(api_client, database_url, demo_region, settings) -> None:
    from tsos.db.models import User
    from tsos.tokens import issue_token

    with session_scope(database_url) as session:
        school = build_school(session)
        # A pupil of 7А, where only the other teacher has a load, and a pupil of no class.
        seventh_a = session.get(db.SchoolClass, school.other_class_id)
        assert seventh_a is not None
        in_7a = Pupil(person_id=_person(session, "Дроздов", "Егор", date(2012, 2, 2)),
                      organization_id=school.org_id, grade=7, class_letter="А",
                      school_year="2025/2026")
        unassigned = Pupil(person_id=_person(session, "Ефимова", "Жанна", date(2012, 3, 3)),
                           organization_id=school.org_id, grade=7, class_letter=None,
                           school_year="2025/2026")
        session.add_all([in_7a, unassigned])
        session.flush()
        structure.enroll(session, seventh_a.id, in_7a.id, date(2025, 9, 1))
        idle_teacher = _user(session, "teacher", school.org_id)
        structure.ensure_teacher(session, school.org_id, idle_teacher)
        secretary = _user(session, "secretary", school.org_id)
        seventh_b = set(school.pupils)
        in_7a_id, unassigned_id = in_7a.id, unassigned.id
        everyone = set(session.scalars(select(Pupil.id).where(
            Pupil.organization_id == school.org_id)))

    def headers(user_id: int) -> dict[str, str]:
        with session_scope(database_url) as session:
            user = session.get(User, user_id)
            assert user is not None
            token = issue_token(settings, user_id=user.id, login=user.login,
                                role=str(user.role))
        return {"Authorization": f"Bearer {token}"}

    # who: (pupils listed, may open the 7Б pupil, the 7А pupil, the unassigned one)
    matrix = {
        "teacher of 7Б algebra": (school.teacher, seventh_b, 200, 403, 403),
        "teacher of 7Б history and 7А algebra":
            (school.other_teacher, seventh_b | {in_7a_id}, 200, 200, 403),
        "teacher with no load": (idle_teacher, set(), 403, 403, 403),
        "secretary": (secretary, everyone, 200, 200, 200),
        "head": (school.head, everyone, 200, 200, 200),
    }
    for who, (user, listed, own, other, nobody) in matrix.items():
        auth = headers(user)
        page = await api_client.get(f"/organizations/{school.org_code}/pupils?limit=500",
                                    headers=auth)
        assert page.status_code == 200, who
        assert {p["id"] for p in page.json()["items"]} == listed, who
        assert page.json()["total"] == len(listed), who
        got = tuple([(await api_client.get(f"/pupils/{pupil}", headers=auth)).status_code
                     for pupil in (school.pupils[0], in_7a_id, unassigned_id)])
        assert got == (own, other, nobody), who

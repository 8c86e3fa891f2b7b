"""Families in the access matrix: a guardian of several children, two parents of one child,
and a revoked link that ends one parent's access and no one else's."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests.gradebook.school import POLICY, School, _person, _user, give_marks
from tsos.db.models import GuardianLink, Organization, Pupil, User
from tsos.db.session import session_scope
from tsos.gradebook import structure

pytestmark = pytest.mark.asyncio

WEEK = {"start": "2025-09-08", "end": "2025-09-14"}


def _link(session, guardian_person_id: int, child_person_id: int, kind: str) -> int:  # type: ignore[no-untyped-def]
    link = GuardianLink(guardian_person_id=guardian_person_id,
                        child_person_id=child_person_id, kind=kind)
    session.add(link)
    session.flush()
    return link.id


def _guardian(session, school: School, surname: str, name: str,  # type: ignore[no-untyped-def]
              children: list[int], kind: str = "mother") -> int:
    """A guardian account with links to the given pupils of the school (by index)."""
    person_id = _person(session, surname, name)
    for index in children:
        _link(session, person_id, school.pupil_persons[index], kind)
    return _user(session, "guardian", None, person_id)


async def _diaries(api, headers, user: int, pupil_ids: list[int]) -> list[int]:  # type: ignore[no-untyped-def]
    auth = headers(user)
    return [(await api.get(f"/gradebook/diary/{pupil_id}", params=WEEK,
                           headers=auth)).status_code for pupil_id in pupil_ids]


async def _my_pupils(api, headers, user: int) -> set[int]:  # type: ignore[no-untyped-def]
    answer = await api.get("/auth/me", headers=headers(user))
    assert answer.status_code == 200, answer.text
    return {pupil["pupil_id"] for pupil in answer.json()["pupils"]}


async def test_a_guardian_of_several_children_sees_each_and_no_other_family(
        gradebook_api, database_url, school, headers) -> None:
    """Two children in 7Б and one at another school: each diary opens, with that child's
    own marks; the other family's children stay closed."""
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(date(2025, 9, 8), 5, "classwork")])
        give_marks(session, school, 2, [(date(2025, 9, 9), 3, "classwork")])
        other_org = session.scalar(select(Organization.id).where(
            Organization.code == "SEV-0802"))
        structure.publish_policy(session, other_org, POLICY, effective_from=date(2025, 9, 1))
        elsewhere_person = _person(session, "Васина", "Ева", date(2016, 3, 1))
        elsewhere = Pupil(person_id=elsewhere_person, organization_id=other_org, grade=3,
                          class_letter="А", school_year="2025/2026",
                          enrolled_on=date(2022, 9, 1))
        session.add(elsewhere)
        session.flush()
        parent = _guardian(session, school, "Васина", "Ольга", [0, 2])
        parent_person = session.scalar(select(GuardianLink.guardian_person_id).where(
            GuardianLink.child_person_id == school.pupil_persons[2]))
        _link(session, parent_person, elsewhere_person, "mother")
        elsewhere_id = elsewhere.id
    mine = [school.pupils[0], school.pupils[2], elsewhere_id]
    theirs = [school.pupils[1], school.pupils[3]]

    assert await _diaries(gradebook_api, headers, parent, mine) == [200, 200, 200]
    assert await _diaries(gradebook_api, headers, parent, theirs) == [403, 403]
    assert await _my_pupils(gradebook_api, headers, parent) == set(mine)

    # Each diary is that child's: its own marks, not a sibling's.
    auth = headers(parent)
    shown = {}
    for pupil_id in school.pupils[0], school.pupils[2]:
        diary = (await gradebook_api.get(f"/gradebook/diary/{pupil_id}", params=WEEK,
                                         headers=auth)).json()
        assert diary["pupil_id"] == pupil_id
        shown[pupil_id] = [m["value"] for lesson in diary["lessons"] for m in lesson["marks"]]
    assert shown == {school.pupils[0]: ["5"], school.pupils[2]: ["3"]}

    # The other family's guardian (of child 0 only) does not reach this family's others.
    assert await _diaries(gradebook_api, headers, school.guardian,
                          [school.pupils[0], school.pupils[2], elsewhere_id]) == [
        200, 403, 403]


async def test_two_parents_of_one_child_and_one_link_revoked(gradebook_api, database_url,
                                                             school, headers) -> None:
    """Mother and father both read the child's diary; the mother's link corrected away
    (revoked, no replacement) ends her access at once and leaves the father's working.
    A guardian of two children who loses one link keeps the other child."""
    child = school.pupils[0]
    with session_scope(database_url) as session:
        father = _guardian(session, school, "Антонов", "Пётр", [0], kind="father")
        # Another family's guardian of two children, one of them pupil 0 wrongly.
        twice = _guardian(session, school, "Громов", "Илья", [0, 3], kind="father")
    deputy = headers(school.deputy)
    assert await _diaries(gradebook_api, headers, school.guardian, [child]) == [200]
    assert await _diaries(gradebook_api, headers, father, [child]) == [200]

    listed = await gradebook_api.get(f"/gradebook/pupils/{child}/guardian-links",
                                     headers=deputy)
    assert listed.status_code == 200, listed.text
    links = listed.json()
    assert len(links) == 3 and all(link["active"] for link in links)
    mother_link = next(link for link in links if link["kind_title"] == "мать")
    revoked = await gradebook_api.post(
        f"/gradebook/guardian-links/{mother_link['id']}/correction",
        json={"reason": "Связь внесена по ошибке"}, headers=deputy)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked"]["active"] is False
    assert revoked.json()["corrected"] is None

    assert await _diaries(gradebook_api, headers, school.guardian, [child]) == [403]
    assert await _my_pupils(gradebook_api, headers, school.guardian) == set()
    assert await _diaries(gradebook_api, headers, father, [child]) == [200]
    assert await _my_pupils(gradebook_api, headers, father) == {child}

    # The guardian of two: the wrong link revoked, the other child still open.
    listed = (await gradebook_api.get(f"/gradebook/pupils/{child}/guardian-links",
                                      headers=deputy)).json()
    with session_scope(database_url) as session:
        twice_person = session.scalar(select(GuardianLink.guardian_person_id).where(
            GuardianLink.child_person_id == school.pupil_persons[3]))
    wrong = next(link for link in listed if link["guardian_person_id"] == twice_person)
    assert (await gradebook_api.post(f"/gradebook/guardian-links/{wrong['id']}/correction",
                                     json={"reason": "Не родитель этого ребёнка"},
                                     headers=deputy)).status_code == 200
    assert await _diaries(gradebook_api, headers, twice, [child, school.pupils[3]]) == [
        403, 200]
    assert await _diaries(gradebook_api, headers, father, [child]) == [200]


async def test_a_childs_diary_opens_at_a_school_without_a_grading_policy(
        gradebook_api, database_url, school, headers) -> None:
    """A school that has published no policy yet: the family still reads the diary (its
    lessons, no averages), not an error."""
    with session_scope(database_url) as session:
        other_org = session.scalar(select(Organization.id).where(
            Organization.code == "SEV-0802"))
        person = _person(session, "Лисина", "Майя", date(2016, 5, 1))
        pupil = Pupil(person_id=person, organization_id=other_org, grade=3,
                      class_letter="Б", school_year="2025/2026", enrolled_on=date(2022, 9, 1))
        session.add(pupil)
        session.flush()
        parent = _user(session, "guardian", None, _person(session, "Лисина", "Анна"))
        parent_person = session.scalar(select(User.person_id).where(User.id == parent))
        _link(session, parent_person, person, "mother")
        pupil_id = pupil.id

    answer = await gradebook_api.get(f"/gradebook/diary/{pupil_id}", params=WEEK,
                                     headers=headers(parent))
    assert answer.status_code == 200, answer.text
    assert all(subject["average"] is None for subject in answer.json()["subjects"])

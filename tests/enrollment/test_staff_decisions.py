"""Refusals decided by staff through the API, and the pupils an enrollment order makes.

The founder refuses the age permission (techCode 4 with the reason), the school finds the
foreign-citizen conditions not met (353); a signed order makes each child a pupil of grade 1
of the school, reusing the person the region already knows.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select

from domain.people.names import full_name_key
from tests.enrollment.conftest import NodeServer, eventually
from tests.enrollment.test_staff_api import (
    FIRST_PRIORITY,
    FOREIGN,
    RESIDENT,
    SCHOOL,
    YOUNG,
    Portal,
    detail,
    eventually_async,
    post,
    waiting_for,
)
from tsos.db.models import Organization, Person, Pupil
from tsos.db.session import session_scope

pytestmark = pytest.mark.asyncio


@pytest.fixture
def portal(smev_node: NodeServer, exchange, reference_campaign,  # type: ignore[no-untyped-def]
           examples_dir: Path) -> Portal:
    return Portal(smev_node, examples_dir)


async def test_the_founders_refusal_closes_the_application_with_techcode_4(
        portal, api_client, token_for) -> None:
    await portal.offer(YOUNG)
    young = portal[YOUNG]
    officer, founder = token_for("admissions_officer", SCHOOL), token_for("founder_officer")
    await waiting_for(api_client, officer, young, "invitation")
    assert (await post(api_client, officer, f"/applications/{young}/invite")).is_success
    assert (await post(api_client, officer,
                       f"/applications/{young}/confirm-documents")).is_success
    await waiting_for(api_client, founder, young, "permission")

    reason = "ребёнок не достиг возраста шести лет и шести месяцев"
    refused = await post(api_client, founder, f"/applications/{young}/age-permission",
                         {"granted": False, "reason": reason})
    assert refused.status_code == 200, refused.text
    body = refused.json()
    assert body["state"] == "refused" and body["closed_at"]
    assert [(s["kind"], s["code"]) for s in body["outbox"]][-2:] == [("orgCode", "313"),
                                                                    ("techCode", "4")]
    assert reason in body["outbox"][-1]["comment"]
    assert body["events"][-1]["rule"] == "founder_refused_age_permission"
    assert body["actions"] == [] and body["live"] is None
    await eventually(lambda: portal.codes(YOUNG) == ["1", "311", "312", "313", "4"] or None)
    last = portal.node.responses(young)[-1]
    assert last["cancel_allowed"] is False and reason in last["comment"]

    again = await post(api_client, founder, f"/applications/{young}/age-permission",
                       {"granted": True})
    assert again.status_code == 409


async def test_foreign_conditions_not_met_are_refused_with_353(portal, api_client,
                                                               token_for) -> None:
    await portal.offer(FOREIGN)
    foreign = portal[FOREIGN]
    officer = token_for("admissions_officer", SCHOOL)
    await waiting_for(api_client, officer, foreign, "foreign_check")

    unexplained = await post(api_client, officer, f"/applications/{foreign}/foreign-check",
                             {"result": "conditions_not_met"})
    assert unexplained.status_code == 422 and "«причина»" in unexplained.json()["message"]

    reason = "не подтверждено законное нахождение ребёнка на территории РФ"
    refused = await post(api_client, officer, f"/applications/{foreign}/foreign-check",
                         {"result": "conditions_not_met", "reason": reason})
    assert refused.status_code == 200, refused.text
    body = refused.json()
    assert body["state"] == "refused_foreign_conditions" and body["closed_at"]
    assert body["outbox"][-1]["code"] == "353" and reason in body["outbox"][-1]["comment"]
    assert body["events"][-1]["rule"] == "foreign_conditions_not_met"
    await eventually(lambda: portal.codes(FOREIGN) == ["1", "316", "353"] or None)


async def test_enrolled_children_become_pupils_of_grade_1(portal, api_client, token_for,
                                                          database_url) -> None:
    # Иван of 01-resident is known already: he attends a kindergarten of the region.
    with session_scope(database_url) as session:
        kindergarten = session.scalar(select(Organization)
                                      .where(Organization.code == "SEV-0701"))
        assert kindergarten is not None
        person = Person(surname="Примеров", name="Иван", patronymic="Андреевич",
                        birth_date=date(2019, 11, 14), snils="16427530969",
                        match_key=full_name_key("Примеров", "Иван", "Андреевич"))
        session.add(person)
        session.flush()
        session.add(Pupil(person_id=person.id, organization_id=kindergarten.id, grade=0,
                          school_year="2025/2026"))
        known_person = person.id

    await portal.offer(RESIDENT, FIRST_PRIORITY)
    officer, head = token_for("admissions_officer", SCHOOL), token_for("school_head", SCHOOL)
    for example in (RESIDENT, FIRST_PRIORITY):
        ref = portal[example]
        await waiting_for(api_client, officer, ref, "invitation")
        assert (await post(api_client, officer, f"/applications/{ref}/invite")).is_success
        assert (await post(api_client, officer,
                           f"/applications/{ref}/confirm-documents")).is_success
        await waiting_for(api_client, officer, ref, "enrollment_order")
    signed = await post(api_client, head, f"/schools/{SCHOOL}/enrollment-orders", {})
    assert signed.status_code == 201, signed.text

    async def enrolled() -> bool:
        states = [(await detail(api_client, officer, portal[e]))["state"]
                  for e in (RESIDENT, FIRST_PRIORITY)]
        return states == ["enrolled", "enrolled"]

    await eventually_async(enrolled)
    with session_scope(database_url) as session:
        school = session.scalar(select(Organization).where(Organization.code == SCHOOL))
        rows = session.execute(select(Person.surname, Person.id, Pupil.grade,
                                      Pupil.class_letter, Pupil.school_year,
                                      Pupil.left_on)
                               .join(Pupil, Pupil.person_id == Person.id)
                               .where(Pupil.organization_id == school.id,
                                      Person.surname.in_(("Примеров", "Шаблонов")))
                               .order_by(Person.surname)).all()
        assert [(r.surname, r.grade, r.class_letter, r.school_year, r.left_on)
                for r in rows] == [("Примеров", 1, None, "2026/2027", None),
                                   ("Шаблонов", 1, None, "2026/2027", None)]
        # The child the region knew is the same person, not a second one.
        assert rows[0].id == known_person
        same_child = session.scalar(select(func.count()).select_from(Person).where(
            Person.match_key == full_name_key("Примеров", "Иван", "Андреевич"),
            Person.birth_date == date(2019, 11, 14)))
        assert same_child == 1

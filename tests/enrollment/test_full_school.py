"""T8: once a school's places are taken, a later application gets the refusal the rule
prescribes (351, no places) as soon as it is decided, and the parent is told where to go.

The reference campaign (2026) with one place at SEV-0801: its wave 1 is over, so each
confirmed application is decided at once against the places left.
"""

from __future__ import annotations

import pytest

from tests.conftest import shared_path
from tests.enrollment.conftest import codes, eventually
from tests.enrollment.payloads import variant
from tests.enrollment.test_staff_api import _FRESH_ORDER_IDS, SCHOOL, detail, post, waiting_for
from workflows import task_queues

pytestmark = pytest.mark.asyncio


@pytest.fixture
async def one_place_campaign(database_url, settings, demo_region, running_worker,  # type: ignore[no-untyped-def]
                             queue_names) -> int:
    from tsos.campaigns import load_and_prepare, start_campaign_workflows
    from tsos.db.session import session_scope

    text = shared_path("reference", "epgu", "first-grade",
                       "campaign-example.yaml").read_text(encoding="utf-8")
    assert "first_grade_places: 75" in text
    with session_scope(database_url) as session:
        inputs = load_and_prepare(session, text.replace("first_grade_places: 75",
                                                        "first_grade_places: 1"), settings)
    await start_campaign_workflows(running_worker.client, inputs,
                                   task_queue=queue_names[task_queues.MAIN])
    return inputs[0].campaign_id


async def test_after_the_last_place_a_confirmed_application_is_refused_351(
        smev_node, exchange, one_place_campaign, api_client, token_for) -> None:
    first, later = next(_FRESH_ORDER_IDS), next(_FRESH_ORDER_IDS)
    smev_node.enqueue(variant("01-resident", order_id=first))
    smev_node.enqueue(variant("01-resident", order_id=later, child_surname="Поздний",
                              birth_doc_number="531408"))
    officer = token_for("admissions_officer", SCHOOL)
    for order_id in (first, later):
        await eventually(lambda o=order_id: codes(smev_node, o) == ["1", "311"] or None)
        await waiting_for(api_client, officer, order_id, "invitation")
        assert (await post(api_client, officer, f"/applications/{order_id}/invite")).is_success
        confirmed = await post(api_client, officer,
                               f"/applications/{order_id}/confirm-documents")
        assert confirmed.status_code == 200, confirmed.text
        if order_id == first:
            held = await waiting_for(api_client, officer, first, "enrollment_order")
            assert held["seat_held"] is True

    await eventually(lambda: codes(smev_node, later) == ["1", "311", "312", "314", "351"]
                     or None)
    refusal = smev_node.responses(later)[-1]
    assert "отсутствием свободных мест" in refusal["comment"]
    assert "Департамент образования (пример)" in refusal["comment"]
    body = await detail(api_client, officer, later)
    assert body["state"] == "refused_no_places" and body["seat_held"] is False
    assert body["events"][-1]["rule"] == "confirmed_no_places_left"
    # The first keeps its place, and is not told "enrolled" before an order exists.
    assert codes(smev_node, first) == ["1", "311", "312", "314"]
    board = await api_client.get("/enrollment/first-grade/dashboard", headers=officer)
    assert board.status_code == 200, board.text
    school = board.json()["schools"][0]
    assert school["school_code"] == SCHOOL
    assert (school["places"], school["seats_held"], school["places_left"],
            school["refused"]) == (1, 1, 0, 1)

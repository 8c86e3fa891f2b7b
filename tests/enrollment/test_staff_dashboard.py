"""The campaign dashboard counts what the applications and the portal's answers say."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.enrollment.conftest import NodeServer, eventually
from tests.enrollment.test_staff_api import (
    BASE,
    FIRST_PRIORITY,
    OTHER_SCHOOL,
    RESIDENT,
    SCHOOL,
    SIBLING,
    YOUNG,
    Portal,
    post,
    waiting_for,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def portal(smev_node: NodeServer, exchange, reference_campaign,  # type: ignore[no-untyped-def]
           examples_dir: Path) -> Portal:
    return Portal(smev_node, examples_dir)


async def test_dashboard_numbers_match_the_applications(portal, api_client,
                                                       token_for) -> None:
    await portal.offer(RESIDENT, FIRST_PRIORITY, YOUNG, SIBLING)
    await portal.offer_duplicate(RESIDENT)
    officer = token_for("admissions_officer", SCHOOL)
    resident, priority = portal[RESIDENT], portal[FIRST_PRIORITY]

    await waiting_for(api_client, officer, resident, "invitation")
    assert (await post(api_client, officer, f"/applications/{resident}/invite")).is_success
    assert (await post(api_client, officer,
                       f"/applications/{resident}/confirm-documents")).is_success
    await waiting_for(api_client, officer, resident, "enrollment_order")
    withdrawn = await post(api_client, officer, f"/applications/{priority}/withdraw",
                           {"withdrawn_on": "2026-04-20"})
    assert withdrawn.status_code == 200, withdrawn.text

    response = await api_client.get(f"{BASE}/dashboard", headers=token_for("region_admin"))
    assert response.status_code == 200, response.text
    board = response.json()
    assert board["campaign_year"] == 2026
    schools = {s["school_code"]: s for s in board["schools"]}
    assert set(schools) == {SCHOOL, OTHER_SCHOOL}
    ours = schools[SCHOOL]
    assert ours["by_state"] == {"accepted": 1, "confirmed": 1, "withdrawn_by_applicant": 1}
    assert (ours["places"], ours["applied"], ours["confirmed"], ours["seats_held"],
            ours["places_left"], ours["enrolled"], ours["refused"], ours["deferred"],
            ours["duplicates_answered"]) == (75, 3, 1, 1, 74, 0, 0, 0, 1)
    assert ours["phase"] is not None and ours["phase_title"]
    assert ours["wave1_closed_at"] is not None
    assert schools[OTHER_SCHOOL]["applied"] == 1
    assert schools[OTHER_SCHOOL]["duplicates_answered"] == 0
    totals = board["totals"]
    assert (totals["places"], totals["applied"], totals["duplicates_answered"]) == (125, 4, 1)
    assert totals["by_state"] == {"accepted": 2, "confirmed": 1, "withdrawn_by_applicant": 1}

    # The school's staff see their school alone, and the same figures as the list.
    own = (await api_client.get(f"{BASE}/dashboard", headers=officer)).json()
    assert [s["school_code"] for s in own["schools"]] == [SCHOOL] and own["totals"] is None
    for state, count in own["schools"][0]["by_state"].items():
        listed = await api_client.get(f"{BASE}/applications", headers=officer,
                                      params={"status": state})
        assert listed.json()["total"] == count, state

    signed = await post(api_client, token_for("school_head", SCHOOL),
                        f"/schools/{SCHOOL}/enrollment-orders")
    assert signed.status_code == 201, signed.text
    await eventually(lambda: portal.codes(RESIDENT)[-1:] == ["3"] or None)
    after = (await api_client.get(f"{BASE}/dashboard", headers=officer)).json()["schools"][0]
    assert (after["enrolled"], after["confirmed"], after["seats_held"]) == (1, 0, 1)

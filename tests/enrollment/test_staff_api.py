"""The staff API of first-grade enrollment, driven end to end through the local SMEV node.

The reference campaign (2026) is over when these tests run: its wave 1 is allocated, so a
confirmed application is given a seat at once and the school may sign an order.
"""

from __future__ import annotations

import asyncio
import itertools
import random
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from tests.enrollment.conftest import NodeServer, codes, eventually
from tsos.db.models import AuditEvent
from tsos.db.session import session_scope

pytestmark = pytest.mark.asyncio

BASE = "/enrollment/first-grade"
SCHOOL = "SEV-0801"
OTHER_SCHOOL = "SEV-0802"
RESIDENT = 4200000101  # SEV-0801, resident, no right
FIRST_PRIORITY = 4200000103  # SEV-0801, first-priority right
YOUNG = 4200000105  # SEV-0801, 6 y 3 m on 1 September: the founder's permission
FOREIGN = 4200000107  # SEV-0801, foreign citizen: the documents check first
SIBLING = 4200000102  # SEV-0802

EXAMPLE_OF = {
    RESIDENT: "01-resident", SIBLING: "02-sibling-right", FIRST_PRIORITY:
    "03-first-priority-right", YOUNG: "05-age-6y3m-on-1-september", FOREIGN:
    "07-foreign-citizen",
}
FIRST_STATUS = {RESIDENT: "311", SIBLING: "311", FIRST_PRIORITY: "311", YOUNG: "311",
                FOREIGN: "316"}
# Workflow ids are derived from orderIds, and the Temporal server outlives a test: an
# application finished in one test would refuse its orderId in the next. Each test offers
# the examples under orderIds of its own.
_FRESH_ORDER_IDS = itertools.count(4300000000 + random.randrange(10**7) * 10)


class Portal:
    """The reference examples, offered through the local SMEV node under fresh orderIds."""

    def __init__(self, node: NodeServer, examples_dir: Path) -> None:
        self.node = node
        self.examples_dir = examples_dir
        self.ids: dict[int, int] = {}

    def __getitem__(self, example_order_id: int) -> int:
        """The orderId this test uses for a reference example."""
        if example_order_id not in self.ids:
            self.ids[example_order_id] = next(_FRESH_ORDER_IDS)
        return self.ids[example_order_id]

    def payload(self, example_order_id: int) -> bytes:
        data = (self.examples_dir / f"{EXAMPLE_OF[example_order_id]}.xml").read_bytes()
        return data.replace(str(example_order_id).encode(), str(self[example_order_id]).encode())

    async def offer(self, *example_order_ids: int) -> None:
        """Offer examples as the portal would; wait until each is taken into review."""
        for example in example_order_ids:
            self.node.enqueue(self.payload(example))
        for example in example_order_ids:
            expected = ["1", FIRST_STATUS[example]]
            await eventually(lambda o=self[example], e=expected: codes(self.node, o) == e
                             or None, timeout=30)

    async def offer_duplicate(self, example_order_id: int) -> int:
        """The same child filed again under another orderId, a minute later: answered 331."""
        order_id = next(_FRESH_ORDER_IDS)
        data = self.payload(example_order_id)
        data = data.replace(str(self[example_order_id]).encode(), str(order_id).encode())
        data = data.replace(b"2026-04-01T00:00:05+03:00", b"2026-04-01T00:01:05+03:00")
        self.node.enqueue(data)
        await eventually(lambda: codes(self.node, order_id) == ["331"] or None)
        return order_id

    def codes(self, example_order_id: int) -> list[str]:
        return codes(self.node, self[example_order_id])


@pytest.fixture
def portal(smev_node: NodeServer, exchange, reference_campaign,  # type: ignore[no-untyped-def]
           examples_dir: Path) -> Portal:
    return Portal(smev_node, examples_dir)


async def detail(client: httpx.AsyncClient, headers: dict[str, str],
                 ref: int | str) -> dict[str, Any]:
    response = await client.get(f"{BASE}/applications/{ref}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def waiting_for(client: httpx.AsyncClient, headers: dict[str, str], ref: int,
                      what: str) -> dict[str, Any]:
    """The detail, once the workflow waits for `what` (its live view says so)."""
    async def check() -> dict[str, Any] | None:
        body = await detail(client, headers, ref)
        return body if (body["live"] or {}).get("waiting_for") == what else None

    return await eventually_async(check)


async def eventually_async(check: Callable[[], Awaitable[Any]],
                           timeout: float = 15.0) -> Any:
    """Await check() until it returns something truthy; fail with the last value."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not met in {timeout} s; last value: {last!r}")


async def post(client: httpx.AsyncClient, headers: dict[str, str], path: str,
               body: dict[str, Any] | None = None) -> httpx.Response:
    return await client.post(f"{BASE}{path}", headers=headers, json=body)


def audit_actions(database_url: str, object_type: str, object_id: int) -> list[str]:
    with session_scope(database_url) as session:
        return list(session.scalars(select(AuditEvent.action).where(
            AuditEvent.object_type == object_type, AuditEvent.object_id == str(object_id))
            .order_by(AuditEvent.id)))


async def test_list_filters_and_detail_with_basis(portal, api_client, token_for) -> None:
    await portal.offer(RESIDENT, FIRST_PRIORITY, YOUNG, FOREIGN, SIBLING)
    await portal.offer_duplicate(RESIDENT)
    resident, priority, young, foreign = (portal[o] for o in (RESIDENT, FIRST_PRIORITY,
                                                               YOUNG, FOREIGN))
    officer = token_for("admissions_officer", SCHOOL)

    listing = await api_client.get(f"{BASE}/applications", headers=officer)
    assert listing.status_code == 200, listing.text
    page = listing.json()
    # Only the officer's school, in the queue order of FilingDate (the duplicate is not one).
    assert page["total"] == 4
    assert [i["order_id"] for i in page["items"]] == [resident, priority, young, foreign]
    first = page["items"][0]
    assert first["school_code"] == SCHOOL
    assert first["child_name"] == "Примеров Иван Андреевич"
    assert first["birth_date"] == "2019-11-14"
    assert first["filing_date"] == "2026-04-01T00:00:05+03:00"
    assert first["filing_date_local"] == "01.04.2026 00:00:05 (МСК)"
    assert first["state"] == "accepted" and first["state_title"] == "принято к рассмотрению"
    assert first["wave"] == 1 and first["right"] == "none" and first["resident"] is True
    assert first["seat_held"] is False and first["documents_due"] is None

    async def order_ids(**params: Any) -> list[int]:
        response = await api_client.get(f"{BASE}/applications", headers=officer,
                                        params=params)
        assert response.status_code == 200, response.text
        return [i["order_id"] for i in response.json()["items"]]

    assert await order_ids(right="first_priority") == [priority]
    assert await order_ids(status="foreign_documents_check") == [foreign]
    assert await order_ids(status=["foreign_documents_check", "accepted"],
                           sort="-filing_date") == [foreign, young, priority, resident]
    assert await order_ids(filed_from="2026-04-02", filed_to="2026-04-02") == [young]
    assert await order_ids(filed_to="2026-04-01", offset=1, limit=1) == [priority]
    assert await order_ids(wave=2) == []

    bad = await api_client.get(f"{BASE}/applications", headers=officer,
                               params={"status": "lost"})
    assert bad.status_code == 422
    assert bad.json()["message"].startswith("Ошибка в поле «состояние»")
    backwards = await api_client.get(f"{BASE}/applications", headers=officer,
                                     params={"filed_from": "2026-05-01",
                                             "filed_to": "2026-04-01"})
    assert backwards.status_code == 422 and "«подано по»" in backwards.json()["message"]

    region = await api_client.get(f"{BASE}/applications", headers=token_for("region_admin"))
    assert region.json()["total"] == 5
    only = await api_client.get(f"{BASE}/applications", headers=token_for("region_admin"),
                                params={"school": OTHER_SCHOOL})
    assert [i["order_id"] for i in only.json()["items"]] == [portal[SIBLING]]

    by_order = await detail(api_client, officer, resident)
    by_number = await detail(api_client, officer, by_order["id"])
    assert by_number["order_id"] == resident
    assert by_order["applicant"]["name"]["surname"] == "Примерова"
    assert by_order["child"]["snils"] == "16427530969"
    assert [e["state"] for e in by_order["events"]] == ["registered", "accepted"]
    registration = by_order["events"][0]
    assert registration["code"] == "1" and registration["rule"] == "registration"
    assert registration["clause"] and registration["actor"] == "система"
    assert str(resident) in registration["comment"]
    assert set(by_order["basis"]) >= {"age", "territory", "wave"}
    # Staff read the basis in Russian: no internal codes.
    assert "в пределах возраста приёма" in by_order["basis"]["age"]
    assert by_order["basis"]["wave"].startswith("первый этап")
    assert "within_limits" not in str(by_order["basis"])
    assert [(s["kind"], s["code"]) for s in by_order["outbox"]] == [("techCode", "1"),
                                                                 ("orgCode", "311")]
    assert by_order["outbox"][0]["delivery"] == "sent" and by_order["outbox"][0]["sent_at"]
    assert by_order["live"]["waiting_for"] == "invitation"
    assert by_order["actions"] == ["invite", "withdraw"]

    unknown = await api_client.get(f"{BASE}/applications/4299999999", headers=officer)
    assert unknown.status_code == 404 and "не найдено" in unknown.json()["message"]
    assert (await api_client.get(f"{BASE}/applications/abc", headers=officer)).status_code \
        == 404


async def test_invite_confirm_sign_enroll(portal, api_client, token_for,
                                          database_url) -> None:
    await portal.offer(RESIDENT)
    resident = portal[RESIDENT]
    officer = token_for("admissions_officer", SCHOOL)
    head = token_for("school_head", SCHOOL)
    await waiting_for(api_client, officer, resident, "invitation")

    invited = await post(api_client, officer, f"/applications/{resident}/invite",
                         {"deadline": "2030-01-10"})
    assert invited.status_code == 200, invited.text
    body = invited.json()
    assert body["state"] == "documents_requested"
    assert body["documents_due"] == "2030-01-10"
    assert body["events"][-1]["actor"].startswith("Специалист по приёму")
    assert body["outbox"][-1]["code"] == "312" and "10.01.2030" in body["outbox"][-1]["comment"]

    confirmed = await post(api_client, officer, f"/applications/{resident}/confirm-documents")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "confirmed"
    held = await waiting_for(api_client, officer, resident, "enrollment_order")
    assert held["seat_held"] is True
    assert held["actions"] == ["withdraw"]

    # An admissions officer prepares, the head signs.
    refused = await post(api_client, officer, f"/schools/{SCHOOL}/enrollment-orders", {})
    assert refused.status_code == 403
    signed = await post(api_client, head, f"/schools/{SCHOOL}/enrollment-orders",
                        {"number": "17-1кл/2026", "order_date": "2026-07-03"})
    assert signed.status_code == 201, signed.text
    order = signed.json()
    assert order["number"] == "17-1кл/2026" and order["order_date"] == "2026-07-03"
    assert [line["order_id"] for line in order["applications"]] == [resident]
    assert order["signed_by"].startswith("Директор")

    await eventually(lambda: portal.codes(RESIDENT)[-1:] == ["3"] or None)
    enrolled = await detail(api_client, officer, resident)
    assert enrolled["state"] == "enrolled" and enrolled["live"] is None
    assert enrolled["enrollment_order"]["number"] == "17-1кл/2026"
    last = enrolled["events"][-1]
    assert last["rule"] == "enrollment_order" and "17-1кл/2026" in last["comment"]
    # The seat that the order rests on, decided at the close of wave 1, is its basis too.
    assert last["details"]["seat_clause"] and last["details"]["seat_rule"] != "enrollment_order"
    assert [s["code"] for s in enrolled["outbox"]] == ["1", "311", "312", "314", "3"]

    orders = await api_client.get(f"{BASE}/schools/{SCHOOL}/enrollment-orders",
                                  headers=officer)
    assert orders.json()["items"] == [order]
    one = await api_client.get(f"{BASE}/schools/{SCHOOL}/enrollment-orders/{order['id']}",
                               headers=officer)
    assert one.json() == order
    pdf = await api_client.get(order["pdf_url"], headers=officer)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-") and len(pdf.content) > 1000
    again = await post(api_client, head, f"/schools/{SCHOOL}/enrollment-orders",
                       {"number": "17-1кл/2026"})
    assert again.status_code == 409 and "17-1кл/2026" in again.json()["message"]

    assert audit_actions(database_url, "first_grade_application", enrolled["id"]) == [
        "first_grade_application.invite", "first_grade_application.confirm_documents"]
    assert audit_actions(database_url, "enrollment_order", order["id"]) == [
        "enrollment_order.sign", "enrollment_order.download"]


async def test_another_school_is_forbidden(portal, api_client, token_for) -> None:
    await portal.offer(RESIDENT)
    resident = portal[RESIDENT]
    stranger = token_for("admissions_officer", OTHER_SCHOOL)

    listing = await api_client.get(f"{BASE}/applications", headers=stranger,
                                   params={"school": SCHOOL})
    assert listing.status_code == 403
    assert listing.json()["error"] == "forbidden"
    own = await api_client.get(f"{BASE}/applications", headers=stranger)
    assert own.json()["total"] == 0
    assert (await api_client.get(f"{BASE}/applications/{resident}",
                                 headers=stranger)).status_code == 403
    invite = await post(api_client, stranger, f"/applications/{resident}/invite")
    assert invite.status_code == 403
    for path in (f"/schools/{SCHOOL}/enrollment-orders", f"/dashboard?school={SCHOOL}"):
        response = await api_client.get(f"{BASE}{path}", headers=stranger)
        assert response.status_code == 403, path
    signed = await post(api_client, token_for("school_head", OTHER_SCHOOL),
                        f"/schools/{SCHOOL}/enrollment-orders")
    assert signed.status_code == 403

    # Roles outside admissions, and no token at all.
    secretary = token_for("secretary", SCHOOL)
    assert (await api_client.get(f"{BASE}/applications",
                                 headers=secretary)).status_code == 403
    assert (await api_client.get(f"{BASE}/applications/{resident}")).status_code == 401
    assert (await post(api_client, {}, f"/applications/{resident}/invite")).status_code == 401

    # Nothing happened to the application.
    body = await detail(api_client, token_for("admissions_officer", SCHOOL), resident)
    assert [e["state"] for e in body["events"]] == ["registered", "accepted"]

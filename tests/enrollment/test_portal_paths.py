"""What the portal may send besides a good application, through the local SMEV node.

Each answer comes from the real intake and the real workflows of the reference campaign
(2026): a filing outside the campaign (334), a status request (the last status repeated,
320 for an unknown order, our own application number accepted: T20), cancellations that are
invalid, of an unknown or a closed order, or allowed (CANCELLED, then techCode 10), an
invalid repeat of a known order, and a school code nobody knows (T15).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import re
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.enrollment.conftest import NodeServer, codes, eventually
from tests.enrollment.payloads import NS, variant
from tsos.db.enrollment import ApplicationEvent, FirstGradeApplication
from tsos.db.session import session_scope

pytestmark = pytest.mark.asyncio

# Workflow ids are derived from orderIds and the Temporal server outlives a test.
_ORDER_IDS = itertools.count(4400000000 + random.randrange(10**7) * 10)


def status_request(order_id: int) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<fg:FormData xmlns:fg="{NS}" '
            f'oktmo="67000000"><fg:GetApplicationStatusRequest><fg:orderId>{order_id}'
            f"</fg:orderId></fg:GetApplicationStatusRequest></fg:FormData>").encode()


def cancel_request(order_id: int) -> bytes:
    return variant("09-cancel-request", order_id=order_id)


async def registered(node: NodeServer, example: str = "01-resident") -> int:
    """A fresh application of an example, taken into review (1, 311)."""
    order_id = next(_ORDER_IDS)
    node.enqueue(variant(example, order_id=order_id))
    await eventually(lambda: codes(node, order_id) == ["1", "311"] or None, timeout=30)
    return order_id


def application(database_url: str, order_id: int) -> FirstGradeApplication | None:
    with session_scope(database_url) as session:
        app = session.scalar(select(FirstGradeApplication)
                             .where(FirstGradeApplication.order_id == order_id))
        if app is not None:
            session.expunge(app)
        return app


def events(database_url: str, application_id: int) -> list[str]:
    with session_scope(database_url) as session:
        return list(session.scalars(select(ApplicationEvent.state)
                                    .where(ApplicationEvent.application_id == application_id)
                                    .order_by(ApplicationEvent.seq)))


async def test_a_filing_outside_every_campaign_is_answered_334_and_not_registered(
        smev_node, exchange, reference_campaign, database_url) -> None:
    early, late = next(_ORDER_IDS), next(_ORDER_IDS)
    # 23:59 of 31 March in the region's time is before wave 1 (1 April) opens; 6 September
    # is after wave 2 (5 September) has closed.
    smev_node.enqueue(variant("01-resident", order_id=early,
                              filing_date=datetime.fromisoformat("2026-03-31T23:59:00+03:00")))
    smev_node.enqueue(variant("02-sibling-right", order_id=late,
                              filing_date=datetime.fromisoformat("2026-09-06T00:00:30+03:00")))
    await eventually(lambda: codes(smev_node, early) == ["334"] or None)
    await eventually(lambda: codes(smev_node, late) == ["334"] or None)

    before = smev_node.responses(early)[0]
    assert before["kind"] == "orgCode" and before["cancel_allowed"] is False
    assert "на 2026 год ещё не начался" in before["comment"]
    assert "с 01.04.2026 по 30.06.2026" in before["comment"]
    assert "с 06.07.2026 по 05.09.2026" in before["comment"]
    assert "завершён" in smev_node.responses(late)[0]["comment"]
    # Never registered: no application, no queue place, no techCode 1 after it.
    assert application(database_url, early) is None
    assert application(database_url, late) is None
    await asyncio.sleep(1.5)
    assert codes(smev_node, early) == ["334"] and codes(smev_node, late) == ["334"]

    # The same order filed again is answered the same 334 (a known order, repeated).
    smev_node.enqueue(variant("01-resident", order_id=early,
                              filing_date=datetime.fromisoformat("2026-03-31T23:59:00+03:00")))
    await eventually(lambda: codes(smev_node, early) == ["334", "334"] or None)


async def test_a_status_request_repeats_the_last_status_or_answers_320(
        smev_node, exchange, reference_campaign, database_url) -> None:
    order_id = await registered(smev_node)
    queued = smev_node.enqueue(status_request(order_id))
    await eventually(lambda: codes(smev_node, order_id) == ["1", "311", "311"] or None)
    first, repeat = smev_node.responses(order_id)[1:]
    # A response to the status request itself, repeating the text sent before.
    assert repeat["request_message_id"] == queued["message_id"]
    assert repeat["request_message_id"] != first["request_message_id"]
    assert (repeat["kind"], repeat["comment"], repeat["cancel_allowed"]) == (
        first["kind"], first["comment"], first["cancel_allowed"])
    # A repetition, not a transition.
    app = application(database_url, order_id)
    assert app is not None and app.state == "accepted"
    assert events(database_url, app.id) == ["registered", "accepted"]

    unknown = next(_ORDER_IDS)
    smev_node.enqueue(status_request(unknown))
    await eventually(lambda: codes(smev_node, unknown) == ["320"] or None)
    answer = smev_node.responses(unknown)[0]
    assert answer["kind"] == "orgCode" and answer["cancel_allowed"] is False
    assert f"Заявление № {unknown}" in answer["comment"] and "не найдено" in answer["comment"]
    assert "+78690000002" in answer["comment"]  # the region's support line
    assert application(database_url, unknown) is None

    # 320 is an answer, not a status: asked again, still 320, and it is never repeated as
    # the order's "last status" once the order does arrive.
    smev_node.enqueue(status_request(unknown))
    await eventually(lambda: codes(smev_node, unknown) == ["320", "320"] or None)


async def test_the_portal_may_ask_by_our_own_application_number(
        smev_node, exchange, reference_campaign, database_url) -> None:
    """T20: an application known to the portal by the region's number is found by it."""
    order_id = await registered(smev_node)
    app = application(database_url, order_id)
    assert app is not None and app.id != order_id
    queued = smev_node.enqueue(status_request(app.id))
    await eventually(lambda: codes(smev_node, order_id) == ["1", "311", "311"] or None)
    answer = smev_node.responses(order_id)[-1]
    assert answer["request_message_id"] == queued["message_id"]
    assert smev_node.responses(app.id) == []  # answered under the portal's orderId


async def test_an_invalid_cancel_is_rejected_and_changes_nothing(
        smev_node, exchange, reference_campaign, database_url) -> None:
    order_id = await registered(smev_node)
    no_reason = re.sub(rb"<fg:reason>.*?</fg:reason>", b"", cancel_request(order_id),
                       flags=re.S)
    smev_node.enqueue(no_reason)
    await eventually(lambda: len(codes(smev_node, order_id)) == 3 or None)
    await asyncio.sleep(1.5)  # no 319, no techCode 10 may follow

    answers = smev_node.responses(order_id)
    assert [str(a["code"]) for a in answers] == ["1", "311", "REJECTED"]
    assert answers[-1]["kind"] == "cancelResponse"
    assert "Причина отмены" in answers[-1]["comment"]
    app = application(database_url, order_id)
    assert app is not None and app.state == "accepted" and app.closed_at is None


async def test_a_cancel_of_an_unknown_order_is_rejected(smev_node, exchange,
                                                        reference_campaign,
                                                        database_url) -> None:
    unknown = next(_ORDER_IDS)
    smev_node.enqueue(cancel_request(unknown))
    await eventually(lambda: codes(smev_node, unknown) or None)
    await asyncio.sleep(1.5)
    answers = smev_node.responses(unknown)
    assert [(a["kind"], a["code"]) for a in answers] == [("cancelResponse", "REJECTED")]
    assert "не найдено" in answers[0]["comment"]
    assert application(database_url, unknown) is None


async def test_an_allowed_cancel_then_a_closed_order(smev_node, exchange, reference_campaign,
                                                     database_url, running_worker) -> None:
    order_id = await registered(smev_node)
    cancel = smev_node.enqueue(cancel_request(order_id))
    await eventually(lambda: codes(smev_node, order_id) == ["1", "311", "CANCELLED", "10"]
                     or None)
    answers = smev_node.responses(order_id)
    # The cancelResponse answers the cancelRequest; techCode 10 goes to the original request.
    assert answers[2]["kind"] == "cancelResponse"
    assert answers[2]["request_message_id"] == cancel["message_id"]
    assert answers[3]["kind"] == "techCode"
    assert answers[3]["request_message_id"] == answers[0]["request_message_id"]
    assert "отменено по вашему запросу" in answers[3]["comment"]
    assert answers[3]["cancel_allowed"] is False
    app = application(database_url, order_id)
    assert app is not None and app.state == "cancelled" and app.closed_at is not None
    assert app.seat_held is False
    assert events(database_url, app.id) == ["registered", "accepted", "cancelled"]
    handle = running_worker.client.get_workflow_handle(f"first-grade-{order_id}")
    assert await asyncio.wait_for(handle.result(), 15) == "cancelled"

    # The order is closed: a second cancel is refused, with nothing sent to the original.
    smev_node.enqueue(cancel_request(order_id))
    await eventually(lambda: len(codes(smev_node, order_id)) == 5 or None)
    refused = smev_node.responses(order_id)[-1]
    assert (refused["kind"], refused["code"]) == ("cancelResponse", "REJECTED")
    assert "завершено" in refused["comment"]
    # A status request and an invalid repeat of the application get techCode 10 again.
    smev_node.enqueue(status_request(order_id))
    await eventually(lambda: len(codes(smev_node, order_id)) == 6 or None)
    smev_node.enqueue(variant("22-invalid-snils-format", order_id=order_id))
    await eventually(lambda: len(codes(smev_node, order_id)) == 7 or None)
    await asyncio.sleep(1.5)
    assert codes(smev_node, order_id) == ["1", "311", "CANCELLED", "10", "REJECTED", "10",
                                          "10"]
    assert events(database_url, app.id) == ["registered", "accepted", "cancelled"]


async def test_an_invalid_payload_of_a_known_order_repeats_its_status(
        smev_node, exchange, reference_campaign, database_url) -> None:
    order_id = await registered(smev_node)
    before = application(database_url, order_id)
    smev_node.enqueue(variant("22-invalid-snils-format", order_id=order_id))
    await eventually(lambda: len(codes(smev_node, order_id)) == 3 or None)
    await asyncio.sleep(1.5)

    answers = smev_node.responses(order_id)
    assert [str(a["code"]) for a in answers] == ["1", "311", "311"]  # no 332
    assert answers[2]["comment"] == answers[1]["comment"]
    after = application(database_url, order_id)
    assert before is not None and after is not None
    assert (after.state, after.data, after.closed_at) == (before.state, before.data, None)
    assert after.request_message_id == before.request_message_id  # statuses still go there
    assert events(database_url, after.id) == ["registered", "accepted"]


async def test_an_unknown_school_code_is_answered_332_naming_the_school(
        smev_node, exchange, reference_campaign, database_url) -> None:
    """T15: a wrong organisation identifier gives an explicit status, not silence."""
    order_id = next(_ORDER_IDS)
    smev_node.enqueue(variant("01-resident", order_id=order_id, school="SEV-9999"))
    await eventually(lambda: codes(smev_node, order_id) == ["332"] or None)
    comment = smev_node.responses(order_id)[0]["comment"]
    assert "школ" in comment.lower() or "организац" in comment.lower(), comment
    assert application(database_url, order_id) is None

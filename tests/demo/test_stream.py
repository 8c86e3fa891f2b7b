"""A short demo stream through the real pipeline: local SMEV node, exchange, worker."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime

import pytest
from sqlalchemy import select

from tests.enrollment.conftest import eventually
from tsos.campaigns import start_campaign_workflows
from tsos.db.enrollment import EnrollmentOrder
from tsos.db.session import session_scope
from tsos.demo.applications import Kind, Mix
from tsos.demo.stream import DemoStream, StreamOptions, prepare_demo_campaign
from workflows import task_queues

pytestmark = pytest.mark.asyncio

# More duplicates and defects than a real stream, so that thirty messages have them all.
MIX = Mix(duplicate=0.15, bad_snils=0.07, no_consent=0.05)


async def test_every_message_gets_a_status_and_a_school_reaches_its_order(
        smev_node, exchange, running_worker, settings, database_url, demo_region,
        queue_names) -> None:
    today = datetime.now(settings.zone).date()
    with session_scope(database_url) as session:
        campaign = prepare_demo_campaign(session, settings, today)
    await start_campaign_workflows(running_worker.client, campaign.inputs,
                                   task_queue=queue_names[task_queues.MAIN])
    options = StreamOptions(total=30, burst=30, close_after=30, closing_school="SEV-0004",
                            staff_interval=0.3, cancel_share=0, seed=11, mix=MIX)
    stream = DemoStream(temporal=running_worker.client, database_url=database_url,
                        node_url=smev_node.url, campaign=campaign, options=options)
    stop = asyncio.Event()

    await asyncio.wait_for(stream.feed(stop), 60)

    offered = stream.offered
    assert len(offered) == 30 and stream.excluded == {"SEV-0004"}
    assert {Kind.VALID, Kind.DUPLICATE, Kind.BAD_SNILS, Kind.NO_CONSENT} <= {
        a.kind for a in offered}

    def first_codes() -> dict[int, str] | None:
        first: dict[int, str] = {}
        for response in smev_node.responses():
            first.setdefault(response["order_id"], str(response["code"]))
        return first if all(a.order_id in first for a in offered) else None

    first = await eventually(first_codes, timeout=60)
    for app in offered:
        if app.kind in (Kind.BAD_SNILS, Kind.NO_CONSENT):
            assert first[app.order_id] == "332", app.kind
    # Of each child's applications to a school exactly one is registered, the rest are 331
    # (which one depends on arrival order, which two pollers may swap).
    children = defaultdict(list)
    for app in offered:
        if app.kind in (Kind.VALID, Kind.DUPLICATE):
            children[app.duplicate_of or app.order_id].append(first[app.order_id])
    assert any(len(codes) > 1 for codes in children.values())
    for codes in children.values():
        assert sorted(codes) == ["1"] + ["331"] * (len(codes) - 1), codes

    await asyncio.wait_for(stream.staff(stop), 120)
    await stream.aclose()

    counts = stream.counts
    assert counts.wave1_closed_early and counts.enrolled >= 1
    assert counts.staff["invite"] >= 1 and counts.staff["confirm"] >= 1
    with session_scope(database_url) as session:
        order = session.get(EnrollmentOrder, counts.enrollment_order_id)
        assert order is not None and order.pdf and order.pdf.startswith(b"%PDF")
        assert session.scalar(select(EnrollmentOrder.id).where(
            EnrollmentOrder.id != order.id)) is None

    closing = [a.order_id for a in offered if a.school_code == "SEV-0004"]
    await eventually(lambda: sum(
        [str(r["code"]) for r in smev_node.responses(o)][-1:] == ["3"] for o in closing)
        == counts.enrolled or None, timeout=60)

"""T18: a status whose request left no ReplyTo is not sent, and an operator is alerted."""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime

import httpx
from sqlalchemy import select

from activities.enrollment.intake import process_message
from gateways.smev.client import SmevClient
from tests.conftest import shared_path
from tests.enrollment.exchange_support import bare_exchange, node_server
from tests.enrollment.payloads import variant
from tsos.campaigns import load_and_prepare
from tsos.db.enrollment import FirstGradeApplication, SmevInboxMessage, SmevOutboxMessage
from tsos.db.session import session_scope

ORDER_ID = 4200078001


def test_a_status_without_reply_to_is_held_for_an_operator(tmp_path, database_url, settings,
                                                           demo_region, caplog) -> None:
    reference = shared_path("reference", "epgu", "first-grade", "campaign-example.yaml")
    payload = variant("01-resident", order_id=ORDER_ID)
    now = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    with session_scope(database_url) as session:
        load_and_prepare(session, reference.read_text(encoding="utf-8"), settings)
        inbox = SmevInboxMessage(message_id=str(uuid.uuid1()), reply_to=None,
                                 received_at=now, raw=payload, payload=payload, state="new")
        session.add(inbox)
        session.flush()
        assert process_message(session, inbox, now=now,
                               region_oktmo=settings.region_oktmo).start is not None

    with node_server(tmp_path / "node.sqlite3") as url:
        exchange = bare_exchange(database_url, lambda: SmevClient(f"{url}/smev"))
        with caplog.at_level(logging.ERROR, logger="tsos.smev_exchange"):
            exchange._send_batch(SmevClient(f"{url}/smev"), 0, 1)
            # Given up, not retried: a second round sends nothing either.
            exchange._send_batch(SmevClient(f"{url}/smev"), 0, 1)
        answered = httpx.get(f"{url}/admin/responses", timeout=10).json()
    responses = answered["responses"] if isinstance(answered, dict) else answered
    assert responses == []

    with session_scope(database_url) as session:
        app = session.scalar(select(FirstGradeApplication)
                             .where(FirstGradeApplication.order_id == ORDER_ID))
        assert app is not None and app.reply_to is None
        row = session.scalar(select(SmevOutboxMessage)
                             .where(SmevOutboxMessage.order_id == ORDER_ID))
        assert row is not None and row.code == "1"
        assert row.sent_at is None and row.gave_up_at is not None
        assert row.attempts == 1 and "ReplyTo" in (row.last_error or "")
    alerts = [r for r in caplog.records if r.getMessage() == "status cannot be sent: no ReplyTo"]
    assert len(alerts) == 1
    assert alerts[0].order_id == ORDER_ID and alerts[0].outbox_id == row.id

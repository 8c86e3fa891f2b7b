"""The provider's deadline (smev.md §1.7, §7 #26): each request's age is counted from SMEV's
SendingTimestamp, and one still without an answer past the alert age is alerted once."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

import httpx

from gateways.smev import namespaces as ns
from gateways.smev.client import SmevClient
from tests.enrollment.exchange_support import bare_exchange, node_server
from tests.gateways.smev.support import application
from tsos.db.enrollment import SmevInboxMessage, SmevOutboxMessage, count_unanswered_requests
from tsos.db.session import session_scope
from tsos.settings import Settings


def _answer(database_url: str, inbox: SmevInboxMessage) -> None:
    with session_scope(database_url) as session:
        session.add(SmevOutboxMessage(
            dedup_key=f"test:{inbox.id}", message_id=ns.new_message_id(),
            reply_to=inbox.reply_to, request_message_id=inbox.message_id,
            kind="RequestRejected", code="FAILURE", comment="Запрос не принят."))


def _inboxes(database_url: str) -> dict[int, SmevInboxMessage]:
    with session_scope(database_url) as session:
        rows = list(session.query(SmevInboxMessage).order_by(SmevInboxMessage.id))
        session.expunge_all()
    return {r.id: r for r in rows}


def test_an_unanswered_request_is_alerted_once_before_the_deadline(
        tmp_path, database_url, caplog) -> None:
    node_time = [time.time() - 40 * 60]
    with node_server(tmp_path / "node.sqlite3", clock=lambda: node_time[0]) as url:
        for order_id in (4200008601, 4200008602):
            httpx.post(f"{url}/admin/enqueue", content=application(order_id),
                       timeout=10).raise_for_status()
        node_time[0] = time.time()
        httpx.post(f"{url}/admin/enqueue", content=application(4200008603),
                   timeout=10).raise_for_status()

        client = SmevClient(f"{url}/smev")
        exchange = bare_exchange(database_url, lambda: client, answer_alert_minutes=30)
        for message_id, accepted in exchange._store(exchange._take(client)):
            client.ack(message_id, accepted)
        rows = list(_inboxes(database_url).values())
        assert len(rows) == 3
        # SMEV's SendingTimestamp is kept: 40 minutes ago for the first two.
        ages = sorted(datetime.now(UTC) - r.sending_timestamp for r in rows)
        assert ages[0] < timedelta(minutes=1) and ages[2] > timedelta(minutes=39)
        old = [r for r in rows if datetime.now(UTC) - r.sending_timestamp > timedelta(
            minutes=30)]
        answered, waiting = old
        _answer(database_url, answered)
        assert exchange._send_batch(client, 0, 1) == 1

        with caplog.at_level(logging.ERROR, logger="tsos.smev_exchange"):
            assert exchange._check_deadlines() == 1
            assert exchange._check_deadlines() == 1  # alerted once, still counted
    alerts = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert [r.inbox_id for r in alerts] == [waiting.id]
    assert "unanswered" in alerts[0].getMessage()
    assert exchange.overdue_answers == 1

    now = _inboxes(database_url)
    assert now[answered.id].answered_at is not None
    assert now[waiting.id].answered_at is None
    assert now[waiting.id].answer_overdue_at is not None
    with session_scope(database_url) as session:
        cutoff = datetime.now(UTC) - timedelta(minutes=30)
        assert count_unanswered_requests(session, cutoff) == 1
        assert count_unanswered_requests(session, datetime.now(UTC) + timedelta(1)) == 2


def test_the_alert_age_is_a_documented_setting() -> None:
    settings = Settings(_env_file=None, TSOS_ENV="test")
    assert settings.smev_answer_alert_minutes == 30.0
    assert Settings(_env_file=None, TSOS_ENV="test",
                    TSOS_SMEV_ANSWER_ALERT_MINUTES="5").smev_answer_alert_minutes == 5.0

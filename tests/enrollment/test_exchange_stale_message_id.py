"""StaleMessageId (smev.md §7 #4): an alert about the clock; after about two days of failed
sending a new version 1 MessageID, with the old one kept; no v4 or upper-case IDs."""

from __future__ import annotations

import logging
import re
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from gateways.smev import namespaces as ns
from gateways.smev.client import SmevClient
from tests.enrollment.exchange_support import bare_exchange, message_id_made_at, node_server
from tests.gateways.smev.support import application
from tsos.db.enrollment import SmevOutboxMessage
from tsos.db.session import session_scope

TWO_DAYS = 2 * 24 * 3600.0
PROJECT = Path(__file__).resolve().parents[2]


def _queue_answer(url: str, database_url: str, message_id: str) -> int:
    """A request taken from the node, and a RequestRejected to it in the outbox."""
    httpx.post(f"{url}/admin/enqueue", content=application(4200008401),
               timeout=10).raise_for_status()
    with SmevClient(f"{url}/smev") as client:
        request = client.get_request()
        client.ack(request.message_id)
    with session_scope(database_url) as session:
        row = SmevOutboxMessage(dedup_key=f"test:{message_id}", message_id=message_id,
                                reply_to=request.reply_to,
                                request_message_id=request.message_id, kind="RequestRejected",
                                code="FAILURE", comment="Запрос не принят.")
        session.add(row)
        session.flush()
        return row.id


def _row(database_url: str, outbox_id: int) -> SmevOutboxMessage:
    with session_scope(database_url) as session:
        row = session.get(SmevOutboxMessage, outbox_id)
        session.expunge(row)
        return row


def test_a_message_failing_for_two_days_is_sent_again_under_a_new_id(
        tmp_path, database_url, caplog) -> None:
    old_id = message_id_made_at(datetime.now(UTC) - timedelta(days=2, hours=3))
    with node_server(tmp_path / "node.sqlite3", stale_message_id_after=TWO_DAYS) as url:
        outbox_id = _queue_answer(url, database_url, old_id)
        exchange = bare_exchange(database_url, lambda: SmevClient(f"{url}/smev"))
        client = SmevClient(f"{url}/smev")

        with caplog.at_level(logging.ERROR, logger="tsos.smev_exchange"):
            exchange._send_batch(client, 0, 1)
        renewed = _row(database_url, outbox_id)
        assert renewed.replaced_message_id == old_id
        assert renewed.message_id != old_id and ns.is_message_id(renewed.message_id)
        assert abs(ns.message_id_time(renewed.message_id) - datetime.now(UTC)) < timedelta(
            minutes=1)
        assert renewed.sent_at is None and renewed.gave_up_at is None
        assert "StaleMessageId" in renewed.last_error
        alert = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert alert and "stale" in alert[0].getMessage()
        assert "clock" in alert[0].getMessage()
        assert alert[0].replaced_message_id == old_id

        exchange._send_batch(client, 0, 1)
        sent = _row(database_url, outbox_id)
        assert sent.sent_at is not None
        answers = httpx.get(f"{url}/admin/responses", timeout=10).json()
        assert [a["message_id"] for a in answers] == [renewed.message_id]


def test_a_young_id_refused_as_stale_is_kept_and_the_clock_blamed(
        tmp_path, database_url, caplog) -> None:
    # SMEV's clock (the node's) is three days ahead of ours.
    skewed = lambda: time.time() + 3 * 24 * 3600  # noqa: E731
    with node_server(tmp_path / "node.sqlite3", clock=skewed,
                     stale_message_id_after=TWO_DAYS) as url:
        message_id = ns.new_message_id()
        outbox_id = _queue_answer(url, database_url, message_id)
        exchange = bare_exchange(database_url, lambda: SmevClient(f"{url}/smev"))
        with caplog.at_level(logging.ERROR, logger="tsos.smev_exchange"):
            exchange._send_batch(SmevClient(f"{url}/smev"), 0, 1)

    row = _row(database_url, outbox_id)
    assert row.message_id == message_id and row.replaced_message_id is None
    # Not given up: once the clock is set right, the same message goes.
    assert row.gave_up_at is None and row.next_attempt_at is not None
    assert "StaleMessageId" in row.last_error
    alert = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(alert) == 1 and "system clock" in alert[0]


def test_our_message_ids_are_lower_case_version_1_uuids() -> None:
    made = [ns.new_message_id() for _ in range(2000)]
    assert len(set(made)) == len(made)
    for value in made:
        assert ns.is_message_id(value) and value == value.lower()
        assert uuid.UUID(value).version == 1
    assert abs(ns.message_id_time(made[-1]) - datetime.now(UTC)) < timedelta(minutes=1)
    # What SMEV refuses: a version 4 UUID, and upper-case hex (the schema's pattern).
    assert not ns.is_message_id(str(uuid.uuid4()))
    assert not ns.is_message_id(made[0].upper())
    with pytest.raises(ValueError):
        ns.message_id_time(str(uuid.uuid4()))


def test_no_outgoing_message_id_is_made_otherwise() -> None:
    # Every place that makes an outbox MessageID uses uuid1 (or ns.new_message_id) as is.
    bad = re.compile(r"message_id\s*=\s*.*(uuid4|\.upper\(\)|\.hex\b)")
    found = []
    for folder in ("tsos", "activities", "gateways/smev"):
        for path in (PROJECT / folder).rglob("*.py"):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if bad.search(line):
                    found.append(f"{path.relative_to(PROJECT)}:{number}: {line.strip()}")
    assert found == []

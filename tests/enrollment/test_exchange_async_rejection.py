"""An asynchronous rejection of our SendResponse (smev.md §1.7, §1.8, §7 #5), read rarely
through GetStatus: routed by OriginalMessageId, the outbox message failed with the fault's
kind and codes (not its text), and nothing crashes on a status without business content."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime

import httpx

from gateways.smev import namespaces as ns
from gateways.smev.client import SmevClient
from gateways.smev.parsing import IncomingResponse, read_get_response_reply
from tests.enrollment.exchange_support import bare_exchange, node_server
from tests.gateways.smev.support import SAMPLES_DIR, StandInSigner, as_version_1_3
from tsos.db.enrollment import SmevOutboxMessage
from tsos.db.session import session_scope

SAMPLE_ID = b"ac9fbf27-8b8c-11eb-9086-e2bf794ac2e9"


def _sample(original: str) -> bytes:
    data = as_version_1_3((SAMPLES_DIR / "GetResponseResponce_InvalidContent.xml").read_bytes())
    return data.replace(SAMPLE_ID, original.encode())


def _sent_answer(database_url: str, key: str) -> tuple[int, str]:
    message_id = ns.new_message_id()
    with session_scope(database_url) as session:
        row = SmevOutboxMessage(dedup_key=key, message_id=message_id, reply_to="opaque",
                                request_message_id=ns.new_message_id(), order_id=4200008501,
                                kind="techCode", code="1", sent_at=datetime.now(UTC))
        session.add(row)
        session.flush()
        return row.id, message_id


def test_the_sample_rejection_reads_without_content() -> None:
    reply = read_get_response_reply(_sample("ad1d4183-8b8c-11eb-9ae4-fa163e6269f4"))
    assert isinstance(reply, IncomingResponse)
    assert reply.payload is None and reply.async_status is not None
    assert reply.async_status.category == "requestIsRejectedBySmev"
    assert reply.async_status.fault.name == "InvalidContent"


def test_a_rejection_fails_the_outbox_message_it_names(tmp_path, database_url,
                                                        caplog) -> None:
    outbox_id, message_id = _sent_answer(database_url, "test:rejected")
    other_id, _ = _sent_answer(database_url, "test:untouched")
    with node_server(tmp_path / "node.sqlite3") as url:
        def queue(data: bytes) -> None:
            httpx.post(f"{url}/admin/statuses", content=data, timeout=10).raise_for_status()

        queue(_sample(message_id))
        # A status nobody asked about, a harmless one, and one without a fault: no crash.
        queue(_sample(ns.new_message_id()))
        queue(_sample(message_id).replace(b">requestIsRejectedBySmev<",
                                          b">responseIsAcceptedBySmev<"))
        queue(b'<s:AsyncProcessingStatus xmlns:s="' + ns.TYPES.encode() + b'">'
              b"<s:OriginalMessageId>" + message_id.encode() + b"</s:OriginalMessageId>"
              b"<s:StatusCategory>responseIsRejectedBySmev</s:StatusCategory>"
              b"</s:AsyncProcessingStatus>")
        assert httpx.post(f"{url}/admin/statuses", content=b"<a/>",
                          timeout=10).status_code == 422

        client = SmevClient(f"{url}/smev", signer=StandInSigner())
        exchange = bare_exchange(database_url, lambda: client)
        with caplog.at_level(logging.INFO, logger="tsos.smev_exchange"):
            assert exchange._read_statuses(client) == 4
            # Each status is given out once.
            assert exchange._read_statuses(client) == 0

    with session_scope(database_url) as session:
        rejected = session.get(SmevOutboxMessage, outbox_id)
        untouched = session.get(SmevOutboxMessage, other_id)
        assert rejected.gave_up_at is not None and rejected.sent_at is not None
        # The last status (no fault) came after the first; the row says what SMEV said.
        assert rejected.last_error.startswith("responseIsRejectedBySmev")
        assert untouched.gave_up_at is None and untouched.last_error is None

    errors = [r for r in caplog.records if r.levelno == logging.ERROR]
    first = errors[0]
    assert first.outbox_id == outbox_id and first.fault == "InvalidContent"
    assert first.smev_code == "SMEV-403"
    assert any(r.getMessage() == "SMEV rejected a message we do not know" for r in errors)
    logged = " ".join(r.getMessage() + str(r.__dict__) for r in caplog.records)
    assert "cvc-complex-type" not in logged and "не соответствуют схеме" not in logged


def test_the_fault_text_stored_names_kind_and_codes_only(tmp_path, database_url) -> None:
    outbox_id, message_id = _sent_answer(database_url, "test:text")
    with node_server(tmp_path / "node.sqlite3") as url:
        httpx.post(f"{url}/admin/statuses", content=_sample(message_id),
                   timeout=10).raise_for_status()
        client = SmevClient(f"{url}/smev", signer=StandInSigner())
        bare_exchange(database_url, lambda: client)._read_statuses(client)
    with session_scope(database_url) as session:
        error = session.get(SmevOutboxMessage, outbox_id).last_error
    assert error.startswith("requestIsRejectedBySmev: ")
    assert "InvalidContent" in error and "SMEV-403" in error
    assert "tsmev3:P:TSMEV3_ASYNC_CORE1:TR:ASYNC:PP:BSV:3" in error
    assert "cvc-" not in error and "series" not in error


def test_without_a_signer_statuses_are_not_polled(tmp_path, database_url, caplog) -> None:
    with node_server(tmp_path / "node.sqlite3") as url:
        exchange = bare_exchange(database_url, lambda: SmevClient(f"{url}/smev"),
                                 status_interval=0.01)

        async def watch() -> None:
            await asyncio.wait_for(exchange._watch_statuses(asyncio.Event()), 10)

        with caplog.at_level(logging.WARNING, logger="tsos.smev_exchange"):
            asyncio.run(watch())
    assert any("GetStatus needs a signer" in r.getMessage() for r in caplog.records)

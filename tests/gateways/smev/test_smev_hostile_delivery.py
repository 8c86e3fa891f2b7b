"""Hostile payloads reach the client raw, through the node, and come back as data.

Nothing is resolved, read or fetched; the client never raises because of what a message
contains; and the message can still be acknowledged and rejected.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from gateways.smev import parsing
from gateways.smev.client import AckOutcome, SmevClient
from gateways.smev.parsing import ProblemKind

from .support import FG, ConnectionRecorder, application

SECRET = "tsos-secret-7f3a9c-must-never-appear"


@pytest.fixture
def recorder() -> Iterator[ConnectionRecorder]:
    listener = ConnectionRecorder()
    yield listener
    listener.close()


@pytest.fixture
def secret_file(tmp_path: Path) -> Path:
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    return path


def deliver(node_url: str, smev: SmevClient, data: bytes) -> tuple[dict, object]:
    queued = httpx.post(f"{node_url}/admin/enqueue", content=data).json()
    return queued, smev.get_request()


def kinds(incoming: parsing.IncomingRequest) -> set[ProblemKind]:
    return {p.kind for p in incoming.problems}


def test_an_external_entity_is_neither_read_nor_fetched(
    node_url: str, smev: SmevClient, secret_file: Path, recorder: ConnectionRecorder
) -> None:
    remote = f"http://127.0.0.1:{recorder.port}"
    payload = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        "<!DOCTYPE fg:FormData [\n"
        f'  <!ENTITY secret SYSTEM "{secret_file.as_uri()}">\n'
        f'  <!ENTITY fetched SYSTEM "{remote}/entity">\n'
        f'  <!ENTITY % remote SYSTEM "{remote}/evil.dtd">\n'
        "  %remote;\n"
        "]>\n"
        f'<fg:FormData xmlns:fg="{FG}"><fg:ApplicationRequest>'
        "<fg:orderId>4200000201</fg:orderId><fg:note>&secret;&fetched;</fg:note>"
        "</fg:ApplicationRequest></fg:FormData>\n"
    ).encode()

    queued, incoming = deliver(node_url, smev, payload)

    assert isinstance(incoming, parsing.IncomingRequest)
    assert incoming.message_id == queued["message_id"]
    assert ProblemKind.DOCTYPE in kinds(incoming)
    assert incoming.payload == payload  # exactly the bytes the portal sent
    for value in (incoming.envelope, incoming.payload, repr(incoming).encode()):
        assert SECRET.encode() not in value
    assert recorder.connections == 0
    assert (
        queued["order_id"] == 4200000201
    )  # read best effort, entities left unresolved


def test_a_billion_laughs_payload_is_not_expanded(
    node_url: str, smev: SmevClient
) -> None:
    entities = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    )
    payload = (
        f'<?xml version="1.0"?>\n<!DOCTYPE lolz [{entities}]>\n'
        f'<fg:FormData xmlns:fg="{FG}">&lol9;</fg:FormData>'
    ).encode()

    started = time.monotonic()
    _, incoming = deliver(node_url, smev, payload)

    assert time.monotonic() - started < 5
    assert ProblemKind.DOCTYPE in kinds(incoming)
    assert (
        incoming.payload == payload and len(incoming.envelope) < 4 * len(payload) + 4096
    )


def test_a_payload_declaring_another_encoding_is_flagged_and_kept_as_sent(
    node_url: str, smev: SmevClient
) -> None:
    payload = (
        '<?xml version="1.0" encoding="windows-1251"?>\n'
        f'<fg:FormData xmlns:fg="{FG}"><fg:ApplicationRequest>'
        "<fg:orderId>4200000203</fg:orderId><fg:note>Запись в 1 класс</fg:note>"
        "</fg:ApplicationRequest></fg:FormData>"
    ).encode("cp1251")

    queued, incoming = deliver(node_url, smev, payload)

    assert kinds(incoming) == {ProblemKind.FOREIGN_ENCODING}
    assert incoming.problems[0].detail == "windows-1251"
    assert incoming.payload == payload
    assert (incoming.payload_root, queued["order_id"]) == ("FormData", 4200000203)


def test_a_two_mebibyte_payload_is_delivered_whole(
    node_url: str, smev: SmevClient
) -> None:
    filler = "Ж" * (2 * 1024 * 1024 // 2)
    payload = application(4200000204).replace(
        b"</fg:ApplicationRequest>",
        f"<fg:note>{filler}</fg:note></fg:ApplicationRequest>".encode(),
    )
    assert len(payload) > 2 * 1024 * 1024

    queued, incoming = deliver(node_url, smev, payload)

    assert incoming.clean and queued["order_id"] == 4200000204
    assert len(incoming.payload) >= len(payload) - 64
    note = parsing.parse_trusted(incoming.payload).findtext(f".//{{{FG}}}note")
    assert note == filler


def test_a_text_node_beyond_the_parsers_limit_is_delivered_raw_and_can_be_rejected(
    node_url: str, smev: SmevClient
) -> None:
    # huge_tree stays off: lxml refuses text nodes over 10 MB, so the reader stops there;
    # the MessageID before the payload and the ReplyTo after it are still found.
    payload = f'<fg:FormData xmlns:fg="{FG}">'.encode() + b"A" * (11 * 1024 * 1024)
    payload += b"</fg:FormData>"

    queued, incoming = deliver(node_url, smev, payload)

    assert incoming.message_id == queued["message_id"]
    assert kinds(incoming) == {ProblemKind.MALFORMED}
    assert incoming.payload.endswith(payload)
    smev.send_response(
        incoming.reply_to, rejection=("FAILURE", "Слишком большое сообщение")
    )


@pytest.mark.parametrize(
    "payload",
    [
        bytes(range(256)) * 8 + b"<<<&&&]]>",
        b"\xff\xfe<\x00F\x00o\x00r\x00m\x00/\x00>\x00",
        b"<fg:FormData xmlns:fg='urn:x'><unclosed>",
        b"",
    ],
    ids=["binary", "utf-16-without-declaration", "truncated", "empty"],
)
def test_garbage_comes_back_as_data_and_can_be_acked_and_rejected(
    payload: bytes, node_url: str, smev: SmevClient
) -> None:
    queued, incoming = deliver(node_url, smev, payload)

    assert isinstance(incoming, parsing.IncomingRequest)
    assert incoming.message_id == queued["message_id"] and queued["order_id"] is None
    assert kinds(incoming) & {ProblemKind.MALFORMED, ProblemKind.PAYLOAD_MISSING}
    if payload.strip():
        assert incoming.payload is not None and incoming.payload.endswith(payload)
    assert smev.ack(incoming.message_id) is AckOutcome.ACKED
    smev.send_response(
        incoming.reply_to, rejection=("FAILURE", "Сообщение не читается")
    )
    answers = httpx.get(f"{node_url}/admin/responses").json()
    assert [(a["kind"], a["code"], a["order_id"]) for a in answers] == [
        ("RequestRejected", "FAILURE", None)
    ]

"""How the client reports trouble: retryable versus permanent (smev.md §1.10, §7.13)."""

from __future__ import annotations

import shutil
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from gateways.smev import schemas
from gateways.smev.client import SmevClient
from gateways.smev.errors import (
    SmevConfigurationError,
    SmevError,
    SmevHttpError,
    SmevRejectingFault,
    SmevServerError,
    SmevTransientFault,
    SmevUnavailable,
)
from gateways.smev.local_node import replies

from .support import ConnectionRecorder, as_version_1_3, free_port


@dataclass
class Canned:
    status: int
    body: bytes
    content_type: str = "text/xml; charset=utf-8"
    delay: float = 0.0


@dataclass
class CannedServer:
    """A stand-in for SMEV that answers each POST with the next canned reply."""

    replies: list[Canned] = field(default_factory=list)
    received: list[tuple[dict[str, str], bytes]] = field(default_factory=list)
    url: str = ""


@pytest.fixture
def canned() -> Iterator[CannedServer]:
    state = CannedServer()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            state.received.append((dict(self.headers), body))
            reply = state.replies.pop(0)
            time.sleep(reply.delay)
            try:
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
            except ConnectionError:
                pass  # the client gave up waiting: the timeout test

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.block_on_close = False
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/smev"
    yield state
    server.shutdown()
    server.server_close()


def fault(name: str, **details: object) -> Canned:
    return Canned(
        500, replies.fault(name, "SMEV-000:описание", operation="Ack", **details)
    )


@pytest.mark.parametrize(
    ("reply", "expected", "retryable"),
    [
        (fault("SMEVFailure"), SmevTransientFault, True),
        (fault("DestinationOverflow"), SmevTransientFault, True),
        (
            Canned(503, b"<html>Service Unavailable</html>", "text/html"),
            SmevServerError,
            True,
        ),
        (Canned(502, b""), SmevServerError, True),
        (
            fault("InvalidContent", validation_errors=("cvc-pattern-valid",)),
            SmevRejectingFault,
            False,
        ),
        (
            fault("SignatureVerificationFault", reason="SignatureIsInvalid"),
            SmevRejectingFault,
            False,
        ),
        (fault("SenderIsNotRegistered"), SmevRejectingFault, False),
        (Canned(404, b"Not Found", "text/plain"), SmevHttpError, False),
    ],
    ids=[
        "smev-failure",
        "destination-overflow",
        "http-503",
        "http-502-empty",
        "invalid-content",
        "signature",
        "not-registered",
        "http-404",
    ],
)
def test_errors_are_split_into_retryable_and_permanent(
    reply: Canned, expected: type[SmevError], retryable: bool, canned: CannedServer
) -> None:
    canned.replies.append(reply)

    with SmevClient(canned.url, timeout=5) as smev, pytest.raises(expected) as caught:
        smev.ack("1b4e28ba-2fa1-11d2-883f-0016d3cca427")

    assert caught.value.retryable is retryable


def test_no_connection_is_retryable() -> None:
    with SmevClient(f"http://127.0.0.1:{free_port()}/smev", timeout=2) as smev:
        with pytest.raises(SmevUnavailable) as caught:
            smev.get_request()

    assert caught.value.retryable


def test_no_answer_in_time_is_retryable(canned: CannedServer) -> None:
    canned.replies.append(Canned(200, replies.empty_reply("GetRequest"), delay=0.5))

    with SmevClient(canned.url, timeout=0.1) as smev, pytest.raises(SmevUnavailable):
        smev.get_request()


def test_the_operation_is_named_in_the_soap_action(canned: CannedServer) -> None:
    canned.replies.append(Canned(200, replies.empty_reply("GetRequest")))

    with SmevClient(canned.url) as smev:
        assert smev.get_request() is None

    headers, body = canned.received[0]
    assert headers["SOAPAction"] == '"urn:GetRequest"'
    assert body == smev.last_exchange.sent


def test_an_empty_queue_sent_as_multipart_is_read_as_empty(
    canned: CannedServer, samples_dir: Path
) -> None:
    body = as_version_1_3(
        (samples_dir / "GetResponseResponce_MultipartEmptyQueue.xml").read_bytes()
    ).replace(b"GetResponseResponse", b"GetRequestResponse")
    content_type = (
        'multipart/related; type="application/xop+xml"; '
        'boundary="f438a15e-9b5b-491f-9b47-aba4d00b8837"; '
        'start="<root.message@cxf.apache.org>"; start-info="text/xml"'
    )
    canned.replies.append(Canned(200, body, content_type))

    with SmevClient(canned.url) as smev:
        assert smev.get_request() is None


def test_the_operators_official_schemas_can_be_used_instead_of_ours(
    canned: CannedServer, official_dir: Path
) -> None:
    canned.replies.append(Canned(200, replies.empty_reply("GetRequest")))

    with SmevClient(canned.url, schema_dir=official_dir) as smev:
        assert smev.get_request() is None


def test_a_schema_directory_without_the_files_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SmevConfigurationError, match="не найдены"):
        SmevClient("http://127.0.0.1:1/smev", schema_dir=tmp_path)


def test_a_schema_that_imports_from_the_network_is_refused_without_fetching(
    tmp_path: Path,
) -> None:
    listener = ConnectionRecorder()
    for source in schemas.OWN_SCHEMA_DIR.iterdir():
        shutil.copy(source, tmp_path / source.name)
    wsdl = tmp_path / schemas.WSDL_FILE
    wsdl.write_text(
        wsdl.read_text().replace(
            f'schemaLocation="{schemas.FAULTS_FILE}"',
            f'schemaLocation="http://127.0.0.1:{listener.port}/{schemas.FAULTS_FILE}"',
        )
    )

    try:
        with pytest.raises(SmevConfigurationError):
            SmevClient("http://127.0.0.1:1/smev", schema_dir=tmp_path)
    finally:
        listener.close()
    assert listener.connections == 0


def test_only_http_endpoints_are_accepted() -> None:
    with pytest.raises(SmevConfigurationError):
        SmevClient("file:///etc/passwd")

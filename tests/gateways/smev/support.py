"""Helpers of the SMEV gateway tests: a stand-in signer, a local node server, sample files."""

from __future__ import annotations

import hashlib
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import uvicorn
from lxml import etree

from gateways.smev import namespaces as ns
from gateways.smev.local_node.app import create_app

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("TSOS_SHARED_DIR", REPO_ROOT.parent / "shared"))
OFFICIAL_DIR = SHARED_DIR / "reference" / "smev3" / "message-exchange" / "1.3"
SAMPLES_DIR = SHARED_DIR / "reference" / "smev3" / "samples" / "smev3sharp"
FIRST_GRADE_DIR = SHARED_DIR / "reference" / "epgu" / "first-grade" / "1.0.0"
FG = "urn://x-artefacts-tsos/epgu/concentrator/first-grade/1.0.0"


class StandInSigner:
    """Stands in for gateways.smev.signing.Signer: a ds:Signature of the right shape.

    The digest is SHA-256 of the exclusive C14N of the element, enough to tell that the
    signature covers the element as sent; the GOST signing itself is tested elsewhere.
    """

    certificate_der = b"stand-in certificate"

    def __init__(self, *, valid: bool = True) -> None:
        self.signed: list[tuple[str, str]] = []
        self.verified: list[str] = []
        self._valid = valid

    def sign(self, element: etree._Element, *, reference_id: str) -> etree._Element:
        self.signed.append((etree.QName(element).localname, reference_id))
        digest = hashlib.sha256(etree.tostring(element, method="c14n", exclusive=True))
        ds = f"{{{ns.DS}}}"
        signature = etree.Element(ds + "Signature", nsmap={"ds": ns.DS})
        info = etree.SubElement(signature, ds + "SignedInfo")
        reference = etree.SubElement(info, ds + "Reference", URI=f"#{reference_id}")
        etree.SubElement(reference, ds + "DigestValue").text = digest.hexdigest()
        etree.SubElement(signature, ds + "SignatureValue").text = "c3RhbmQtaW4="
        return signature

    def verify(self, signature: etree._Element, signed: etree._Element) -> bool:
        self.verified.append(signed.get("Id") or "")
        if not self._valid:
            raise ValueError("signature does not verify")
        return True


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def running_node(
    db_path: Path,
    *,
    redelivery_timeout: float = 1.0,
    clock: Callable[[], float] = time.time,
) -> Iterator[str]:
    """The local node served by uvicorn on a free loopback port; yields its base URL."""
    app = create_app(db_path, redelivery_timeout=redelivery_timeout, clock=clock)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(
            app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local SMEV node did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


class ConnectionRecorder:
    """A loopback TCP listener that counts connections: proof that nothing was fetched."""

    def __init__(self) -> None:
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(8)
        self._socket.settimeout(0.1)
        self.port = self._socket.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)
        self._socket.close()


def as_version_1_3(data: bytes) -> bytes:
    """A sample in schema 1.2 namespaces, rewritten to 1.3."""
    return re.sub(
        rb"(message-exchange/types(?:/basic|/faults)?)/1\.2", rb"\1/1.3", data
    )


def first_grade_response(
    order_id: int, tech_code: int = 1, comment: str = "Принято"
) -> bytes:
    text = (
        f'<fg:FormDataResponse xmlns:fg="{FG}"><fg:changeOrderInfo>'
        f"<fg:orderId><fg:pguId>{order_id}</fg:pguId></fg:orderId>"
        f"<fg:statusCode><fg:techCode>{tech_code}</fg:techCode></fg:statusCode>"
        f"<fg:comment>{comment}</fg:comment><fg:cancelAllowed>true</fg:cancelAllowed>"
        "</fg:changeOrderInfo></fg:FormDataResponse>"
    )
    return text.encode("utf-8")


def application(order_id: int) -> bytes:
    """A small first-grade application with the given order number (invented data)."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<fg:FormData xmlns:fg="{FG}" oktmo="67000000"><fg:ApplicationRequest>'
        f"<fg:orderId>{order_id}</fg:orderId>"
        '<fg:ServicesType code="600426">Запись в 1 класс</fg:ServicesType>'
        "</fg:ApplicationRequest></fg:FormData>\n"
    ).encode()

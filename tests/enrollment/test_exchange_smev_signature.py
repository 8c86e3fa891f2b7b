"""A delivered request whose SMEV signature does not verify is stored, acked as not
accepted, refused, and never registered (smev.md §7 #22)."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import pytest_asyncio
from lxml import etree
from sqlalchemy import func, select

from gateways.smev import envelopes, parsing
from gateways.smev import namespaces as ns
from gateways.smev.client import SmevClient
from tests.enrollment.conftest import codes, eventually, exchange_config
from tests.enrollment.payloads import variant
from tsos.clock import SystemClock
from tsos.db.enrollment import FirstGradeApplication, SmevInboxMessage, SmevOutboxMessage
from tsos.db.session import session_scope
from tsos.smev_exchange import SmevExchange

pytestmark = pytest.mark.asyncio

FORGED_ORDER = 8401


@pytest.fixture(scope="module")
def smev_signer(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from gateways.smev import signing

    key, certificate = signing.generate_test_credentials(tmp_path_factory.mktemp("smev"))
    return signing.GostcryptoSigner.from_files(key, certificate)


def signed_by_smev(received: bytes, signer: Any, *, spoil: bool) -> bytes:
    """The node's GetRequest reply with SMEV's signature over the Request, as SMEV adds
    it; `spoil` changes the signature value so that it no longer verifies."""
    root = parsing.parse_trusted(received)
    message = next(root.iter(ns.types("RequestMessage")), None)
    if message is None:
        return received
    request = message.find(ns.types("Request"))
    request.set("Id", "SIGNED_BY_SMEV")
    signature = signer.sign(request, reference_id="SIGNED_BY_SMEV")
    if spoil:
        value = signature.find(f".//{{{ns.DS}}}SignatureValue")
        raw = bytearray(base64.b64decode(value.text))
        raw[0] ^= 0xFF
        value.text = base64.b64encode(bytes(raw)).decode()
    etree.SubElement(message, ns.types("SMEVSignature")).append(signature)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


class SmevSigningNode(SmevClient):
    """The local node behind a stand-in for SMEV's signature on what it delivers."""

    def __init__(self, url: str, signer: Any) -> None:
        from gateways.smev import signing

        super().__init__(url, verify=signing.verify)
        self._smev_signer = signer

    def get_request(self, namespace_uri: str | None = None,
                    root_element: str | None = None) -> Any:
        envelope = envelopes.build_get_request(timestamp=self._clock(), node_id=self._node_id,
                                               namespace_uri=namespace_uri,
                                               root_element=root_element)
        exchange = self._call("GetRequest", envelope)
        spoil = str(FORGED_ORDER).encode() in exchange.received
        received = signed_by_smev(exchange.received, self._smev_signer, spoil=spoil)
        return parsing.read_get_request_reply(received, exchange.content_type,
                                              http_status=exchange.status_code,
                                              verify=self._verify)


@pytest_asyncio.fixture
async def signing_exchange(smev_node, database_url, settings, running_worker, queue_names,
                           smev_signer) -> AsyncIterator[SmevExchange]:
    exchange = SmevExchange(exchange_config(database_url, settings, queue_names),
                            lambda: SmevSigningNode(smev_node.url + "/smev", smev_signer),
                            running_worker.client, SystemClock())
    stop = asyncio.Event()
    task = asyncio.create_task(exchange.run(stop))
    yield exchange
    stop.set()
    await task


def _requests(node: Any) -> list[dict[str, Any]]:
    reply = httpx.get(f"{node.url}/admin/requests", timeout=10)
    reply.raise_for_status()
    return reply.json()


async def test_a_request_with_a_bad_smev_signature_is_refused_and_not_registered(
        smev_node, signing_exchange, reference_campaign, database_url) -> None:
    forged = smev_node.enqueue(variant("01-resident", order_id=FORGED_ORDER))
    good = smev_node.enqueue(variant("02-sibling-right", order_id=8402))

    # The good one, signed properly, goes through as usual.
    await eventually(lambda: codes(smev_node, 8402) == ["1", "311"] or None, timeout=30)
    refused = await eventually(lambda: [r for r in smev_node.responses()
                                        if r["request_message_id"] == forged["message_id"]])
    await asyncio.sleep(1)

    assert [(r["kind"], r["code"]) for r in refused] == [("RequestRejected", "FAILURE")]
    assert "подпись" in refused[0]["comment"]
    acks = {r["message_id"]: (r["acked"], r["ack_accepted"]) for r in _requests(smev_node)}
    assert acks[forged["message_id"]] == (True, False)
    assert acks[good["message_id"]] == (True, True)

    with session_scope(database_url) as session:
        inbox = session.scalar(select(SmevInboxMessage).where(
            SmevInboxMessage.message_id == forged["message_id"]))
        assert inbox is not None and inbox.raw and inbox.state == "rejected"
        assert inbox.outcome == "rejected:smev_signature_invalid"
        assert session.scalar(select(func.count()).select_from(FirstGradeApplication)
                              .where(FirstGradeApplication.order_id == FORGED_ORDER)) == 0
        assert session.scalar(select(func.count()).select_from(SmevOutboxMessage).where(
            SmevOutboxMessage.request_message_id == forged["message_id"])) == 1

"""Envelopes signed by the project's GOST signer verify as they leave the client."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from lxml import etree

from gateways.smev import namespaces as ns
from gateways.smev.client import SmevClient
from gateways.smev.parsing import parse_trusted

from .support import application, first_grade_response


@pytest.fixture(scope="module")
def signing_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, Any]:
    from gateways.smev import signing

    key, certificate = signing.generate_test_credentials(
        tmp_path_factory.mktemp("keys")
    )
    return signing, signing.GostcryptoSigner.from_files(key, certificate)


def test_every_signed_envelope_verifies_over_the_bytes_sent(
    node_url: str, signing_pair: tuple
) -> None:
    signing, signer = signing_pair
    httpx.post(f"{node_url}/admin/enqueue", content=application(4200000401))
    sent: list[bytes] = []

    with SmevClient(f"{node_url}/smev", signer=signer, verify=signing.verify) as smev:
        incoming = smev.get_request()
        sent.append(smev.last_exchange.sent)
        smev.ack(incoming.message_id)
        sent.append(smev.last_exchange.sent)
        smev.send_response(incoming.reply_to, payload=first_grade_response(4200000401))
        sent.append(smev.last_exchange.sent)
        assert smev.get_status() is None
        sent.append(smev.last_exchange.sent)

    for envelope in sent:
        operation = parse_trusted(envelope).find(f"{ns.soap('Body')}/*")
        signed, container = operation[0], operation[-1]
        assert container.tag == ns.types("CallerInformationSystemSignature")
        signing.verify(container[0], signed)


def test_a_changed_byte_in_the_signed_element_fails_verification(
    node_url: str, signing_pair: tuple
) -> None:
    signing, signer = signing_pair
    httpx.post(f"{node_url}/admin/enqueue", content=application(4200000402))
    with SmevClient(f"{node_url}/smev", signer=signer) as smev:
        incoming = smev.get_request()
        smev.send_response(incoming.reply_to, rejection=("NO_DATA", "Нет сведений"))
        envelope = smev.last_exchange.sent

    tampered = envelope.replace("Нет сведений".encode(), "Нет  сведений".encode())
    operation = parse_trusted(tampered).find(f"{ns.soap('Body')}/*")
    with pytest.raises(signing.SignatureInvalid):
        signing.verify(operation[-1][0], operation[0])
    assert etree.QName(operation[0]).localname == "SenderProvidedResponseData"

"""The client against the local node over real HTTP: the provider's whole exchange."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from gateways.smev import envelopes, parsing
from gateways.smev import namespaces as ns
from gateways.smev.client import AckOutcome, SmevClient
from gateways.smev.errors import SmevConfigurationError, SmevRejectingFault
from gateways.smev.local_node import replies

from .support import (
    FG,
    FIRST_GRADE_DIR,
    StandInSigner,
    application,
    first_grade_response,
    running_node,
)


def enqueue(node_url: str, data: bytes, **params: object) -> dict:
    reply = httpx.post(f"{node_url}/admin/enqueue", content=data, params=params)
    assert reply.status_code == 200, reply.text
    return reply.json()


def responses(node_url: str, order_id: int | None = None) -> list[dict]:
    params = {"order_id": order_id} if order_id is not None else {}
    return httpx.get(f"{node_url}/admin/responses", params=params).json()


def test_a_request_goes_from_the_portal_to_us_and_our_answers_back(
    node_url: str, smev: SmevClient
) -> None:
    example = FIRST_GRADE_DIR / "examples" / "01-resident.xml"
    if not example.is_file():
        pytest.skip(f"first-grade examples absent: {example}")
    queued = enqueue(node_url, example.read_bytes())
    assert queued["order_id"] == 4200000101

    incoming = smev.get_request(FG, "FormData")
    assert isinstance(incoming, parsing.IncomingRequest)
    assert incoming.message_id == queued["message_id"] and incoming.clean
    assert (incoming.payload_namespace, incoming.payload_root) == (FG, "FormData")
    form = parsing.parse_trusted(incoming.payload)
    assert form.findtext(f".//{{{FG}}}PersonSurname") == "Примерова"
    assert smev.ack(incoming.message_id) is AckOutcome.ACKED

    first = smev.send_response(
        incoming.reply_to, payload=first_grade_response(4200000101)
    )
    second = smev.send_response(
        incoming.reply_to, rejection=("FAILURE", "Повторите позже")
    )

    answers = responses(node_url, order_id=4200000101)
    assert [a["message_id"] for a in answers] == [first, second]
    assert answers[0] | {"sent_at": None} == {
        "order_id": 4200000101,
        "kind": "techCode",
        "code": 1,
        "comment": "Принято",
        "cancel_allowed": True,
        "sent_at": None,
        "request_message_id": incoming.message_id,
        "message_id": first,
    }
    assert (answers[1]["kind"], answers[1]["code"], answers[1]["comment"]) == (
        "RequestRejected",
        "FAILURE",
        "Повторите позже",
    )
    assert answers[1]["order_id"] == 4200000101  # from the request it answers
    assert datetime.fromisoformat(answers[0]["sent_at"]) <= datetime.fromisoformat(
        answers[1]["sent_at"]
    )
    assert responses(node_url, order_id=1) == []

    queue = httpx.get(f"{node_url}/admin/requests").json()
    assert queue == [
        {
            "message_id": incoming.message_id,
            "order_id": 4200000101,
            "root": "FormData",
            "delivery_count": 1,
            "acked": True,
            "ack_accepted": True,
        }
    ]
    assert smev.get_request() is None


def test_a_request_not_acked_in_time_is_delivered_again(
    node_url: str, smev: SmevClient
) -> None:
    queued = enqueue(node_url, application(4200000102))

    first = smev.get_request()
    assert smev.get_request() is None  # handed out, not yet due again

    time.sleep(1.1)
    again = smev.get_request()
    assert again.message_id == first.message_id == queued["message_id"]
    assert smev.ack(again.message_id) is AckOutcome.ACKED

    time.sleep(1.1)
    assert smev.get_request() is None


def test_the_same_message_offered_three_times_keeps_its_message_id(
    tmp_path: Path,
) -> None:
    now = [1_800_000_000.0]
    with (
        running_node(
            tmp_path / "node.sqlite3", redelivery_timeout=30, clock=lambda: now[0]
        ) as url,
        SmevClient(f"{url}/smev") as smev,
    ):
        queued = enqueue(url, application(4200000103))

        offers = []
        for _ in range(3):
            offers.append(smev.get_request())
            now[0] += 31

        assert {o.message_id for o in offers} == {queued["message_id"]}
        assert len({o.envelope for o in offers}) == 1
        assert {o.reply_to for o in offers} == {offers[0].reply_to}
        delivery_count = httpx.get(f"{url}/admin/requests").json()[0]["delivery_count"]
        assert delivery_count == 3


def test_the_queues_survive_a_restart_of_the_node(tmp_path: Path) -> None:
    database = tmp_path / "node.sqlite3"
    with running_node(database) as url:
        queued = enqueue(url, application(4200000104))

    with running_node(database) as url, SmevClient(f"{url}/smev") as smev:
        incoming = smev.get_request()
        assert incoming.message_id == queued["message_id"]
        smev.ack(incoming.message_id)
        smev.send_response(incoming.reply_to, payload=first_grade_response(4200000104))

    with running_node(database) as url:
        assert [a["code"] for a in responses(url, order_id=4200000104)] == [1]


def test_a_retried_ack_after_a_lost_reply_counts_as_acked(
    node_url: str, smev: SmevClient
) -> None:
    enqueue(node_url, application(4200000105))
    incoming = smev.get_request()

    assert smev.ack(incoming.message_id) is AckOutcome.ACKED
    assert smev.ack(incoming.message_id) is AckOutcome.ALREADY_ACKED


def test_a_retried_send_with_the_same_message_id_is_sent_once(
    node_url: str, smev: SmevClient
) -> None:
    enqueue(node_url, application(4200000106))
    incoming = smev.get_request()
    message_id = ns.new_message_id()

    for _ in range(2):
        sent = smev.send_response(
            incoming.reply_to,
            payload=first_grade_response(4200000106),
            message_id=message_id,
        )
        assert sent == message_id

    assert [a["message_id"] for a in responses(node_url)] == [message_id]


def test_an_answer_to_an_unknown_reply_to_is_a_permanent_error(
    smev: SmevClient,
) -> None:
    with pytest.raises(SmevRejectingFault) as caught:
        smev.send_response("bm90IGEgcmVwbHlUbw==", rejection=("FAILURE", "x"))

    assert (
        caught.value.error_type == "RecipientIsNotFound" and not caught.value.retryable
    )


def test_the_node_answers_an_invalid_envelope_with_an_invalid_content_fault(
    node_url: str,
) -> None:
    envelope = envelopes.build_ack(ns.new_message_id()).replace(
        b'accepted="true"', b'accepted="maybe"'
    )

    reply = httpx.post(
        f"{node_url}/smev",
        content=envelope,
        headers={"Content-Type": "text/xml; charset=utf-8"},
    )

    assert reply.status_code == 500
    with pytest.raises(SmevRejectingFault) as caught:
        parsing.read_ack_reply(reply.content, http_status=reply.status_code)
    assert caught.value.error_type == "InvalidContent"
    assert caught.value.fault.validation_errors


def test_the_node_refuses_an_envelope_without_a_header_as_smev_does(
    node_url: str,
) -> None:
    envelope = envelopes.build_get_request(timestamp=datetime.now(UTC)).replace(
        b"<soap:Header/>", b""
    )

    reply = httpx.post(f"{node_url}/smev", content=envelope)

    with pytest.raises(SmevRejectingFault) as caught:
        parsing.read_get_request_reply(reply.content, http_status=reply.status_code)
    assert caught.value.fault.reason == "PoorSOAPEnvelopeFormat"


def test_the_type_selector_takes_only_requests_of_that_type(
    node_url: str, smev: SmevClient
) -> None:
    other = enqueue(node_url, b'<o:Other xmlns:o="urn:example:other"/>')
    wanted = enqueue(node_url, application(4200000107))

    assert smev.get_request(FG, "FormData").message_id == wanted["message_id"]
    assert smev.get_request(FG, "FormData") is None
    assert smev.get_request().message_id == other["message_id"]


def test_a_test_message_is_flagged(node_url: str, smev: SmevClient) -> None:
    enqueue(node_url, application(4200000108), test_message="true")

    assert smev.get_request().is_test


def test_get_status_needs_a_signer_and_is_empty_on_the_node(node_url: str) -> None:
    with SmevClient(f"{node_url}/smev") as unsigned:
        with pytest.raises(SmevConfigurationError):
            unsigned.get_status()

    with SmevClient(f"{node_url}/smev", signer=StandInSigner()) as signed:
        assert signed.get_status() is None


def test_signed_envelopes_are_sent_as_signed_and_captured_byte_for_byte(
    node_url: str,
) -> None:
    signer = StandInSigner()
    enqueue(node_url, application(4200000109))

    with SmevClient(f"{node_url}/smev", signer=signer) as smev:
        incoming = smev.get_request()
        exchange = smev.last_exchange

    assert exchange.received == incoming.envelope and exchange.status_code == 200
    sent = parsing.parse_trusted(exchange.sent)
    assert sent.find(f".//{ns.types('CallerInformationSystemSignature')}") is not None
    assert signer.signed == [("MessageTypeSelector", ns.ID_CALLER)]


def test_the_portal_side_reads_our_answers_with_get_response(
    node_url: str, smev: SmevClient
) -> None:
    queued = enqueue(node_url, application(4200000110))
    incoming = smev.get_request()
    sent = smev.send_response(
        incoming.reply_to, payload=first_grade_response(4200000110)
    )

    envelope = envelopes.build_get_response(timestamp=datetime.now(UTC))
    reply = httpx.post(f"{node_url}/smev", content=envelope)
    answer = parsing.read_get_response_reply(
        reply.content, http_status=reply.status_code
    )

    assert (
        answer.message_id == sent and answer.original_message_id == queued["message_id"]
    )
    assert answer.payload_root == "FormDataResponse"
    assert smev.ack(answer.message_id) is AckOutcome.ACKED
    again = httpx.post(f"{node_url}/smev", content=envelope)
    assert parsing.read_get_response_reply(again.content) is None


def test_a_whole_envelope_is_delivered_as_it_is_with_its_id_replaced(
    node_url: str, smev: SmevClient
) -> None:
    original = ns.new_message_id()
    envelope = replies.request_envelope(
        application(4200000111),
        message_id=original,
        reply_to="RklMRS1SRVBMWS1UTw==",
        sent_at=datetime.now(UTC),
    )
    override = ns.new_message_id()

    queued = enqueue(node_url, envelope, message_id=override)
    incoming = smev.get_request()

    assert queued == {"message_id": override, "order_id": 4200000111}
    assert incoming.message_id == override and incoming.metadata.message_id == override
    assert incoming.reply_to == "RklMRS1SRVBMWS1UTw=="
    assert incoming.envelope == envelope.replace(original.encode(), override.encode())
    smev.send_response(incoming.reply_to, rejection=("NO_DATA", "Нет сведений"))
    assert responses(node_url)[0]["request_message_id"] == override


def test_an_envelope_whose_message_id_is_unreadable_reaches_the_client_as_unreadable(
    node_url: str, smev: SmevClient
) -> None:
    envelope = replies.request_envelope(
        application(4200000112),
        message_id="0000-not-a-uuid",
        reply_to="UkVKRUNUIE1F",
        sent_at=datetime.now(UTC),
    )
    enqueue(node_url, envelope)

    result = smev.get_request()

    assert isinstance(result, parsing.UnreadableMessage)
    assert result.envelope == envelope and result.reply_to == "UkVKRUNUIE1F"
    smev.send_response(result.reply_to, rejection=("FAILURE", "Сообщение не читается"))
    assert responses(node_url)[0]["kind"] == "RequestRejected"


def test_enqueue_refuses_a_bad_or_repeated_message_id(node_url: str) -> None:
    bad = httpx.post(
        f"{node_url}/admin/enqueue",
        content=application(1),
        params={"message_id": "NOT-A-UUID"},
    )
    message_id = ns.new_message_id()
    enqueue(node_url, application(1), message_id=message_id)
    repeated = httpx.post(
        f"{node_url}/admin/enqueue",
        content=application(1),
        params={"message_id": message_id},
    )

    assert bad.status_code == 422 and repeated.status_code == 409

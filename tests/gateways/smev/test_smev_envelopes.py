"""The envelopes we build: shape, identifiers, signatures, and validity against both schemas."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from lxml import etree

from gateways.smev import envelopes, schemas
from gateways.smev import namespaces as ns
from gateways.smev.local_node import replies
from gateways.smev.parsing import parse_trusted

from .support import FG, StandInSigner, first_grade_response

NOW = datetime(2026, 4, 1, 9, 30, tzinfo=timezone(timedelta(hours=3)))
MESSAGE_ID = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"  # a version 1 UUID
REPLY_TO = "eyJzaWQiOjEsIm1pZCI6IngiLCJlb2wiOjB9"


def _operation(envelope: bytes) -> etree._Element:
    body = parse_trusted(envelope).find(ns.soap("Body"))
    assert len(body) == 1
    return body[0]


def _client_envelopes(signer: StandInSigner | None) -> dict[str, bytes]:
    built = {
        "get_request": envelopes.build_get_request(timestamp=NOW, signer=signer),
        "get_request_typed": envelopes.build_get_request(
            timestamp=NOW,
            namespace_uri=FG,
            root_element="FormData",
            node_id="node-2",
            signer=signer,
        ),
        "get_response": envelopes.build_get_response(timestamp=NOW, signer=signer),
        "ack": envelopes.build_ack(MESSAGE_ID, signer=signer),
        "ack_refused": envelopes.build_ack(MESSAGE_ID, accepted=False, signer=signer),
        "send_payload": envelopes.build_send_response(
            message_id=MESSAGE_ID,
            to=REPLY_TO,
            payload=first_grade_response(4200000101),
            signer=signer,
        ),
        "send_rejection": envelopes.build_send_response(
            message_id=MESSAGE_ID,
            to=REPLY_TO,
            rejection=("UNKNOWN_REQUEST_DESCRIPTION", "Вид запроса не поддерживается"),
            signer=signer,
        ),
    }
    if signer is not None:
        built["get_status"] = envelopes.build_get_status(timestamp=NOW, signer=signer)
    return built


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_every_envelope_we_build_is_valid_against_the_official_and_our_schema(
    signed: bool,
    official_schema: schemas.MessageSchema,
    own_schema: schemas.MessageSchema,
) -> None:
    signer = StandInSigner() if signed else None

    for name, envelope in _client_envelopes(signer).items():
        operation = _operation(envelope)
        assert official_schema.errors(operation) == [], name
        assert own_schema.errors(operation) == [], name


def test_the_schemas_notice_an_envelope_smev_would_refuse(
    official_schema: schemas.MessageSchema, own_schema: schemas.MessageSchema
) -> None:
    operation = _operation(envelopes.build_ack(MESSAGE_ID))
    operation.find(ns.basic("AckTargetMessage")).text = MESSAGE_ID.upper()

    assert official_schema.errors(operation)
    assert own_schema.errors(operation)


def test_every_envelope_has_a_soap_header_so_smev_never_answers_poor_envelope_format() -> (
    None
):
    for name, envelope in _client_envelopes(StandInSigner()).items():
        root = parse_trusted(envelope)
        assert [etree.QName(c).localname for c in root] == ["Header", "Body"], name


def test_the_signature_covers_the_element_with_the_id_and_is_placed_after_it() -> None:
    signer = StandInSigner()

    envelope = envelopes.build_send_response(
        message_id=MESSAGE_ID,
        to=REPLY_TO,
        payload=first_grade_response(1),
        signer=signer,
    )

    operation = _operation(envelope)
    assert signer.signed == [("SenderProvidedResponseData", ns.ID_PROVIDER)]
    assert [etree.QName(c).localname for c in operation] == [
        "SenderProvidedResponseData",
        "CallerInformationSystemSignature",
    ]
    reference = operation.find(f".//{{{ns.DS}}}Reference")
    assert reference.get("URI") == f"#{ns.ID_PROVIDER}"
    assert operation[0].get("Id") == ns.ID_PROVIDER


def test_the_signed_element_is_sent_exactly_as_it_was_when_signed() -> None:
    signer = StandInSigner()

    envelope = envelopes.build_ack(MESSAGE_ID, signer=signer)

    # The stand-in's digest is over exclusive C14N at signing time; recompute it over the
    # element as it arrives on the wire.
    target = _operation(envelope).find(ns.basic("AckTargetMessage"))
    digest = hashlib.sha256(
        etree.tostring(target, method="c14n", exclusive=True)
    ).hexdigest()
    assert _operation(envelope).findtext(f".//{{{ns.DS}}}DigestValue") == digest


def test_the_request_type_filter_is_omitted_as_a_pair_when_not_given() -> None:
    untyped = _operation(envelopes.build_get_request(timestamp=NOW))
    typed = _operation(
        envelopes.build_get_request(
            timestamp=NOW, namespace_uri=FG, root_element="FormData"
        )
    )

    selector = untyped.find(ns.basic("MessageTypeSelector"))
    assert [etree.QName(c).localname for c in selector] == ["Timestamp"]
    selector = typed.find(ns.basic("MessageTypeSelector"))
    assert [etree.QName(c).localname for c in selector] == [
        "NamespaceURI",
        "RootElementLocalName",
        "Timestamp",
    ]
    with pytest.raises(ValueError, match="together"):
        envelopes.build_get_request(timestamp=NOW, namespace_uri=FG)


def test_timestamps_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        envelopes.build_get_request(timestamp=datetime(2026, 4, 1, 9, 30))

    stamp = _operation(envelopes.build_get_request(timestamp=NOW)).findtext(
        f"{ns.basic('MessageTypeSelector')}/{ns.basic('Timestamp')}"
    )
    assert stamp == "2026-04-01T09:30:00.000+03:00"


def test_new_message_ids_are_lower_case_version_1_uuids() -> None:
    ids = {ns.new_message_id() for _ in range(50)}

    assert len(ids) == 50
    for value in ids:
        assert ns.is_message_id(value)
        assert value == value.lower()
        assert uuid.UUID(value).version == 1


@pytest.mark.parametrize(
    "message_id",
    [str(uuid.uuid4()), MESSAGE_ID.upper(), "not-a-uuid"],
    ids=["version-4", "upper-case", "garbage"],
)
def test_send_response_refuses_an_id_smev_would_reject(message_id: str) -> None:
    with pytest.raises(ValueError, match="version 1"):
        envelopes.build_send_response(
            message_id=message_id, to=REPLY_TO, payload=first_grade_response(1)
        )


def test_send_response_takes_exactly_one_of_payload_and_rejection() -> None:
    with pytest.raises(ValueError, match="exactly one"):
        envelopes.build_send_response(message_id=MESSAGE_ID, to=REPLY_TO)
    with pytest.raises(ValueError, match="exactly one"):
        envelopes.build_send_response(
            message_id=MESSAGE_ID,
            to=REPLY_TO,
            payload=first_grade_response(1),
            rejection=("FAILURE", "x"),
        )
    with pytest.raises(ValueError):
        envelopes.build_send_response(
            message_id=MESSAGE_ID, to=REPLY_TO, rejection=("NOT_A_CODE", "x")
        )


def test_to_is_the_reply_to_verbatim() -> None:
    odd = "  eyJ0ZXN0IjoxfQ==\n&<tail>  "

    envelope = envelopes.build_send_response(
        message_id=MESSAGE_ID, to=odd, rejection=("FAILURE", "x")
    )

    assert _operation(envelope).findtext(f".//{ns.types('To')}") == odd


def test_a_long_rejection_description_is_cut_to_the_schema_limit(
    official_schema: schemas.MessageSchema,
) -> None:
    envelope = envelopes.build_send_response(
        message_id=MESSAGE_ID, to=REPLY_TO, rejection=("FAILURE", "Ошибка. " * 1000)
    )

    description = _operation(envelope).findtext(
        f".//{ns.types('RejectionReasonDescription')}"
    )
    assert len(description) == 4000 and description.endswith("…")
    assert official_schema.errors(_operation(envelope)) == []


def test_a_payload_keeps_namespaces_used_only_inside_values() -> None:
    # "st:" is declared on an ancestor and used only in xsi:type values: lxml's moves and
    # copies lose such a declaration unless the payload is re-rooted with all of them.
    outer = etree.fromstring(
        f'<wrap xmlns:st="urn:example:status" xmlns:xsi="{ns.XSI}">'
        f'<fg:FormDataResponse xmlns:fg="{FG}">'
        '<fg:note xsi:type="st:Special">1</fg:note></fg:FormDataResponse></wrap>'
    )
    payload = outer[0]

    envelope = envelopes.build_send_response(
        message_id=MESSAGE_ID, to=REPLY_TO, payload=payload
    )

    note = parse_trusted(envelope).find(f".//{{{FG}}}note")
    prefix, _, local = note.get(f"{{{ns.XSI}}}type").partition(":")
    assert note.nsmap[prefix] == "urn:example:status" and local == "Special"


def test_a_payload_without_namespace_or_with_a_doctype_is_refused() -> None:
    with pytest.raises(ValueError, match="namespace"):
        envelopes.build_send_response(
            message_id=MESSAGE_ID, to=REPLY_TO, payload=b"<FormData/>"
        )
    with pytest.raises(ValueError, match="DOCTYPE"):
        envelopes.build_send_response(
            message_id=MESSAGE_ID,
            to=REPLY_TO,
            payload=b'<!DOCTYPE a [<!ENTITY x "y">]><a xmlns="urn:a">&x;</a>',
        )


def test_the_local_nodes_replies_are_valid_against_the_official_schema(
    official_schema: schemas.MessageSchema, own_schema: schemas.MessageSchema
) -> None:
    sent = datetime(2026, 4, 1, 6, 0, tzinfo=UTC)
    send_response = envelopes.build_send_response(
        message_id=MESSAGE_ID, to=REPLY_TO, payload=first_grade_response(4200000101)
    )
    built = {
        "request": replies.request_envelope(
            first_grade_response(1).replace(b"FormDataResponse", b"FormData"),
            message_id=MESSAGE_ID,
            reply_to=REPLY_TO,
            sent_at=sent,
            test_message=True,
        ),
        "empty_get_request": replies.empty_reply("GetRequest"),
        "empty_get_response": replies.empty_reply("GetResponse"),
        "empty_get_status": replies.empty_reply("GetStatus"),
        "ack": replies.ack_response(),
        "send_response": replies.send_response_response(MESSAGE_ID, sent),
        "response": replies.response_message(
            send_response,
            request_message_id=MESSAGE_ID,
            sent_at=sent,
            delivered_at=sent,
        ),
    }

    for name, envelope in built.items():
        operation = _operation(envelope)
        assert official_schema.errors(operation) == [], name
        assert own_schema.errors(operation) == [], name


@pytest.mark.parametrize(
    ("name", "details"),
    [
        ("TargetMessageIsNotFound", {}),
        ("MessageIsAlreadySent", {}),
        ("RecipientIsNotFound", {}),
        ("InvalidContent", {"validation_errors": ("cvc-complex-type.2.4.a: …",)}),
        ("SignatureVerificationFault", {"reason": "PoorSOAPEnvelopeFormat"}),
    ],
)
def test_the_local_nodes_fault_details_are_valid_against_the_official_schema(
    name: str, details: dict, official_schema: schemas.MessageSchema
) -> None:
    # Void-typed faults carry Code and Description through xsi:type="basic:SmevFault".
    envelope = replies.fault(name, "SMEV-501:Описание", operation="Ack", **details)

    detail = parse_trusted(envelope).find(f".//detail/{{{ns.FAULTS}}}{name}")
    assert detail is not None
    assert official_schema.errors(detail) == []


def test_our_wsdl_and_schemas_are_written_by_us_and_differ_from_the_official_files(
    official_dir: Path,
) -> None:
    for name in (schemas.WSDL_FILE, schemas.TYPES_FILE, schemas.FAULTS_FILE):
        ours = (schemas.OWN_SCHEMA_DIR / name).read_bytes()
        assert ours != (official_dir / name).read_bytes()
        assert "ЦОС".encode() in ours

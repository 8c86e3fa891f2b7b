"""The envelopes the local node sends back, shaped like SMEV's own (smev.md §1.3, samples)."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

from lxml import etree

from gateways.smev import namespaces as ns
from gateways.smev.parsing import parse_trusted, scan_prolog

# No default namespace: a payload without a namespace, spliced in as bytes, must stay so.
NSMAP = {"soap": ns.SOAP_ENV, "ns2": ns.TYPES, "basic": ns.BASIC}
FAULT_NSMAP = {"ns3": ns.FAULTS, "basic": ns.BASIC, "xsi": ns.XSI}

PORTAL = ("EPGU", "Единый портал государственных услуг (локальный узел СМЭВ)")
PROVIDER = ("TSOS", "ЦОС")
DEFAULT_DECLARATION = b"<?xml version='1.0' encoding='UTF-8'?>\n"

# Faults whose schema type is basic:Void: Code and Description travel through xsi:type.
_VOID_FAULTS = frozenset(
    {
        "SMEVFailure",
        "UnknownMessageType",
        "SenderIsNotRegistered",
        "TargetMessageIsNotFound",
        "IncorrectResponseContentType",
        "RecipientIsNotFound",
        "MessageIsAlreadySent",
        "InvalidMessageIdFormat",
        "StaleMessageId",
    }
)

_NAME = rb"(?:[A-Za-z_][\w.\-]*:)?"


def request_envelope(
    payload_file: bytes,
    *,
    message_id: str,
    reply_to: str,
    sent_at: datetime,
    test_message: bool = False,
) -> bytes:
    """A GetRequestResponse carrying the file as its payload, spliced in byte for byte.

    The file's prolog (XML declaration, DOCTYPE) becomes the envelope's prolog and the rest
    goes inside MessagePrimaryContent unparsed, so a hostile payload reaches the client as
    it would from outside. The frame itself is pure ASCII (character references), so it
    reads the same under whatever encoding the file declares.
    """
    head, body = split_payload_file(payload_file)
    marker = f"tsos-node-payload-{uuid.uuid4().hex}"

    envelope, response = _envelope("GetRequestResponse")
    message = etree.SubElement(response, ns.types("RequestMessage"))
    request = etree.SubElement(message, ns.types("Request"), Id=ns.ID_SMEV)
    data = etree.SubElement(
        request, ns.types("SenderProvidedRequestData"), Id=ns.ID_CONSUMER
    )
    etree.SubElement(data, ns.types("MessageID")).text = message_id
    etree.SubElement(data, ns.basic("MessagePrimaryContent")).text = marker
    if test_message:
        etree.SubElement(data, ns.types("TestMessage"))
    request.append(_metadata(message_id, "REQUEST", sent_at, PORTAL, PROVIDER))
    etree.SubElement(request, ns.types("ReplyTo")).text = reply_to

    frame = etree.tostring(envelope, encoding="ascii", xml_declaration=False)
    before, _, after = frame.partition(marker.encode("ascii"))
    return head + before + body + after


def split_payload_file(data: bytes) -> tuple[bytes, bytes]:
    """(prolog, the rest) of a payload file; garbage is all "rest"."""
    prolog = scan_prolog(data)
    if prolog.root_offset is None or not prolog.ascii_compatible:
        return DEFAULT_DECLARATION, data
    head = data[: prolog.root_offset]
    return (head or DEFAULT_DECLARATION), data[prolog.root_offset :]


def with_message_id(envelope: bytes, message_id: str) -> bytes:
    """An enqueued whole envelope with its MessageID (and metadata MessageId) replaced."""
    data_start = re.search(rb"<" + _NAME + rb"SenderProvidedRequestData[\s>]", envelope)
    if data_start is None:
        raise ValueError("the envelope has no SenderProvidedRequestData")
    envelope = _replace_text(envelope, b"MessageID", data_start.end(), message_id)
    metadata = re.search(rb"<" + _NAME + rb"MessageMetadata[\s>]", envelope)
    if metadata is not None:
        try:
            envelope = _replace_text(envelope, b"MessageId", metadata.end(), message_id)
        except ValueError:
            pass  # MessageMetadata/MessageId is optional
    return envelope


def _replace_text(data: bytes, local: bytes, start: int, value: str) -> bytes:
    pattern = re.compile(
        rb"(<" + _NAME + local + rb"\s*>)[^<]*(</" + _NAME + local + rb"\s*>)"
    )
    found = pattern.search(data, start)
    if found is None:
        raise ValueError(f"no {local.decode()} to replace")
    return data[: found.end(1)] + value.encode("ascii") + data[found.start(2) :]


def empty_reply(operation: str) -> bytes:
    """The reply of an empty queue (GetRequest, GetResponse) or of no status (GetStatus)."""
    envelope, _ = _envelope(f"{operation}Response")
    return _serialize(envelope)


def status_reply(status: bytes) -> bytes:
    """GetStatusResponse carrying one AsyncProcessingStatus (serialised), as SMEV signs it."""
    envelope, response = _envelope("GetStatusResponse")
    message = etree.SubElement(response, ns.types("SmevAsyncProcessingMessage"))
    data = etree.SubElement(message, ns.types("AsyncProcessingStatusData"))
    data.set("Id", "SIGNED_ASYNC_BY_SMEV")
    data.append(parse_trusted(status))
    return _serialize(envelope)


def ack_response() -> bytes:
    envelope, _ = _envelope("AckResponse")
    return _serialize(envelope)


def send_response_response(message_id: str, sent_at: datetime) -> bytes:
    envelope, response = _envelope("SendResponseResponse")
    metadata = _metadata(message_id, "RESPONSE", sent_at, PROVIDER, PORTAL)
    etree.SubElement(metadata, ns.types("Status")).text = "responseIsQueued"
    metadata.set("Id", ns.ID_SMEV)
    response.append(metadata)
    return _serialize(envelope)


def response_message(
    send_response_envelope: bytes,
    *,
    request_message_id: str | None,
    sent_at: datetime,
    delivered_at: datetime,
) -> bytes:
    """A GetResponseResponse carrying a response we recorded, for the portal side."""
    stored = parse_trusted(send_response_envelope)
    data = next(stored.iter(ns.types("SenderProvidedResponseData")))
    message_id = data.findtext(ns.types("MessageID")) or ""

    envelope, response = _envelope("GetResponseResponse")
    message = etree.SubElement(response, ns.types("ResponseMessage"))
    answer = etree.SubElement(message, ns.types("Response"), Id=ns.ID_SMEV)
    if request_message_id:
        etree.SubElement(
            answer, ns.types("OriginalMessageId")
        ).text = request_message_id
    # Re-parsed from its own serialisation, it keeps every namespace the payload needs.
    answer.append(parse_trusted(etree.tostring(data, with_tail=False)))
    metadata = _metadata(message_id, "RESPONSE", sent_at, PROVIDER, PORTAL)
    etree.SubElement(metadata, ns.types("DeliveryTimestamp")).text = _time(delivered_at)
    etree.SubElement(metadata, ns.types("Status")).text = "messageIsDelivered"
    answer.append(metadata)
    return _serialize(envelope)


def fault(
    name: str,
    description: str,
    *,
    operation: str,
    reason: str | None = None,
    validation_errors: tuple[str, ...] = (),
) -> bytes:
    """A SOAP fault with SMEV's detail element (HTTP 500 goes with it)."""
    envelope = etree.Element(ns.soap("Envelope"), nsmap={"soap": ns.SOAP_ENV})
    body = etree.SubElement(envelope, ns.soap("Body"))
    soap_fault = etree.SubElement(body, ns.soap("Fault"))
    etree.SubElement(soap_fault, "faultcode").text = "soap:Server"
    etree.SubElement(soap_fault, "faultstring").text = description
    detail = etree.SubElement(
        etree.SubElement(soap_fault, "detail"), ns.faults(name), nsmap=FAULT_NSMAP
    )
    if name in _VOID_FAULTS:
        detail.set(f"{{{ns.XSI}}}type", "basic:SmevFault")
    etree.SubElement(
        detail, ns.basic("Code")
    ).text = f"tsos:LOCAL_NODE:SMEV_NODE : TR:SYNC:{operation.upper()}:1"
    etree.SubElement(detail, ns.basic("Description")).text = description
    if reason is not None:
        etree.SubElement(detail, ns.faults("SignatureVerificationFault")).text = reason
    for position, text in enumerate(validation_errors, start=1):
        item = etree.SubElement(detail, ns.faults("ValidationError"))
        item.set("errorPosition", str(position))
        item.text = text
    return _serialize(envelope)


def _envelope(operation_element: str) -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(ns.soap("Envelope"), nsmap=NSMAP)
    etree.SubElement(envelope, ns.soap("Header"))
    body = etree.SubElement(envelope, ns.soap("Body"))
    return envelope, etree.SubElement(body, ns.types(operation_element))


def _metadata(
    message_id: str,
    message_type: str,
    sent_at: datetime,
    sender: tuple[str, str],
    recipient: tuple[str, str],
) -> etree._Element:
    metadata = etree.Element(ns.types("MessageMetadata"))
    etree.SubElement(metadata, ns.types("MessageId")).text = message_id
    etree.SubElement(metadata, ns.types("MessageType")).text = message_type
    _party(metadata, "Sender", sender)
    etree.SubElement(metadata, ns.types("SendingTimestamp")).text = _time(sent_at)
    _party(metadata, "Recipient", recipient)
    return metadata


def _party(parent: etree._Element, tag: str, party: tuple[str, str]) -> None:
    element = etree.SubElement(parent, ns.types(tag))
    etree.SubElement(element, ns.types("Mnemonic")).text = party[0]
    etree.SubElement(element, ns.types("HumanReadableName")).text = party[1]


def _time(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def _serialize(envelope: etree._Element) -> bytes:
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")

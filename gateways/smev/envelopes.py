"""Builders of the envelopes we send to SMEV: pure functions, values in, envelope bytes out.

Every envelope has a soap:Header (SMEV answers PoorSOAPEnvelopeFormat without one) and is
built, signed and serialised once: nothing touches the tree after the signature is made.
The business payload is embedded with every namespace it had in scope, because prefixes used
only inside values (xsi:type="x:T") are invisible to lxml's namespace clean-up.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Protocol

from lxml import etree

from gateways.smev import namespaces as ns
from gateways.smev.parsing import parse_trusted

MAX_DESCRIPTION = 4000  # basic:string-4000


class RejectionCode(StrEnum):
    """RejectionReasonCode of RequestRejected (types-1.3.xsd, RejectCode)."""

    ACCESS_DENIED = "ACCESS_DENIED"
    NO_DATA = "NO_DATA"
    UNKNOWN_REQUEST_DESCRIPTION = "UNKNOWN_REQUEST_DESCRIPTION"
    FAILURE = "FAILURE"


class EnvelopeSigner(Protocol):
    """What the builders need of gateways.smev.signing.Signer."""

    def sign(self, element: etree._Element, *, reference_id: str) -> etree._Element: ...


Payload = bytes | etree._Element


def build_get_request(
    *,
    timestamp: datetime,
    namespace_uri: str | None = None,
    root_element: str | None = None,
    node_id: str | None = None,
    signer: EnvelopeSigner | None = None,
) -> bytes:
    """GetRequestRequest: take the next request from our queue, optionally of one type."""
    return _selector_call(
        "GetRequestRequest", timestamp, namespace_uri, root_element, node_id, signer
    )


def build_get_response(
    *,
    timestamp: datetime,
    namespace_uri: str | None = None,
    root_element: str | None = None,
    node_id: str | None = None,
    signer: EnvelopeSigner | None = None,
) -> bytes:
    """GetResponseRequest: take the next response from our queue (the consumer side)."""
    return _selector_call(
        "GetResponseRequest", timestamp, namespace_uri, root_element, node_id, signer
    )


def build_ack(
    message_id: str, *, accepted: bool = True, signer: EnvelopeSigner | None = None
) -> bytes:
    """AckRequest: confirm a delivered message. accepted=False: SMEV's signature failed."""
    if not ns.is_uuid_text(message_id):
        raise ValueError(f"not a SMEV message id: {message_id!r}")

    envelope, operation = _envelope("AckRequest")
    target = etree.SubElement(operation, ns.basic("AckTargetMessage"), Id=ns.ID_CALLER)
    target.set("accepted", "true" if accepted else "false")
    target.text = message_id
    return _finish(envelope, operation, target, signer)


def build_send_response(
    *,
    message_id: str,
    to: str,
    payload: Payload | None = None,
    rejection: tuple[str, str] | None = None,
    signer: EnvelopeSigner | None = None,
) -> bytes:
    """SendResponseRequest: answer a request, with business data or a RequestRejected."""
    if (payload is None) == (rejection is None):
        raise ValueError("exactly one of payload and rejection is required")
    if not ns.is_message_id(message_id):
        raise ValueError(
            f"MessageID must be a lower-case version 1 UUID: {message_id!r}"
        )
    if not to:
        raise ValueError("To (the request's ReplyTo) is required")

    envelope, operation = _envelope("SendResponseRequest")
    data = etree.SubElement(
        operation, ns.types("SenderProvidedResponseData"), Id=ns.ID_PROVIDER
    )
    etree.SubElement(data, ns.types("MessageID")).text = message_id
    # Verbatim: ReplyTo is opaque, and SMEV routes by its exact bytes.
    etree.SubElement(data, ns.types("To")).text = to
    if payload is not None:
        content = etree.SubElement(data, ns.basic("MessagePrimaryContent"))
        content.append(business_element(payload))
    else:
        code, description = rejection  # type: ignore[misc]
        rejected = etree.SubElement(data, ns.types("RequestRejected"))
        etree.SubElement(
            rejected, ns.types("RejectionReasonCode")
        ).text = RejectionCode(code).value
        etree.SubElement(
            rejected, ns.types("RejectionReasonDescription")
        ).text = _truncate(description)
    return _finish(envelope, operation, data, signer)


def build_get_status(*, timestamp: datetime, signer: EnvelopeSigner) -> bytes:
    """GetStatusRequest: the next asynchronous status; the schema makes the signature required."""
    envelope, operation = _envelope("GetStatusRequest")
    stamp = etree.SubElement(operation, ns.basic("Timestamp"), Id=ns.ID_CALLER)
    stamp.text = _datetime_text(timestamp)
    return _finish(envelope, operation, stamp, signer)


def business_element(payload: Payload) -> etree._Element:
    """The payload as a standalone element declaring every namespace it had in scope."""
    if isinstance(payload, bytes):
        element = parse_trusted(payload)
    else:
        # tostring() of a nested element declares all namespaces in scope; parsing that
        # back gives a root that carries them itself, and keeps them when it is moved.
        element = parse_trusted(etree.tostring(payload, with_tail=False))

    namespace = etree.QName(element).namespace
    if not namespace:
        raise ValueError(
            "the payload root must be in a namespace (xs:any ##other, SMEV rules)"
        )
    if namespace in (ns.BASIC, ns.TYPES):
        raise ValueError("the payload root must not be in a SMEV transport namespace")
    return element


def _selector_call(
    operation_name: str,
    timestamp: datetime,
    namespace_uri: str | None,
    root_element: str | None,
    node_id: str | None,
    signer: EnvelopeSigner | None,
) -> bytes:
    if (namespace_uri is None) != (root_element is None):
        raise ValueError(
            "namespace_uri and root_element go together, or neither is given"
        )

    envelope, operation = _envelope(operation_name)
    selector = etree.SubElement(
        operation, ns.basic("MessageTypeSelector"), Id=ns.ID_CALLER
    )
    if namespace_uri is not None:
        etree.SubElement(selector, ns.basic("NamespaceURI")).text = namespace_uri
        etree.SubElement(selector, ns.basic("RootElementLocalName")).text = root_element
    etree.SubElement(selector, ns.basic("Timestamp")).text = _datetime_text(timestamp)
    if node_id is not None:
        etree.SubElement(selector, ns.basic("NodeID")).text = node_id
    return _finish(envelope, operation, selector, signer)


def _envelope(operation_name: str) -> tuple[etree._Element, etree._Element]:
    envelope = etree.Element(ns.soap("Envelope"), nsmap=ns.NSMAP)
    etree.SubElement(envelope, ns.soap("Header"))
    body = etree.SubElement(envelope, ns.soap("Body"))
    return envelope, etree.SubElement(body, ns.types(operation_name))


def _finish(
    envelope: etree._Element,
    operation: etree._Element,
    signed: etree._Element,
    signer: EnvelopeSigner | None,
) -> bytes:
    if signer is not None:
        # The signature goes after the signed element, so signing does not change what it
        # covers; after this the tree is only serialised.
        signature = signer.sign(signed, reference_id=signed.get("Id"))
        container = etree.SubElement(
            operation, ns.types("CallerInformationSystemSignature")
        )
        container.append(signature)
    return etree.tostring(envelope, xml_declaration=True, encoding="UTF-8")


def _datetime_text(value: datetime) -> str:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("SMEV timestamps must be timezone-aware")
    return value.isoformat(timespec="milliseconds")


def _truncate(text: str) -> str:
    return text if len(text) <= MAX_DESCRIPTION else text[: MAX_DESCRIPTION - 1] + "…"

"""The local SMEV 3 node's behaviour: queues, redelivery, checks and faults as SMEV has them.

What it checks, like SMEV: a soap:Header is present (else PoorSOAPEnvelopeFormat), the
operation element is valid against our schema (else InvalidContent), a response's MessageID
is a version 1 UUID seen for the first time (and, when the node is told an age, not older
than that by its own clock: StaleMessageId), and its To is a ReplyTo the node handed out.
What it does not do: verify signatures (it accepts signed and unsigned envelopes alike),
validate business payloads, or reject anything asynchronously by itself: GetStatus hands
out, once each, only the statuses queued with queue_status (as a test or a person would).
"""

from __future__ import annotations

import base64
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from gateways.smev import namespaces as ns
from gateways.smev import schemas
from gateways.smev.local_node import portal, replies
from gateways.smev.local_node.store import DuplicateMessage, NodeStore, RecordedResponse
from gateways.smev.parsing import parse_untrusted, read_document

logger = logging.getLogger(__name__)

CODE_KINDS = ("techCode", "orgCode")


@dataclass(frozen=True)
class Enqueued:
    message_id: str
    order_id: int | None


class _Fault(Exception):
    def __init__(self, reply: bytes) -> None:
        super().__init__("SOAP fault")
        self.reply = reply


class LocalNode:
    """Answers SOAP calls from the node's store; one instance per store."""

    def __init__(self, store: NodeStore, *, redelivery_timeout: float = 60.0,
                 stale_message_id_after: float | None = None) -> None:
        """stale_message_id_after: seconds after which a MessageID's own time is too old
        (SMEV's limit is not published; None, the default, checks nothing)."""
        self.store = store
        self.redelivery_timeout = redelivery_timeout
        self.stale_message_id_after = stale_message_id_after
        self._schema = schemas.message_schema()
        self._handlers = {
            ns.types("GetRequestRequest"): self._get_request,
            ns.types("GetResponseRequest"): self._get_response,
            ns.types("AckRequest"): self._ack,
            ns.types("SendResponseRequest"): self._send_response,
            ns.types("GetStatusRequest"): self._get_status,
        }

    def enqueue(
        self, data: bytes, *, message_id: str | None = None, test_message: bool = False
    ) -> Enqueued:
        """Put a message from the portal in the request queue.

        ``data`` is a whole GetRequest reply envelope (kept as it is, with its MessageID
        replaced when message_id is given), or a bare payload, wrapped byte for byte. An
        envelope whose own MessageID cannot be read is stored under a new ID and delivered
        as it is: the client will see it as unreadable. Raises ValueError, DuplicateMessage.
        """
        if message_id is not None and not ns.is_uuid_text(message_id):
            raise ValueError(f"message_id is not a lower-case UUID: {message_id!r}")
        root, _, _ = parse_untrusted(data)

        if root is not None and root.tag == ns.soap("Envelope"):
            envelope = data
            own_id = _message_id_in(root)
            if message_id is not None:
                envelope = replies.with_message_id(data, message_id)
            message_id = message_id or own_id or ns.new_message_id()
            reply_to = _reply_to_in(root)
            payload = portal.payload_root_in(root)
        else:
            message_id = message_id or ns.new_message_id()
            payload = root
            reply_to = _new_reply_to(message_id, payload)
            envelope = replies.request_envelope(
                data,
                message_id=message_id,
                reply_to=reply_to,
                sent_at=self._now(),
                test_message=test_message,
            )

        qname = etree.QName(payload) if payload is not None else None
        order_id = portal.order_id_of(payload)
        self.store.add_request(
            message_id=message_id,
            reply_to=reply_to,
            order_id=order_id,
            root_namespace=qname.namespace if qname else None,
            root_name=qname.localname if qname else None,
            envelope=envelope,
        )
        logger.info("node: enqueued %s (order %s)", message_id, order_id)
        return Enqueued(message_id, order_id)

    def queue_status(self, data: bytes) -> str | None:
        """Queue an asynchronous status for GetStatus (smev.md §1.7, §1.8).

        ``data`` is any XML holding an AsyncProcessingStatus of this schema version (a whole
        GetResponse reply with a rejection, say); the first one is queued. Returns its
        OriginalMessageId. Raises ValueError when there is none.
        """
        root, _, _ = parse_untrusted(data)
        status = next(root.iter(ns.types("AsyncProcessingStatus")), None) if (
            root is not None) else None
        if status is None:
            raise ValueError("no AsyncProcessingStatus of schema 1.3 in the document")
        copy = etree.fromstring(etree.tostring(status))
        self.store.add_status(etree.tostring(copy))
        original = (copy.findtext(ns.types("OriginalMessageId")) or "").strip() or None
        logger.info("node: status queued for %s", original)
        return original

    def handle_soap(self, body: bytes, content_type: str | None) -> tuple[int, bytes]:
        """One SOAP call: (HTTP status, reply envelope)."""
        try:
            operation = self._operation(body, content_type)
            return 200, self._handlers[operation.tag](operation, body)
        except _Fault as fault:
            return 500, fault.reply

    def responses_json(self, order_id: int | None = None) -> list[dict[str, Any]]:
        return [response_json(r) for r in self.store.responses(order_id)]

    def _operation(self, body: bytes, content_type: str | None) -> etree._Element:
        doc = read_document(body, content_type)
        if not doc.clean or doc.root is None or doc.root.tag != ns.soap("Envelope"):
            problems = ", ".join(p.kind for p in doc.problems) or "not a SOAP envelope"
            raise _fault(
                "InvalidContent",
                "Unknown",
                "Сообщение не принято: " + problems,
                validation_errors=(problems,),
            )
        if doc.root.find(ns.soap("Header")) is None:
            raise _fault(
                "SignatureVerificationFault",
                "Unknown",
                "SMEV-100:В сообщении отсутствует soap:Header",
                reason="PoorSOAPEnvelopeFormat",
            )

        operation = doc.root.find(f"{ns.soap('Body')}/*")
        if operation is None:
            raise _fault(
                "InvalidContent",
                "Unknown",
                "Пустое тело сообщения",
                validation_errors=("soap:Body is empty",),
            )
        name = etree.QName(operation).localname.removesuffix("Request")
        errors = self._schema.errors(operation)
        if errors or operation.tag not in self._handlers:
            errors = errors or [f"unsupported operation {operation.tag}"]
            raise _fault(
                "InvalidContent",
                name,
                "SMEV-403:Сообщение не соответствует схеме СМЭВ",
                validation_errors=tuple(errors),
            )
        return operation

    def _get_request(self, operation: etree._Element, raw: bytes) -> bytes:
        namespace, local = _selected_type(operation)
        queued = self.store.next_request(
            redelivery_timeout=self.redelivery_timeout,
            root_namespace=namespace,
            root_name=local,
        )
        if queued is None:
            return replies.empty_reply("GetRequest")
        logger.info(
            "node: delivered %s (time %d)", queued.message_id, queued.delivery_count
        )
        return queued.envelope

    def _get_response(self, operation: etree._Element, raw: bytes) -> bytes:
        namespace, local = _selected_type(operation)
        recorded = self.store.next_response(
            redelivery_timeout=self.redelivery_timeout,
            root_namespace=namespace,
            root_name=local,
        )
        if recorded is None:
            return replies.empty_reply("GetResponse")
        return replies.response_message(
            recorded.envelope,
            request_message_id=recorded.request_message_id,
            sent_at=_moment(recorded.sent_at),
            delivered_at=self._now(),
        )

    def _ack(self, operation: etree._Element, raw: bytes) -> bytes:
        target = operation.find(ns.basic("AckTargetMessage"))
        message_id = (target.text or "").strip()
        accepted = target.get("accepted", "true").strip() in ("true", "1")
        if not self.store.ack(message_id, accepted=accepted):
            raise _fault(
                "TargetMessageIsNotFound",
                "Ack",
                f"SMEV-501:Сообщение {message_id} не найдено среди неподтверждённых.",
            )
        logger.info("node: acked %s (accepted=%s)", message_id, accepted)
        return replies.ack_response()

    def _send_response(self, operation: etree._Element, raw: bytes) -> bytes:
        data = operation.find(ns.types("SenderProvidedResponseData"))
        message_id = (data.findtext(ns.types("MessageID")) or "").strip()
        if not ns.is_message_id(message_id):
            raise _fault(
                "InvalidMessageIdFormat",
                "SendResponse",
                f"Идентификатор {message_id} не является UUID версии 1",
            )
        if self.stale_message_id_after is not None and (
            self._now() - ns.message_id_time(message_id)
        ).total_seconds() > self.stale_message_id_after:
            raise _fault(
                "StaleMessageId",
                "SendResponse",
                f"Идентификатор сообщения {message_id} устарел",
            )
        to = data.findtext(ns.types("To")) or ""
        request = self.store.request_by_reply_to(to)
        if request is None:
            raise _fault(
                "RecipientIsNotFound",
                "SendResponse",
                "Получатель ответа не найден: To не совпадает ни с одним ReplyTo",
            )

        summary = portal.summarize_response(data, request.order_id)
        try:
            sent_at = self.store.add_response(
                message_id=message_id,
                to_address=to,
                request_message_id=request.message_id,
                order_id=summary.order_id,
                kind=summary.kind,
                code=summary.code,
                comment=summary.comment,
                cancel_allowed=summary.cancel_allowed,
                root_namespace=summary.root_namespace,
                root_name=summary.root_name,
                envelope=raw,
            )
        except DuplicateMessage:
            raise _fault(
                "MessageIsAlreadySent",
                "SendResponse",
                f"Сообщение с идентификатором {message_id} уже было отправлено",
            ) from None
        logger.info(
            "node: response %s to %s recorded (%s)",
            message_id,
            request.message_id,
            summary.kind,
        )
        return replies.send_response_response(message_id, _moment(sent_at))

    def _get_status(self, operation: etree._Element, raw: bytes) -> bytes:
        status = self.store.next_status()
        if status is None:
            return replies.empty_reply("GetStatus")
        return replies.status_reply(status)

    def _now(self) -> datetime:
        return _moment(self.store.now())


def response_json(response: RecordedResponse) -> dict[str, Any]:
    """A recorded response as /admin/responses and the CLI show it."""
    code: str | int | None = response.code
    if response.kind in CODE_KINDS and code is not None and code.isdigit():
        code = int(code)
    return {
        "order_id": response.order_id,
        "kind": response.kind,
        "code": code,
        "comment": response.comment,
        "cancel_allowed": response.cancel_allowed,
        "sent_at": _moment(response.sent_at).isoformat(timespec="milliseconds"),
        "request_message_id": response.request_message_id,
        "message_id": response.message_id,
    }


def _fault(name: str, operation: str, description: str, **details: Any) -> _Fault:
    logger.info("node: %s fault %s", operation, name)
    return _Fault(replies.fault(name, description, operation=operation, **details))


def _selected_type(operation: etree._Element) -> tuple[str | None, str | None]:
    selector = operation.find(ns.basic("MessageTypeSelector"))
    namespace = selector.findtext(ns.basic("NamespaceURI"))
    local = selector.findtext(ns.basic("RootElementLocalName"))
    return (namespace.strip(), local.strip()) if namespace and local else (None, None)


def _message_id_in(root: etree._Element) -> str | None:
    data = next(root.iter(ns.types("SenderProvidedRequestData")), None)
    value = (
        (data.findtext(ns.types("MessageID")) or "").strip() if data is not None else ""
    )
    return value if ns.is_uuid_text(value) else None


def _reply_to_in(root: etree._Element) -> str | None:
    request = next(root.iter(ns.types("Request")), None)
    return request.findtext(ns.types("ReplyTo")) if request is not None else None


def _new_reply_to(message_id: str, payload: etree._Element | None) -> str:
    """An opaque return address shaped like SMEV's (base64 of a small JSON object)."""
    kind = "unknown"
    if payload is not None:
        qname = etree.QName(payload)
        kind = f"{qname.namespace or ''}_{qname.localname}"
    address = {
        "sid": secrets.randbelow(10**6),
        "mid": message_id,
        "eol": 0,
        "slc": kind,
        "mnm": "TSOS_NODE",
    }
    return base64.b64encode(
        json.dumps(address, separators=(",", ":")).encode()
    ).decode()


def _moment(timestamp: float) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)

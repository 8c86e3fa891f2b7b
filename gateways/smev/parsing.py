"""Safe reading of what SMEV sends. Every reply passes through here, and nothing else parses it.

The reader never hands a document type declaration to the XML parser: it is cut out of the
bytes first, so no entity is declared, expanded or fetched, whatever the parser's version.
The parser itself is locked down too (no DTD, no entities, no network, no huge trees). A
message that is not clean (it carried a DOCTYPE, declared an encoding other than UTF-8, or
was not well-formed) is still read as far as it goes, in recovery mode, so that its MessageID
and ReplyTo can be used to acknowledge and reject it; its payload is then handed over as the
raw bytes that arrived, never re-serialised, and its problems are listed as data.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from enum import StrEnum
from typing import Any

from lxml import etree

from gateways.smev import namespaces as ns
from gateways.smev.errors import (
    SmevHttpError,
    SmevProtocolError,
    SmevServerError,
    SoapFault,
    fault_error,
)
from gateways.xml_safety import hardened_parser

Verify = Callable[[etree._Element, etree._Element], Any]


class ProblemKind(StrEnum):
    """What was wrong with a received message. The message is still returned, as data."""

    DOCTYPE = "doctype"
    FOREIGN_ENCODING = "foreign_encoding"
    MALFORMED = "malformed"
    MULTIPART_UNREADABLE = "multipart_unreadable"
    NOT_SOAP = "not_soap"
    MESSAGE_ID_UNREADABLE = "message_id_unreadable"
    REPLY_TO_MISSING = "reply_to_missing"
    PAYLOAD_MISSING = "payload_missing"
    ATTACHMENT_UNREADABLE = "attachment_unreadable"


@dataclass(frozen=True)
class MessageProblem:
    kind: ProblemKind
    detail: str = ""


@dataclass(frozen=True)
class MessageMetadata:
    """MessageMetadata as SMEV filled it in."""

    message_id: str | None = None
    message_type: str | None = None
    sender_mnemonic: str | None = None
    sender_name: str | None = None
    sending_timestamp: datetime | None = None
    recipient_mnemonic: str | None = None
    delivery_timestamp: datetime | None = None
    status: str | None = None


class AttachmentTransfer(StrEnum):
    WITH_MESSAGE = "with_message"  # MTOM part or inline base64
    FILE_STORAGE = "file_storage"  # SMEV's FTP storage, fetched separately


@dataclass(frozen=True)
class Attachment:
    """One attachment header, with the content when it came with the message."""

    transfer: AttachmentTransfer
    ref: str  # contentId (with the message) or uuid (file storage)
    mime_type: str | None
    namespace_uri: str | None = None
    file_name: str | None = None
    hash: str | None = None
    signature_pkcs7: bytes | None = field(default=None, repr=False)
    content: bytes | None = field(default=None, repr=False)
    storage_user: str | None = field(default=None, repr=False)
    storage_password: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class AsyncStatus:
    """AsyncProcessingStatus: SMEV's own word about a message we sent (smev.md §1.8)."""

    original_message_id: str | None
    category: str | None
    details: str | None = field(default=None, repr=False)
    fault: SoapFault | None = None


@dataclass(frozen=True)
class Rejection:
    code: str
    description: str = field(repr=False)


@dataclass(frozen=True)
class IncomingRequest:
    """A request taken from our queue by GetRequest."""

    message_id: str
    reply_to: str | None = field(repr=False)
    envelope: bytes = field(repr=False)
    # The business XML as a document of its own: re-serialised with every namespace in
    # scope when the message was clean, else the raw bytes that arrived (prolog included).
    payload: bytes | None = field(repr=False)
    payload_namespace: str | None
    payload_root: str | None
    problems: tuple[MessageProblem, ...] = ()
    reference_message_id: str | None = None
    transaction_code: str | None = None
    node_id: str | None = None
    eol: datetime | None = None
    # TestMessage: answer it as usual, but change no data because of it.
    is_test: bool = False
    has_personal_signature: bool = False
    metadata: MessageMetadata = field(default_factory=MessageMetadata)
    attachments: tuple[Attachment, ...] = ()
    # None: not checked (no verifier, no SMEV signature, or a message that was not clean).
    # False: store the message as rejected, ack it with accepted=False, and alert.
    smev_signature_valid: bool | None = None

    @property
    def clean(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class IncomingResponse:
    """A response taken from our queue by GetResponse (the consumer side)."""

    message_id: str
    original_message_id: str | None
    envelope: bytes = field(repr=False)
    payload: bytes | None = field(repr=False)
    payload_namespace: str | None
    payload_root: str | None
    problems: tuple[MessageProblem, ...] = ()
    rejections: tuple[Rejection, ...] = ()
    async_status: AsyncStatus | None = None
    metadata: MessageMetadata = field(default_factory=MessageMetadata)
    attachments: tuple[Attachment, ...] = ()
    smev_signature_valid: bool | None = None


@dataclass(frozen=True)
class UnreadableMessage:
    """A delivered message whose MessageID could not be read: store it and alert."""

    envelope: bytes = field(repr=False)
    problems: tuple[MessageProblem, ...]
    reply_to: str | None = field(default=None, repr=False)


# ----------------------------------------------------------------------------------------
# Locked-down parsing
# ----------------------------------------------------------------------------------------


# The gateways' one hardened parser (gateways.xml_safety), under this module's old name.
safe_parser = hardened_parser


def parse_trusted(data: bytes) -> etree._Element:
    """Parse XML we produce ourselves, refusing any DOCTYPE. Raises ValueError."""
    if scan_prolog(data).doctype is not None:
        raise ValueError("XML with a DOCTYPE is refused")
    try:
        return etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        raise ValueError(f"not well-formed XML: {exc}") from exc


_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
_ENCODING = re.compile(rb"""encoding\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_XML_DECLARATION = re.compile(rb"<\?xml[\s?]")


@dataclass(frozen=True)
class Prolog:
    """What comes before the root element, found by scanning bytes (no parser involved)."""

    root_offset: int | None  # None: no element start found where one should be
    declared_encoding: str | None = None
    doctype: tuple[int, int] | None = None  # byte span of <!DOCTYPE ...>
    bom: str | None = None
    declaration: tuple[int, int] | None = None  # byte span of <?xml ...?>

    @property
    def ascii_compatible(self) -> bool:
        return self.bom in (None, "utf-8")

    @property
    def foreign_encoding(self) -> bool:
        declared = (self.declared_encoding or "utf-8").lower().replace("_", "-")
        return declared not in ("utf-8", "utf8") or not self.ascii_compatible


def scan_prolog(data: bytes) -> Prolog:
    """Find the XML declaration, the DOCTYPE and the start of the root element."""
    bom = None
    i = 0
    for mark, name in _BOMS:
        if data.startswith(mark):
            bom, i = name, len(mark)
            break
    if bom not in (None, "utf-8") or data[i : i + 2] in (b"\x00<", b"<\x00"):
        return Prolog(None, bom=bom or "utf-16")

    start, n = i, len(data)
    encoding = doctype = declaration = None
    while i < n:
        if data[i] in b" \t\r\n":
            i += 1
        elif data.startswith(b"<?", i):
            end = data.find(b"?>", i + 2)
            if end < 0:
                break
            if i == start and _XML_DECLARATION.match(data, i):
                declaration = (i, end + 2)
                found = _ENCODING.search(data, i, end)
                if found:
                    encoding = (found.group(1) or found.group(2) or b"").decode(
                        "latin-1"
                    )
            i = end + 2
        elif data.startswith(b"<!--", i):
            end = data.find(b"-->", i + 4)
            if end < 0:
                break
            i = end + 3
        elif data.startswith(b"<!DOCTYPE", i):
            end = _doctype_end(data, i)
            doctype = (i, end if end is not None else n)
            if end is None:
                break
            i = end
        elif data[i : i + 1] == b"<":
            return Prolog(i, encoding, doctype, bom, declaration)
        else:
            break
    return Prolog(None, encoding, doctype, bom, declaration)


def _doctype_end(data: bytes, start: int) -> int | None:
    """The offset just past a DOCTYPE, internal subset included, or None if unterminated."""
    i, n = start + len(b"<!DOCTYPE"), len(data)
    quote: int | None = None
    depth = 0
    while i < n:
        char = data[i]
        if quote is not None:
            if char == quote:
                quote = None
        elif depth and (data.startswith(b"<!--", i) or data.startswith(b"<?", i)):
            closing = b"-->" if data[i + 1] == ord("!") else b"?>"
            end = data.find(closing, i + 2)
            if end < 0:
                return None
            i = end + len(closing)
            continue
        elif char in b"\"'":
            quote = char
        elif char == ord("["):
            depth += 1
        elif char == ord("]"):
            depth = max(0, depth - 1)
        elif char == ord(">") and depth == 0:
            return i + 1
        i += 1
    return None


@dataclass
class Document:
    """A received SOAP message, read as far as it could be."""

    raw: bytes  # the envelope as received (the root part, for a multipart body)
    root: etree._Element | None
    prolog: Prolog
    problems: list[MessageProblem]
    clean: bool
    parts: dict[str, bytes] = field(default_factory=dict)


def read_document(data: bytes, content_type: str | None = None) -> Document:
    """Read a reply body: unwrap MTOM, cut the DOCTYPE out, parse strictly, else recover."""
    problems: list[MessageProblem] = []
    parts: dict[str, bytes] = {}
    if _is_multipart(data, content_type):
        split = split_multipart(data, content_type)
        if split is None:
            problems.append(MessageProblem(ProblemKind.MULTIPART_UNREADABLE))
        else:
            data, parts = split

    root, prolog, read_problems = parse_untrusted(data)
    problems.extend(read_problems)
    return Document(data, root, prolog, problems, not problems, parts)


def parse_untrusted(
    data: bytes,
) -> tuple[etree._Element | None, Prolog, list[MessageProblem]]:
    """Read XML from outside as far as it goes: DOCTYPE cut out, strict, else recovering."""
    problems: list[MessageProblem] = []
    prolog = scan_prolog(data)
    if prolog.doctype is not None:
        problems.append(
            MessageProblem(ProblemKind.DOCTYPE, "document type declaration ignored")
        )
    if prolog.foreign_encoding:
        declared = prolog.declared_encoding or prolog.bom or ""
        problems.append(MessageProblem(ProblemKind.FOREIGN_ENCODING, declared))

    text = data
    if prolog.doctype is not None:
        start, end = prolog.doctype
        text = data[:start] + data[end:]

    root, strict_error = _parse(text)
    if root is None:
        problems.append(
            MessageProblem(ProblemKind.MALFORMED, strict_error or "unreadable")
        )
        root = _recover(text)
    return root, prolog, problems


def _parse(text: bytes) -> tuple[etree._Element | None, str | None]:
    try:
        return etree.fromstring(text, safe_parser()), None
    except (etree.XMLSyntaxError, ValueError, LookupError) as exc:
        return None, str(exc)[:500]


def _recover(text: bytes) -> etree._Element | None:
    attempts = [text]
    declaration = _XML_DECLARATION.search(text[:64])
    if declaration:
        # An encoding libxml2 does not know stops even the recovering parser: try without.
        end = text.find(b"?>", declaration.start())
        if end > 0:
            attempts.append(text[: declaration.start()] + text[end + 2 :])
    for attempt in attempts:
        try:
            root = etree.fromstring(attempt, safe_parser(recover=True))
        except (etree.XMLSyntaxError, ValueError, LookupError):
            continue
        if root is not None:
            return root
    return None


# ----------------------------------------------------------------------------------------
# MTOM (multipart/related)
# ----------------------------------------------------------------------------------------


def _is_multipart(data: bytes, content_type: str | None) -> bool:
    if content_type:
        return content_type.strip().lower().startswith("multipart/")
    return data.startswith(b"--")


def split_multipart(
    data: bytes, content_type: str | None
) -> tuple[bytes, dict[str, bytes]] | None:
    """The root part and the other parts by Content-ID, or None when it cannot be split."""
    boundary = start = None
    if content_type:
        header = Message()
        header["Content-Type"] = content_type
        boundary = header.get_param("boundary")
        start = header.get_param("start")
    if not isinstance(boundary, str) or not boundary:
        # SMEV's body copied without its headers: the first line is the delimiter.
        first_line = data.split(b"\n", 1)[0].strip()
        if not first_line.startswith(b"--"):
            return None
        boundary = first_line[2:].decode("latin-1")

    parsed: list[tuple[dict[str, str], bytes]] = []
    for chunk in data.split(b"--" + boundary.encode("latin-1"))[1:]:
        if chunk.startswith(b"--"):
            break
        chunk = chunk[2:] if chunk.startswith(b"\r\n") else chunk.lstrip(b"\n")
        head, separator, body = chunk.partition(b"\r\n\r\n")
        if not separator:
            head, separator, body = chunk.partition(b"\n\n")
        if not separator:
            return None
        body = body[:-2] if body.endswith(b"\r\n") else body.removesuffix(b"\n")
        headers = {}
        for line in head.decode("latin-1").splitlines():
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("content-transfer-encoding", "").lower() == "base64":
            try:
                body = base64.b64decode(body)
            except (binascii.Error, ValueError):
                return None
        parsed.append((headers, body))
    if not parsed:
        return None

    ids = [headers.get("content-id", "").strip("<>") for headers, _ in parsed]
    wanted = (start or "").strip("<>")
    root_index = ids.index(wanted) if wanted and wanted in ids else 0
    others = {ids[i]: body for i, (_, body) in enumerate(parsed) if i != root_index}
    return parsed[root_index][1], others


# ----------------------------------------------------------------------------------------
# Replies of the operations
# ----------------------------------------------------------------------------------------


def read_fault(doc: Document, http_status: int | None = None) -> SoapFault | None:
    """The SOAP fault of a reply, if the reply is one."""
    child = _body_child(doc.root)
    if child is None or _local(child) != "Fault" or _namespace(child) not in _SOAP:
        return None

    faultcode = _child_text(child, "faultcode") or _nested_text(child, "Code", "Value")
    faultstring = _child_text(child, "faultstring") or _nested_text(
        child, "Reason", "Text"
    )
    detail = _child(child, "detail")
    if detail is None:
        detail = _child(child, "Detail")
    detail_el = next(iter(_elements(detail)), None) if detail is not None else None
    if detail_el is None:
        return SoapFault(faultcode, faultstring, http_status=http_status)
    return _smev_fault(
        detail_el, faultcode, faultstring, http_status, _local(detail_el)
    )


def raise_for_reply(doc: Document, http_status: int, operation: str) -> etree._Element:
    """The operation's response element, or the error the reply stands for."""
    fault = read_fault(doc, http_status)
    if fault is not None:
        raise fault_error(fault)
    _raise_for_status(http_status)

    child = _body_child(doc.root)
    expected = ns.types(f"{operation}Response")
    if child is None:
        raise SmevServerError(
            f"СМЭВ: ответ на {operation} не читается", http_status=http_status
        )
    if child.tag != expected:
        raise SmevProtocolError(
            f"СМЭВ: на {operation} пришёл неожиданный ответ {child.tag}"
        )
    return child


def read_get_request_reply(
    data: bytes,
    content_type: str | None = None,
    *,
    http_status: int = 200,
    verify: Verify | None = None,
) -> IncomingRequest | UnreadableMessage | None:
    """A GetRequest reply: the request, an unreadable message, or None for an empty queue."""
    doc = read_document(data, content_type)
    response = _operation_or_unreadable(
        doc, http_status, "GetRequest", b"RequestMessage"
    )
    if isinstance(response, UnreadableMessage):
        return response

    message = _child(response, ns.types("RequestMessage"))
    if message is None:
        return _empty_or_unreadable(doc, b"RequestMessage")
    request = _child(message, ns.types("Request"))
    data_el = _child(request, ns.types("SenderProvidedRequestData"))
    problems = list(doc.problems)
    reply_to = _reply_to(doc, request)
    message_id = _message_id(data_el)
    if message_id is None:
        problems.append(MessageProblem(ProblemKind.MESSAGE_ID_UNREADABLE))
        return UnreadableMessage(doc.raw, tuple(problems), reply_to)
    if reply_to is None:
        problems.append(MessageProblem(ProblemKind.REPLY_TO_MISSING))

    payload, namespace, root_name = _payload(doc, data_el, problems)
    return IncomingRequest(
        message_id=message_id,
        reply_to=reply_to,
        envelope=doc.raw,
        payload=payload,
        payload_namespace=namespace,
        payload_root=root_name,
        problems=tuple(problems),
        reference_message_id=_text(data_el, ns.types("ReferenceMessageID")),
        transaction_code=_text(data_el, ns.types("TransactionCode")),
        node_id=_text(data_el, ns.types("NodeID")),
        eol=_datetime(_text(data_el, ns.types("EOL"))),
        is_test=_child(data_el, ns.types("TestMessage")) is not None,
        has_personal_signature=_child(data_el, ns.types("PersonalSignature"))
        is not None,
        metadata=_metadata(_child(request, ns.types("MessageMetadata"))),
        attachments=tuple(_attachments(message, request, data_el, doc, problems)),
        smev_signature_valid=_smev_signature(doc, message, verify),
    )


def read_get_response_reply(
    data: bytes,
    content_type: str | None = None,
    *,
    http_status: int = 200,
    verify: Verify | None = None,
) -> IncomingResponse | UnreadableMessage | None:
    """A GetResponse reply: a response, an unreadable message, or None for an empty queue."""
    doc = read_document(data, content_type)
    response = _operation_or_unreadable(
        doc, http_status, "GetResponse", b"ResponseMessage"
    )
    if isinstance(response, UnreadableMessage):
        return response

    message = _child(response, ns.types("ResponseMessage"))
    if message is None:
        return _empty_or_unreadable(doc, b"ResponseMessage")
    answer = _child(message, ns.types("Response"))
    data_el = _child(answer, ns.types("SenderProvidedResponseData"))
    problems = list(doc.problems)
    message_id = _message_id(data_el)
    if message_id is None:
        problems.append(MessageProblem(ProblemKind.MESSAGE_ID_UNREADABLE))
        return UnreadableMessage(doc.raw, tuple(problems))

    rejections = tuple(
        Rejection(
            _text(item, ns.types("RejectionReasonCode")) or "",
            _verbatim(item, ns.types("RejectionReasonDescription")) or "",
        )
        for item in _all(data_el, ns.types("RequestRejected"))
    )
    status_el = _child(data_el, ns.types("AsyncProcessingStatus"))
    has_content = _child(data_el, ns.basic("MessagePrimaryContent")) is not None
    payload, namespace, root_name = (None, None, None)
    if has_content or not (rejections or status_el is not None):
        payload, namespace, root_name = _payload(doc, data_el, problems)
    return IncomingResponse(
        message_id=message_id,
        original_message_id=_text(answer, ns.types("OriginalMessageId")),
        envelope=doc.raw,
        payload=payload,
        payload_namespace=namespace,
        payload_root=root_name,
        problems=tuple(problems),
        rejections=rejections,
        async_status=_async_status(status_el),
        metadata=_metadata(_child(answer, ns.types("MessageMetadata"))),
        attachments=tuple(_attachments(message, answer, data_el, doc, problems)),
        smev_signature_valid=_smev_signature(doc, message, verify),
    )


def read_send_reply(
    data: bytes,
    content_type: str | None = None,
    *,
    http_status: int = 200,
    operation: str,
) -> MessageMetadata:
    """A SendResponse (or SendRequest) reply: the metadata SMEV gave the message."""
    doc = read_document(data, content_type)
    response = raise_for_reply(doc, http_status, operation)
    return _metadata(_child(response, ns.types("MessageMetadata")))


def read_ack_reply(
    data: bytes, content_type: str | None = None, *, http_status: int = 200
) -> None:
    """An Ack reply: an empty AckResponse, or the error it stands for."""
    raise_for_reply(read_document(data, content_type), http_status, "Ack")


def read_get_status_reply(
    data: bytes, content_type: str | None = None, *, http_status: int = 200
) -> AsyncStatus | None:
    """A GetStatus reply: the next asynchronous status, or None when there is none."""
    response = raise_for_reply(
        read_document(data, content_type), http_status, "GetStatus"
    )
    message = _child(response, ns.types("SmevAsyncProcessingMessage"))
    data_el = _child(message, ns.types("AsyncProcessingStatusData"))
    return _async_status(_child(data_el, ns.types("AsyncProcessingStatus")))


# ----------------------------------------------------------------------------------------
# Pieces
# ----------------------------------------------------------------------------------------

_SOAP = (ns.SOAP_ENV, ns.SOAP12_ENV)
_TRANSPORT = frozenset({ns.SOAP_ENV, ns.SOAP12_ENV, ns.TYPES, ns.BASIC, ns.FAULTS})
_MPC_START = re.compile(rb"<(?:[A-Za-z_][\w.\-]*:)?MessagePrimaryContent(?:\s[^>]*)?>")
_MPC_END = re.compile(rb"</(?:[A-Za-z_][\w.\-]*:)?MessagePrimaryContent\s*>")
_REPLY_TO = re.compile(
    rb"<(?:[A-Za-z_][\w.\-]*:)?ReplyTo\s*>([^<]*)</(?:[A-Za-z_][\w.\-]*:)?ReplyTo\s*>"
)


def _operation_or_unreadable(
    doc: Document, http_status: int, operation: str, marker: bytes
) -> etree._Element | UnreadableMessage:
    fault = read_fault(doc, http_status)
    if fault is not None:
        raise fault_error(fault)
    _raise_for_status(http_status)

    tag = ns.types(f"{operation}Response")
    found = None
    if doc.root is not None:
        found = doc.root if doc.root.tag == tag else next(doc.root.iter(tag), None)
    if found is not None:
        return found
    if marker in doc.raw:
        # Something that carries a message, but not even its frame could be read.
        problems = [*doc.problems, MessageProblem(ProblemKind.NOT_SOAP)]
        return UnreadableMessage(doc.raw, tuple(problems))
    child = _body_child(doc.root)
    if child is not None:
        raise SmevProtocolError(
            f"СМЭВ: на {operation} пришёл неожиданный ответ {child.tag}"
        )
    raise SmevServerError(
        f"СМЭВ: ответ на {operation} не читается", http_status=http_status
    )


def _empty_or_unreadable(doc: Document, marker: bytes) -> UnreadableMessage | None:
    if doc.clean or marker not in doc.raw:
        return None
    problems = [*doc.problems, MessageProblem(ProblemKind.NOT_SOAP)]
    return UnreadableMessage(doc.raw, tuple(problems))


def _raise_for_status(http_status: int) -> None:
    if http_status >= 500:
        raise SmevServerError(
            f"СМЭВ ответил HTTP {http_status}", http_status=http_status
        )
    if http_status in (408, 425, 429):
        raise SmevServerError(
            f"СМЭВ ответил HTTP {http_status}", http_status=http_status
        )
    if http_status >= 300:
        raise SmevHttpError(f"СМЭВ ответил HTTP {http_status}", http_status=http_status)


def _payload(
    doc: Document, data_el: etree._Element | None, problems: list[MessageProblem]
) -> tuple[bytes | None, str | None, str | None]:
    content = _child(data_el, ns.basic("MessagePrimaryContent"))
    element = next(iter(_elements(content)), None) if content is not None else None
    namespace = _namespace(element) if element is not None else None
    local = _local(element) if element is not None else None

    if doc.clean and element is not None:
        return standalone_bytes(element), namespace or None, local
    payload = None if doc.clean else raw_payload_document(doc.raw, doc.prolog)
    if payload is None:
        problems.append(MessageProblem(ProblemKind.PAYLOAD_MISSING))
    return payload, namespace or None, local


def standalone_bytes(element: etree._Element) -> bytes:
    """A nested element as a document of its own, UTF-8, with its namespaces.

    tostring() of a nested element declares every namespace in scope, so prefixes used only
    inside values (xsi:type="x:T") still resolve; only the transport's own declarations,
    when nothing in the element uses them, are dropped.
    """
    copy = etree.fromstring(etree.tostring(element, with_tail=False), safe_parser())
    keep = [p for p, uri in copy.nsmap.items() if p and uri not in _TRANSPORT]
    etree.cleanup_namespaces(copy, keep_ns_prefixes=keep)
    return etree.tostring(copy, encoding="UTF-8", xml_declaration=True)


def raw_payload_document(raw: bytes, prolog: Prolog) -> bytes | None:
    """The payload bytes exactly as they arrived, after the envelope's own prolog."""
    if not prolog.ascii_compatible:
        return None
    start = _MPC_START.search(raw, prolog.root_offset or 0)
    if start is None:
        return None
    ends = list(_MPC_END.finditer(raw, start.end()))
    inner = raw[start.end() : ends[-1].start()] if ends else raw[start.end() :]
    if not inner.strip():
        return None
    head = raw[: prolog.root_offset] if prolog.root_offset is not None else b""
    return head + inner


def _reply_to(doc: Document, request: etree._Element | None) -> str | None:
    if doc.clean:
        return _verbatim(request, ns.types("ReplyTo"))
    # A recovered tree may have nested the rest of the envelope inside a broken payload,
    # and bytes in the payload may pose as a ReplyTo; SMEV's own is the last one.
    found = list(doc.root.iter(ns.types("ReplyTo"))) if doc.root is not None else []
    if found:
        return found[-1].text
    return _raw_reply_to(doc.raw)


def _raw_reply_to(raw: bytes) -> str | None:
    """ReplyTo found in the bytes after the payload, when the parser gave up before it."""
    ends = list(_MPC_END.finditer(raw))
    matches = list(_REPLY_TO.finditer(raw, ends[-1].end() if ends else 0))
    if not matches:
        return None
    try:
        holder = etree.fromstring(
            b"<r>" + matches[-1].group(1) + b"</r>", safe_parser()
        )
    except etree.XMLSyntaxError:
        return None
    return holder.text


def _message_id(data_el: etree._Element | None) -> str | None:
    value = _text(data_el, ns.types("MessageID"))
    return value if value is not None and ns.is_uuid_text(value) else None


def _metadata(element: etree._Element | None) -> MessageMetadata:
    if element is None:
        return MessageMetadata()
    sender = _child(element, ns.types("Sender"))
    recipient = _child(element, ns.types("Recipient"))
    return MessageMetadata(
        message_id=_text(element, ns.types("MessageId")),
        message_type=_text(element, ns.types("MessageType")),
        sender_mnemonic=_text(sender, ns.types("Mnemonic")),
        sender_name=_text(sender, ns.types("HumanReadableName")),
        sending_timestamp=_datetime(_text(element, ns.types("SendingTimestamp"))),
        recipient_mnemonic=_text(recipient, ns.types("Mnemonic")),
        delivery_timestamp=_datetime(_text(element, ns.types("DeliveryTimestamp"))),
        status=_text(element, ns.types("Status")),
    )


def _async_status(element: etree._Element | None) -> AsyncStatus | None:
    if element is None:
        return None
    fault_el = _child(element, ns.types("SmevFault"))
    fault = None
    if fault_el is not None:
        # The concrete fault is named by xsi:type, a QName whose prefix is in scope here.
        fault = _smev_fault(fault_el, None, None, None, _xsi_type_name(fault_el))
    return AsyncStatus(
        original_message_id=_text(element, ns.types("OriginalMessageId")),
        category=_text(element, ns.types("StatusCategory")),
        details=_verbatim(element, ns.types("StatusDetails")),
        fault=fault,
    )


def _smev_fault(
    element: etree._Element,
    faultcode: str | None,
    faultstring: str | None,
    http_status: int | None,
    name: str | None,
) -> SoapFault:
    children = list(_elements(element))
    by_name: dict[str, etree._Element] = {}
    for child in children:
        by_name.setdefault(_local(child), child)
    reason = by_name.get("SignatureVerificationFault")
    return SoapFault(
        faultcode=faultcode,
        faultstring=faultstring,
        name=name,
        namespace=_namespace(element) or None,
        code=_strip(by_name["Code"].text) if "Code" in by_name else None,
        description=by_name["Description"].text if "Description" in by_name else None,
        reason=_strip(reason.text) if reason is not None else None,
        validation_errors=tuple(
            c.text or "" for c in children if _local(c) == "ValidationError"
        ),
        http_status=http_status,
    )


def _xsi_type_name(element: etree._Element) -> str | None:
    value = element.get(f"{{{ns.XSI}}}type")
    if not value:
        return None
    return value.rsplit(":", 1)[-1].strip()


def _attachments(
    message: etree._Element,
    frame: etree._Element | None,
    data_el: etree._Element | None,
    doc: Document,
    problems: list[MessageProblem],
) -> list[Attachment]:
    contents: dict[str, bytes] = {}
    content_list = _child(message, ns.basic("AttachmentContentList"))
    for item in _all(content_list, ns.basic("AttachmentContent")):
        ref = _text(item, ns.basic("Id"))
        content = _attachment_content(_child(item, ns.basic("Content")), doc)
        if ref is None or content is None:
            problems.append(
                MessageProblem(ProblemKind.ATTACHMENT_UNREADABLE, ref or "")
            )
            continue
        contents[ref] = content

    found = []
    headers = _child(data_el, ns.basic("AttachmentHeaderList"))
    for header in _all(headers, ns.basic("AttachmentHeader")):
        ref = _text(header, ns.basic("contentId")) or ""
        found.append(
            Attachment(
                transfer=AttachmentTransfer.WITH_MESSAGE,
                ref=ref,
                mime_type=_text(header, ns.basic("MimeType")),
                namespace_uri=_text(header, ns.basic("NamespaceUri")),
                signature_pkcs7=_base64(_text(header, ns.basic("SignaturePKCS7"))),
                content=contents.get(ref),
            )
        )

    storage = {
        _text(item, ns.basic("uuid")): item
        for item in _all(
            _child(frame, ns.basic("FSAttachmentsList")), ns.basic("FSAttachment")
        )
    }
    ref_headers = _child(data_el, ns.basic("RefAttachmentHeaderList"))
    for header in _all(ref_headers, ns.basic("RefAttachmentHeader")):
        ref = _text(header, ns.basic("uuid")) or ""
        access = storage.get(ref)
        found.append(
            Attachment(
                transfer=AttachmentTransfer.FILE_STORAGE,
                ref=ref,
                mime_type=_text(header, ns.basic("MimeType")),
                namespace_uri=_text(header, ns.basic("NamespaceUri")),
                file_name=_text(header, ns.basic("FileName"))
                or _text(access, ns.basic("FileName")),
                hash=_text(header, ns.basic("Hash")),
                signature_pkcs7=_base64(_text(header, ns.basic("SignaturePKCS7"))),
                storage_user=_text(access, ns.basic("UserName")),
                storage_password=_verbatim(access, ns.basic("Password")),
            )
        )
    return found


def _attachment_content(element: etree._Element | None, doc: Document) -> bytes | None:
    if element is None:
        return None
    include = _child(element, f"{{{ns.XOP}}}Include")
    if include is not None:
        href = include.get("href", "")
        return doc.parts.get(href.removeprefix("cid:").strip("<>"))
    return _base64(element.text)


def _smev_signature(
    doc: Document, message: etree._Element, verify: Verify | None
) -> bool | None:
    if verify is None or not doc.clean:
        return None
    container = _child(message, ns.types("SMEVSignature"))
    signature = _child(container, f"{{{ns.DS}}}Signature")
    if signature is None:
        return None
    reference = next(signature.iter(f"{{{ns.DS}}}Reference"), None)
    target_id = (
        (reference.get("URI") or "").removeprefix("#") if reference is not None else ""
    )
    target = next((e for e in message.iter() if e.get("Id") == target_id), None)
    if not target_id or target is None:
        return False
    try:
        outcome = verify(signature, target)
    except (
        Exception
    ):  # any failure to verify means "not valid", never a crash of the poller
        return False
    return outcome is not False


def _body_child(root: etree._Element | None) -> etree._Element | None:
    if root is None or _local(root) != "Envelope" or _namespace(root) not in _SOAP:
        return None
    body = next((c for c in _elements(root) if _local(c) == "Body"), None)
    if body is None:
        return None
    return next(iter(_elements(body)), None)


def _elements(parent: etree._Element) -> list[etree._Element]:
    return [c for c in parent if isinstance(c.tag, str)]


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname


def _namespace(element: etree._Element) -> str:
    return etree.QName(element).namespace or ""


def _child(parent: etree._Element | None, tag: str) -> etree._Element | None:
    if parent is None:
        return None
    if tag.startswith("{"):
        return parent.find(tag)
    return next((c for c in _elements(parent) if _local(c) == tag), None)


def _all(parent: etree._Element | None, tag: str) -> list[etree._Element]:
    return [] if parent is None else parent.findall(tag)


def _child_text(parent: etree._Element, local: str) -> str | None:
    child = _child(parent, local)
    return _strip(child.text) if child is not None else None


def _nested_text(parent: etree._Element, outer: str, inner: str) -> str | None:
    child = _child(parent, outer)
    return _child_text(child, inner) if child is not None else None


def _text(parent: etree._Element | None, tag: str) -> str | None:
    child = _child(parent, tag)
    return _strip(child.text) if child is not None else None


def _verbatim(parent: etree._Element | None, tag: str) -> str | None:
    """Element text exactly as sent: ReplyTo must go back byte for byte (smev.md §7.18)."""
    child = _child(parent, tag)
    if child is None or child.text is None:
        return None
    return child.text


def _strip(text: str | None) -> str | None:
    if text is None:
        return None
    return text.strip() or None


def _datetime(text: str | None) -> datetime | None:
    if not text:
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def _base64(text: str | None) -> bytes | None:
    if not text:
        return None
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError):
        return None

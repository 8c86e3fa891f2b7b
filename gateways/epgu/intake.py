"""Reading a business payload from the portal: refuse what cannot be trusted, then parse."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

from lxml import etree

from gateways.epgu.contracts import ContractRegistry, PayloadContract
from gateways.epgu.registry import REGISTRY
from gateways.epgu.results import (
    IntakeContext,
    ParseResult,
    PrecheckRejection,
    RejectionCode,
)
from gateways.epgu.xml import local_name, namespace_of, parse_bytes

logger = logging.getLogger(__name__)

MAX_PAYLOAD_BYTES = 1024 * 1024

_UTF16_32_MARKS = (b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00", b"\xfe\xff", b"\xff\xfe")
_UTF8_MARK = "\ufeff"
_DECLARED_ENCODING = re.compile(
    r"""\A<\?xml\s[^>]*?\bencoding\s*=\s*(["'])(?P<encoding>[^"']*)\1"""
)

TOO_LARGE = "Размер сообщения превышает 1 МиБ"
NOT_UTF8 = "Сообщение должно быть в кодировке UTF-8"
HAS_DOCTYPE = (
    "Сообщение содержит объявление типа документа (DOCTYPE), что не допускается"
)
NOT_WELL_FORMED = "Сообщение не является корректным XML-документом"
UNKNOWN_ROOT = (
    "Вид запроса не поддерживается: корневой элемент сообщения не является элементом "
    "FormData зарегистрированного формата"
)


@dataclass(frozen=True)
class Screened:
    """A payload that passed the precheck: its root and the contract it belongs to."""

    form_data: etree._Element
    contract: PayloadContract


def precheck(
    payload: bytes, registry: ContractRegistry = REGISTRY
) -> PrecheckRejection | None:
    """Refuse a payload that must not be read as any contract (size, encoding, DOCTYPE, root).

    No entity is resolved and nothing is fetched, whatever the payload declares.
    """
    screened = screen(payload, registry)
    return screened if isinstance(screened, PrecheckRejection) else None


def parse(
    payload: bytes, context: IntakeContext, registry: ContractRegistry = REGISTRY
) -> ParseResult:
    """Read a payload into the domain, or say why it cannot be.

    The precheck runs first, so a caller may pass any bytes; a PrecheckRejection is
    answered with RequestRejected, an InvalidPayload with status 332 (or FAILURE when
    it has no order number).
    """
    if context.now.utcoffset() is None:
        raise ValueError("the intake clock must give timezone-aware moments")

    screened = screen(payload, registry)
    if isinstance(screened, PrecheckRejection):
        return screened
    return screened.contract.read(screened.form_data, context)


def screen(
    payload: bytes, registry: ContractRegistry = REGISTRY
) -> Screened | PrecheckRejection:
    """Run the precheck and keep what it parsed, so the payload is parsed once."""
    if len(payload) > MAX_PAYLOAD_BYTES:
        return _rejection(RejectionCode.FAILURE, TOO_LARGE, "too_large")

    text = _utf8_text(payload)
    if text is None:
        return _rejection(RejectionCode.FAILURE, NOT_UTF8, "not_utf8")
    if _has_doctype(text):
        return _rejection(RejectionCode.FAILURE, HAS_DOCTYPE, "doctype")

    try:
        root = parse_bytes(payload)
    except etree.XMLSyntaxError:
        return _rejection(RejectionCode.FAILURE, NOT_WELL_FORMED, "not_well_formed")
    if root.getroottree().docinfo.doctype:
        # The textual check above should make this unreachable; kept as a second lock.
        return _rejection(RejectionCode.FAILURE, HAS_DOCTYPE, "doctype")

    contract = registry.get(namespace_of(root))
    if contract is None or local_name(root) != "FormData":
        return _rejection(
            RejectionCode.UNKNOWN_REQUEST_DESCRIPTION, UNKNOWN_ROOT, "unknown_root"
        )
    return Screened(form_data=root, contract=contract)


def _utf8_text(payload: bytes) -> str | None:
    """The payload as text if it is UTF-8 and says nothing else; None otherwise."""
    if payload.startswith(_UTF16_32_MARKS) or b"\x00" in payload:
        # NUL never occurs in XML; in practice it means UTF-16 or UTF-32 without a mark.
        return None
    try:
        text = payload.decode("utf-8")
    except UnicodeDecodeError:
        return None

    text = text.removeprefix(_UTF8_MARK)
    declared = _DECLARED_ENCODING.match(text)
    if declared is not None and declared.group("encoding").lower() != "utf-8":
        return None
    return text


def _has_doctype(text: str) -> bool:
    """Look for a DOCTYPE in the prolog, the only place XML allows one, without parsing."""
    position = 0
    while True:
        while position < len(text) and text[position].isspace():
            position += 1
        if text.startswith("<?", position):
            closing = "?>"
        elif text.startswith("<!--", position):
            closing = "-->"
        else:
            return text[position : position + 9].upper() == "<!DOCTYPE"
        end = text.find(closing, position)
        if end < 0:
            return False
        position = end + len(closing)


def _rejection(code: RejectionCode, description: str, reason: str) -> PrecheckRejection:
    logger.info(
        "EPGU payload refused before the schema: code=%s reason=%s", code, reason
    )
    return PrecheckRejection(code=code, description=description)

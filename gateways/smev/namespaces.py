"""Namespaces, names and identifier rules of SMEV 3 message exchange, schema version 1.3."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta

VERSION = "1.3"
_BASE = "urn://x-artefacts-smev-gov-ru/services/message-exchange"

SERVICE = f"{_BASE}/{VERSION}"
TYPES = f"{_BASE}/types/{VERSION}"
BASIC = f"{_BASE}/types/basic/{VERSION}"
FAULTS = f"{_BASE}/types/faults/{VERSION}"

SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SOAP12_ENV = "http://www.w3.org/2003/05/soap-envelope"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
DS = "http://www.w3.org/2000/09/xmldsig#"
XOP = "http://www.w3.org/2004/08/xop/include"

BINDING = f"{{{SERVICE}}}SMEVMessageExchangeSoap11Binding"

# Prefixes of the envelopes we build. The business payload keeps its own declarations.
NSMAP = {"soap": SOAP_ENV, "types": TYPES, "basic": BASIC}

# Id conventions of the official client and of real traffic (smev.md §1.5).
ID_PROVIDER = "SIGNED_BY_PROVIDER"
ID_CALLER = "SIGNED_BY_CALLER"
ID_CONSUMER = "SIGNED_BY_CONSUMER"
ID_SMEV = "SIGNED_BY_SMEV"

_UUID_PATTERN = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
)


def types(name: str) -> str:
    return f"{{{TYPES}}}{name}"


def basic(name: str) -> str:
    return f"{{{BASIC}}}{name}"


def faults(name: str) -> str:
    return f"{{{FAULTS}}}{name}"


def soap(name: str) -> str:
    return f"{{{SOAP_ENV}}}{name}"


def new_message_id() -> str:
    """A MessageID as SMEV requires it: a lower-case version 1 UUID (MAC address and time)."""
    return str(uuid.uuid1())


# The start of a version 1 UUID's clock: 100-nanosecond intervals since 15 October 1582.
_UUID_EPOCH = datetime(1582, 10, 15, tzinfo=UTC)


def message_id_time(value: str) -> datetime:
    """When a version 1 MessageID was made, by the clock of the host that made it.

    SMEV compares this time with its own and answers StaleMessageId when it is old (smev.md
    §1.5, §1.10). Raises ValueError for anything but a version 1 UUID.
    """
    parsed = uuid.UUID(value)
    if parsed.version != 1:
        raise ValueError("not a version 1 UUID")
    return _UUID_EPOCH + timedelta(microseconds=parsed.time // 10)


def is_uuid_text(value: str) -> bool:
    """Whether the text matches the schema's UUID pattern (lower-case hex, any version)."""
    return _UUID_PATTERN.fullmatch(value) is not None


def is_message_id(value: str) -> bool:
    """Whether SMEV would accept the text as a sender's MessageID: pattern and version 1."""
    return is_uuid_text(value) and uuid.UUID(value).version == 1

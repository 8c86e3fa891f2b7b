"""The SMEV 3 client of a provider: GetRequest, Ack, SendResponse, GetStatus.

zeep loads the service description (ours, or the operator's files when configured) from
local files only, with every XML safety switch on, and supplies the operations' SOAP actions
and the HTTP transport. The envelopes are built by gateways.smev.envelopes, so the signed
tree is exactly the one sent, and every reply is read by gateways.smev.parsing: zeep never
parses what SMEV sends, so a hostile message cannot make zeep fail.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from urllib.parse import urlparse

import requests
import zeep
import zeep.exceptions
from lxml import etree
from zeep.transports import Transport
from zeep.wsdl import Document
from zeep.wsdl.utils import etree_to_string

from gateways.smev import envelopes, parsing, schemas
from gateways.smev import namespaces as ns
from gateways.smev.errors import (
    SmevConfigurationError,
    SmevEnvelopeInvalid,
    SmevRejectingFault,
    SmevUnavailable,
)

logger = logging.getLogger(__name__)

OPERATIONS = ("GetRequest", "Ack", "SendResponse", "GetStatus")


def zeep_settings(*, strict: bool = True) -> zeep.Settings:
    """zeep's XML safety switches, all on (forbid_external works from zeep 4.3.3)."""
    return zeep.Settings(
        strict=strict,
        xml_huge_tree=False,
        forbid_dtd=True,
        forbid_entities=True,
        forbid_external=True,
    )


@dataclass(frozen=True)
class Exchange:
    """One HTTP exchange, byte for byte."""

    sent: bytes = field(repr=False)
    received: bytes = field(repr=False)
    status_code: int
    content_type: str | None


class CapturingTransport(Transport):
    """zeep's transport that keeps the exact bytes sent and received, per thread."""

    def __init__(self, *, timeout: float) -> None:
        super().__init__(timeout=timeout, operation_timeout=timeout)
        self._local = threading.local()

    @property
    def last_exchange(self) -> Exchange | None:
        return getattr(self._local, "exchange", None)

    def post(self, address: str, message: bytes, headers: dict[str, str]) -> Any:
        # zeep's own post() logs whole bodies at DEBUG, and bodies hold personal data.
        logger.debug("SMEV POST %s, %d bytes", address, len(message))
        return self.session.post(
            address, data=message, headers=headers, timeout=self.operation_timeout
        )

    def post_xml(self, address: str, envelope: Any, headers: dict[str, str]) -> Any:
        message = envelope if isinstance(envelope, bytes) else etree_to_string(envelope)
        self._local.exchange = None
        response = self.post(address, message, headers)
        self._local.exchange = Exchange(
            sent=message,
            received=response.content,
            status_code=response.status_code,
            content_type=response.headers.get("Content-Type"),
        )
        return response


class AckOutcome(StrEnum):
    ACKED = "acked"
    # TargetMessageIsNotFound: acknowledged before (a retried Ack after a lost reply).
    ALREADY_ACKED = "already_acked"


@lru_cache(maxsize=8)
def _wsdl_document(path: Path) -> Document:
    return Document(str(path), Transport(timeout=10), settings=zeep_settings())


class SmevClient:
    """A provider's connection to SMEV 3 (or to the local node, which speaks the same)."""

    def __init__(
        self,
        endpoint_url: str,
        *,
        signer: Any | None = None,
        verify: parsing.Verify | None = None,
        schema_dir: Path | str | None = None,
        timeout: float = 60.0,
        node_id: str | None = None,
        validate_outgoing: bool = True,
        binding: str = ns.BINDING,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        """Set up the client; nothing is sent yet.

        Args:
            endpoint_url: SMEV's address (http or https); the WSDL's own address is ignored.
            signer: gateways.smev.signing.Signer; without one, envelopes go unsigned, which
                only the local node accepts.
            verify: checks SMEV's signature on delivered messages, called as
                verify(ds_signature, signed_element) and failing by raising or returning
                False (gateways.smev.signing.verify); default: the signer's verify, if any.
            schema_dir: the operator's official schema directory; default: our own subset.
            timeout: seconds to connect, and to wait for each reply.
            node_id: NodeID for the selector, when several nodes of one system poll.
            validate_outgoing: check each envelope against the schema before sending.
            binding: the qualified binding name, for a regional SMEV that names it otherwise.
            clock: the current time for selectors and timestamps (timezone-aware).
        """
        if urlparse(endpoint_url).scheme not in ("http", "https"):
            raise SmevConfigurationError(
                f"адрес СМЭВ должен быть http(s): {endpoint_url!r}"
            )
        try:
            directory = schemas.schema_dir_or_own(schema_dir)
        except FileNotFoundError as exc:
            raise SmevConfigurationError(f"схемы СМЭВ не найдены: {exc}") from exc

        self._transport = CapturingTransport(timeout=timeout)
        try:
            self.zeep = zeep.Client(
                _wsdl_document(directory / schemas.WSDL_FILE),
                transport=self._transport,
                settings=zeep_settings(),
            )
            self._schema = (
                schemas.message_schema(directory) if validate_outgoing else None
            )
        except (zeep.exceptions.Error, etree.Error) as exc:
            # Among them: a schema that imports from the network (never fetched).
            raise SmevConfigurationError(
                f"схемы СМЭВ в {directory} не загружаются: {exc}"
            ) from exc
        self._address = endpoint_url
        self._actions = self._soap_actions(binding)
        self._signer = signer
        self._verify = verify or getattr(signer, "verify", None)
        self._node_id = node_id
        self._clock = clock or (lambda: datetime.now(UTC))

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._transport.session.close()

    @property
    def certificate_expires_at(self) -> datetime | None:
        """When the signing certificate stops being valid; None without a signer, or when
        the certificate cannot be read."""
        if self._signer is None:
            return None
        try:
            info = getattr(self._signer, "certificate", None)
            if info is None or callable(info):
                from gateways.smev.signing import read_certificate

                info = read_certificate(self._signer.certificate_der)
            return info.not_after
        except Exception:
            logger.warning("the signing certificate cannot be read for its expiry")
            return None

    @property
    def last_exchange(self) -> Exchange | None:
        """The bytes of this thread's last call, as sent and as received."""
        return self._transport.last_exchange

    def get_request(
        self, namespace_uri: str | None = None, root_element: str | None = None
    ) -> parsing.IncomingRequest | parsing.UnreadableMessage | None:
        """Take the next request from our queue; None when it is empty.

        Never raises because of what the message contains: problems come back as data.
        """
        envelope = envelopes.build_get_request(
            timestamp=self._clock(),
            namespace_uri=namespace_uri,
            root_element=root_element,
            node_id=self._node_id,
            signer=self._signer,
        )
        exchange = self._call("GetRequest", envelope)

        result = parsing.read_get_request_reply(
            exchange.received,
            exchange.content_type,
            http_status=exchange.status_code,
            verify=self._verify,
        )
        if isinstance(result, parsing.IncomingRequest):
            logger.info(
                "SMEV request received: message_id=%s root=%s problems=%s",
                result.message_id,
                result.payload_root,
                ",".join(p.kind for p in result.problems) or "none",
            )
        elif isinstance(result, parsing.UnreadableMessage):
            logger.warning(
                "SMEV delivered an unreadable message (%d bytes): %s",
                len(result.envelope),
                ",".join(p.kind for p in result.problems),
            )
        return result

    def ack(self, message_id: str, accepted: bool = True) -> AckOutcome:
        """Confirm a delivered message, after it is stored. Safe to repeat."""
        envelope = envelopes.build_ack(
            message_id, accepted=accepted, signer=self._signer
        )
        exchange = self._call("Ack", envelope)

        try:
            parsing.read_ack_reply(
                exchange.received,
                exchange.content_type,
                http_status=exchange.status_code,
            )
        except SmevRejectingFault as exc:
            if exc.fault.name != "TargetMessageIsNotFound":
                raise
            logger.info("SMEV ack of %s: already acknowledged", message_id)
            return AckOutcome.ALREADY_ACKED
        logger.info("SMEV ack of %s: accepted=%s", message_id, accepted)
        return AckOutcome.ACKED

    def send_response(
        self,
        to: str,
        payload: envelopes.Payload | None = None,
        rejection: tuple[str, str] | None = None,
        message_id: str | None = None,
    ) -> str:
        """Answer a request; returns the response's MessageID.

        Args:
            to: the request's ReplyTo, verbatim.
            payload: the business XML (bytes or an element), or
            rejection: (code, description) for RequestRejected; code is a RejectionCode.
            message_id: pass the ID of an earlier attempt to retry the same logical send;
                SMEV's MessageIsAlreadySent then means it was sent, and is returned as such.
        """
        message_id = message_id or ns.new_message_id()
        envelope = envelopes.build_send_response(
            message_id=message_id,
            to=to,
            payload=payload,
            rejection=rejection,
            signer=self._signer,
        )
        exchange = self._call("SendResponse", envelope)

        try:
            parsing.read_send_reply(
                exchange.received,
                exchange.content_type,
                http_status=exchange.status_code,
                operation="SendResponse",
            )
        except SmevRejectingFault as exc:
            if exc.fault.name != "MessageIsAlreadySent":
                raise
            logger.info("SMEV response %s was already sent", message_id)
            return message_id
        logger.info("SMEV response sent: message_id=%s", message_id)
        return message_id

    def get_status(self) -> parsing.AsyncStatus | None:
        """The next asynchronous-processing status of our messages, or None."""
        if self._signer is None:
            raise SmevConfigurationError(
                "GetStatus требует подписи: подпись не настроена"
            )
        envelope = envelopes.build_get_status(
            timestamp=self._clock(), signer=self._signer
        )
        exchange = self._call("GetStatus", envelope)
        return parsing.read_get_status_reply(
            exchange.received, exchange.content_type, http_status=exchange.status_code
        )

    def _soap_actions(self, binding_name: str) -> dict[str, str]:
        try:
            binding = self.zeep.wsdl.bindings[binding_name]
        except KeyError as exc:
            raise SmevConfigurationError(f"в WSDL нет привязки {binding_name}") from exc

        actions = {}
        for name in OPERATIONS:
            try:
                operation = binding.get(name)
            except ValueError as exc:
                raise SmevConfigurationError(f"в WSDL нет операции {name}") from exc
            if operation.input.body.qname != ns.types(f"{name}Request"):
                raise SmevConfigurationError(
                    f"операция {name} в WSDL не соответствует схеме {ns.VERSION}"
                )
            actions[name] = operation.soapaction or ""
        return actions

    def _call(self, operation: str, envelope: bytes) -> Exchange:
        if self._schema is not None:
            body = parsing.parse_trusted(envelope).find(f"{ns.soap('Body')}/*")
            errors = self._schema.errors(body)
            if errors:
                raise SmevEnvelopeInvalid(
                    f"сообщение {operation} не соответствует схеме СМЭВ", errors
                )

        headers = {
            "Content-Type": "text/xml; charset=utf-8",
            "SOAPAction": f'"{self._actions[operation]}"',
        }
        try:
            self._transport.post_xml(self._address, envelope, headers)
        except requests.Timeout as exc:
            raise SmevUnavailable(f"СМЭВ не ответил на {operation} вовремя") from exc
        except requests.RequestException as exc:
            raise SmevUnavailable(f"нет связи со СМЭВ ({operation})") from exc

        exchange = self._transport.last_exchange
        if exchange is None:
            raise SmevUnavailable(f"нет ответа СМЭВ на {operation}")
        return exchange

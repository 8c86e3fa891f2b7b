"""Errors of the SMEV gateway, split into retryable and permanent (smev.md §1.10).

A caller (a Temporal activity) lets a retryable error through, so the call is retried with
back-off and the same MessageID; it turns a permanent one into a non-retryable
ApplicationError typed with ``error_type``, so the workflow records it and a person acts.
Two faults are not errors at all and never surface here: MessageIsAlreadySent on
SendResponse means the message was sent, TargetMessageIsNotFound on Ack means it was acked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

# Faults that say "try again later", per the operator's annotations in faults-1.3.xsd.
TRANSIENT_FAULTS = frozenset({"SMEVFailure", "DestinationOverflow", "EndOfLifeReached"})

# Faults that say our signing certificate, or our registration in SMEV, needs a person: a new
# certificate from the certification centre, or the registration renewed (smev.md §1.10,
# §7 #10). Never retried; shown to the operator as "certificate/registration".
CERTIFICATE_REASONS = frozenset({"CertificateIsExpired", "CertificateIsNotFound"})
REGISTRATION_FAULTS = frozenset({"SenderIsNotRegistered"})
CERTIFICATE_OR_REGISTRATION = "certificate/registration"

_FAULT_TEXT_RU = {
    "SMEVFailure": "сбой инфраструктуры СМЭВ",
    "DestinationOverflow": "очередь получателя в СМЭВ переполнена",
    "EndOfLifeReached": "истёк срок жизни сообщения",
    "InvalidContent": "сообщение не прошло проверку по схеме в СМЭВ",
    "SignatureVerificationFault": "электронная подпись не прошла проверку в СМЭВ",
    "SenderIsNotRegistered": "информационная система не зарегистрирована в СМЭВ",
    "UnknownMessageType": "вид сведений не зарегистрирован или не принадлежит системе",
    "RecipientIsNotFound": "получатель ответа не найден (адрес To не совпадает с ReplyTo)",
    "IncorrectResponseContentType": "через SendResponse отправлен запрос, а не ответ",
    "BusinessDataTypeIsNotSupported": "получатель не поддерживает этот тип сведений",
    "InvalidMessageIdFormat": "идентификатор сообщения не является UUID версии 1",
    "StaleMessageId": "идентификатор сообщения устарел (проверьте системное время)",
    "AccessDenied": "отправителю запрещено отправлять такие сообщения",
    "PersonalAccessDenied": "сертификату должностного лица запрещён доступ",
    "AttachmentSizeLimitExceeded": "превышен допустимый размер вложений",
    "QuoteLimitExceeded": "превышена квота на вложения",
    "AttachmentContentMiscoordination": "заголовки вложений не соответствуют содержимому",
    "TransactionCodeInvalid": "неверный код транзакции",
    "MessageIsAlreadySent": "сообщение с таким идентификатором уже отправлено",
    "TargetMessageIsNotFound": "подтверждаемое сообщение не найдено",
}

_SMEV_CODE = re.compile(r"SMEV-\d{3}")


@dataclass(frozen=True)
class SoapFault:
    """A SOAP fault as SMEV sent it. ``name`` is the local name of the detail element."""

    faultcode: str | None
    faultstring: str | None = field(default=None, repr=False)
    name: str | None = None
    namespace: str | None = None
    code: str | None = None
    # Free text from SMEV; validator messages in it may quote personal data: never log it.
    description: str | None = field(default=None, repr=False)
    # SignatureVerificationFault: PoorSOAPEnvelopeFormat, CertificateIsExpired, ...
    reason: str | None = None
    validation_errors: tuple[str, ...] = field(default=(), repr=False)
    http_status: int | None = None

    @property
    def smev_code(self) -> str | None:
        """The "SMEV-NNN" code at the start of the description, if any."""
        found = _SMEV_CODE.search(self.description or "")
        return found.group(0) if found else None


class SmevError(Exception):
    """Base of every error of the SMEV gateway."""

    retryable: ClassVar[bool] = False

    @property
    def error_type(self) -> str:
        """A stable name for a non-retryable ApplicationError."""
        return type(self).__name__


class SmevRetryableError(SmevError):
    """Try again later, with the same MessageID."""

    retryable = True


class SmevPermanentError(SmevError):
    """Retrying will not help: a person, or a code change, has to act."""

    retryable = False


class SmevUnavailable(SmevRetryableError):
    """No answer: connection refused or reset, DNS failure, timeout."""


class SmevServerError(SmevRetryableError):
    """SMEV answered with an HTTP error and no SMEV fault, or with something unreadable."""

    def __init__(self, message: str, *, http_status: int | None = None) -> None:
        super().__init__(message)
        self.http_status = http_status


class SmevHttpError(SmevPermanentError):
    """An HTTP client error (wrong address, method, media type): configuration to fix."""

    def __init__(self, message: str, *, http_status: int) -> None:
        super().__init__(message)
        self.http_status = http_status


class SmevProtocolError(SmevPermanentError):
    """The reply is well-formed but is not what the operation returns."""


class SmevEnvelopeInvalid(SmevPermanentError):
    """An envelope we built fails our schema; it was not sent. A bug or bad input data."""

    def __init__(self, message: str, errors: list[str]) -> None:
        super().__init__(message)
        self.errors = errors


class SmevConfigurationError(SmevPermanentError):
    """The gateway is not set up for this call (for example, no signer for GetStatus)."""


class SmevFaultError(SmevError):
    """SMEV answered with a SOAP fault; ``fault`` holds what it said."""

    def __init__(self, fault: SoapFault) -> None:
        super().__init__(_fault_message(fault))
        self.fault = fault

    @property
    def error_type(self) -> str:
        return self.fault.name or "SoapFault"


class SmevTransientFault(SmevFaultError, SmevRetryableError):
    """SMEVFailure, DestinationOverflow, EndOfLifeReached, or a bare server fault."""


class SmevRejectingFault(SmevFaultError, SmevPermanentError):
    """Any other fault: SMEV refuses the message as it is (schema, signature, access...)."""

    # What kind of person has to act; None: the message or the code is to fix.
    category: ClassVar[str | None] = None


class SmevCertificateFault(SmevRejectingFault):
    """Our certificate expired or is unknown, or our system is not (or no longer) registered
    (a new certificate may change the organisation's X.400 name): the operator acts."""

    category: ClassVar[str | None] = CERTIFICATE_OR_REGISTRATION

    def __init__(self, fault: SoapFault) -> None:
        super().__init__(fault)
        self.args = (f"{self.args[0]} ({CERTIFICATE_OR_REGISTRATION}: нужен новый сертификат "
                     "или регистрация в СМЭВ)",)


def fault_error(fault: SoapFault) -> SmevFaultError:
    """The error to raise for a fault, by the retry table of smev.md §1.10."""
    if fault.name in TRANSIENT_FAULTS:
        return SmevTransientFault(fault)
    if fault.name is None and not (fault.faultcode or "").endswith("Client"):
        # A server fault without a SMEV detail: SMEV's infrastructure, not our message.
        return SmevTransientFault(fault)
    if fault.name in REGISTRATION_FAULTS or (
            fault.name == "SignatureVerificationFault" and fault.reason in CERTIFICATE_REASONS):
        return SmevCertificateFault(fault)
    return SmevRejectingFault(fault)


def _fault_message(fault: SoapFault) -> str:
    what = _FAULT_TEXT_RU.get(fault.name or "", "ошибка СМЭВ")
    parts = [f"СМЭВ: {what}"]
    if fault.name:
        parts.append(f"[{fault.name}{': ' + fault.reason if fault.reason else ''}]")
    if fault.smev_code:
        parts.append(fault.smev_code)
    if fault.code:
        parts.append(f"код {fault.code}")
    return " ".join(parts)

"""What reading a message from the portal gives: a domain object, or why there is none."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from lxml import etree

from domain.enrollment.application import (
    CancelRequest,
    FirstGradeApplication,
    StatusQuery,
)


@dataclass(frozen=True)
class ContractId:
    """A payload contract: the portal service, its version and the namespace of its XML."""

    service: str
    version: str
    namespace: str


class RejectionCode(StrEnum):
    """SMEV-level rejection codes (RequestRejected/RejectionReasonCode)."""

    FAILURE = "FAILURE"
    UNKNOWN_REQUEST_DESCRIPTION = "UNKNOWN_REQUEST_DESCRIPTION"


@dataclass(frozen=True)
class PrecheckRejection:
    """A message refused before its schema is applied; no field of it can be trusted."""

    code: RejectionCode
    description: str


class CancelResult(StrEnum):
    """The answer to a cancelRequest."""

    CANCELLED = "CANCELLED"
    REJECTED = "REJECTED"


class UnreadableValue(ValueError):
    """A value the schema accepts but the domain cannot hold (year 0, 24:00 on 31.12.9999)."""

    def __init__(self, element: etree._Element, problem: str) -> None:
        super().__init__(problem)
        self.element = element
        self.problem = problem


class Operation(StrEnum):
    """The operation a FormData carries."""

    APPLICATION = "application"
    CANCEL = "cancel"
    STATUS_QUERY = "status_query"


@dataclass(frozen=True)
class ParsedApplication:
    contract: ContractId
    application: FirstGradeApplication


@dataclass(frozen=True)
class ParsedCancel:
    contract: ContractId
    request: CancelRequest


@dataclass(frozen=True)
class ParsedStatusQuery:
    contract: ContractId
    query: StatusQuery


@dataclass(frozen=True)
class InvalidPayload:
    """A message of a known contract whose data are wrong.

    With an `order_id` it is answered with status 332 naming `field` and `problem`;
    without one (the number itself is unreadable) with RequestRejected / FAILURE.
    `details` are the raw validation messages, to be stored with the message, never
    logged: they quote the values, which are personal data.
    """

    contract: ContractId
    operation: Operation | None
    order_id: int | None
    field: str
    problem: str
    details: tuple[str, ...] = ()


ParseResult = (
    ParsedApplication
    | ParsedCancel
    | ParsedStatusQuery
    | InvalidPayload
    | PrecheckRejection
)


class IntakeContext(Protocol):
    """What the reader of an application needs to know about the world."""

    @property
    def region_oktmo(self) -> str:
        """ОКТМО of the region (or municipality) this system serves."""
        ...

    @property
    def now(self) -> datetime:
        """The current moment, timezone-aware (an injected clock)."""
        ...

    def school_admits_first_grade(
        self, school_code: str, filing_date: datetime
    ) -> bool:
        """Is this a school we know, admitting to first grade in the filing's campaign?"""
        ...

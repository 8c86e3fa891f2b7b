"""The EPGU business payloads: FormData from the portal, FormDataResponse back.

Transport (SMEV 3, the adapter) is not here: this package takes and gives the bytes of
`MessagePrimaryContent`.
"""

from gateways.epgu.answers import (
    build_cancel_response,
    build_change_order_info,
    fill_comment,
    status_for,
)
from gateways.epgu.contracts import (
    ContractRegistry,
    OutgoingPayloadInvalid,
    PayloadContract,
    UnknownContract,
)
from gateways.epgu.intake import MAX_PAYLOAD_BYTES, parse, precheck
from gateways.epgu.registry import FIRST_GRADE_1_0_0, REGISTRY
from gateways.epgu.results import (
    CancelResult,
    ContractId,
    IntakeContext,
    InvalidPayload,
    Operation,
    ParsedApplication,
    ParsedCancel,
    ParsedStatusQuery,
    ParseResult,
    PrecheckRejection,
    RejectionCode,
)
from gateways.epgu.statuses import (
    CodeKind,
    MissingPlaceholder,
    StatusRow,
    StatusTable,
    UnknownState,
)

__all__ = [
    "FIRST_GRADE_1_0_0",
    "MAX_PAYLOAD_BYTES",
    "REGISTRY",
    "CancelResult",
    "CodeKind",
    "ContractId",
    "ContractRegistry",
    "IntakeContext",
    "InvalidPayload",
    "MissingPlaceholder",
    "Operation",
    "OutgoingPayloadInvalid",
    "ParseResult",
    "ParsedApplication",
    "ParsedCancel",
    "ParsedStatusQuery",
    "PayloadContract",
    "PrecheckRejection",
    "RejectionCode",
    "StatusRow",
    "StatusTable",
    "UnknownContract",
    "UnknownState",
    "build_cancel_response",
    "build_change_order_info",
    "fill_comment",
    "parse",
    "precheck",
    "status_for",
]

"""Answers to the portal: status messages and cancellation results, schema-checked."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from lxml import etree

from gateways.epgu.contracts import PayloadContract
from gateways.epgu.registry import FIRST_GRADE_1_0_0
from gateways.epgu.results import CancelResult
from gateways.epgu.statuses import StatusRow

logger = logging.getLogger(__name__)


def status_for(state: str, contract: PayloadContract = FIRST_GRADE_1_0_0) -> StatusRow:
    """The row of the contract's status table for an internal state."""
    return contract.statuses.by_state(state)


def fill_comment(
    order_id: int,
    state: str,
    placeholders: Mapping[str, str],
    contract: PayloadContract = FIRST_GRADE_1_0_0,
) -> str:
    """The comment of a status with its placeholders filled; `order_id` is filled in."""
    values = {"order_id": str(order_id), **placeholders}
    return contract.statuses.by_state(state).fill(values)


def build_change_order_info(
    order_id: int,
    state: str,
    placeholders: Mapping[str, str],
    contract: PayloadContract = FIRST_GRADE_1_0_0,
) -> bytes:
    """A FormDataResponse/changeOrderInfo for a state, validated against the contract.

    Args:
        order_id: the portal's order number.
        state: our internal state, a `state` of the contract's status table.
        placeholders: formatted values of the comment template (see placeholders.py).
        contract: the contract the application arrived with.

    Raises:
        UnknownState: the contract has no status for the state.
        MissingPlaceholder: a value the comment needs is missing or empty.
        OutgoingPayloadInvalid: the message fails the schema and must not be sent.
    """
    status = contract.statuses.by_state(state)
    comment = fill_comment(order_id, state, placeholders, contract)

    document = contract.change_order_info(order_id, status, comment)
    contract.validate_outgoing(document)

    logger.info(
        "Built changeOrderInfo: order_id=%s state=%s %s=%s",
        order_id,
        state,
        status.code_kind,
        status.code,
    )
    return _serialize(document)


def build_cancel_response(
    order_id: int,
    result: CancelResult,
    comment: str,
    contract: PayloadContract = FIRST_GRADE_1_0_0,
) -> bytes:
    """A FormDataResponse/cancelResponse, validated against the contract.

    Raises:
        OutgoingPayloadInvalid: the message fails the schema (an empty comment, say).
    """
    document = contract.cancel_response(order_id, CancelResult(result), comment)
    contract.validate_outgoing(document)

    logger.info("Built cancelResponse: order_id=%s result=%s", order_id, result)
    return _serialize(document)


def _serialize(document: etree._Element) -> bytes:
    return bytes(etree.tostring(document, xml_declaration=True, encoding="UTF-8"))

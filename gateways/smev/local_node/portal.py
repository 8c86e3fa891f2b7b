"""What the local node reads in the business payloads, to play the portal's side.

Only the first-grade contract (our own, urn://x-artefacts-tsos/...) is understood: the order
number of a request, and the status, cancellation answer or rejection in a response.
Everything is best effort; what cannot be read is None.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from gateways.smev import namespaces as ns

FIRST_GRADE = "urn://x-artefacts-tsos/epgu/concentrator/first-grade/1.0.0"


def _fg(name: str) -> str:
    return f"{{{FIRST_GRADE}}}{name}"


@dataclass(frozen=True)
class ResponseSummary:
    """One response as /admin/responses shows it."""

    kind: (
        str | None
    )  # techCode, orgCode, cancelResponse, RequestRejected, or the root's name
    code: str | None
    comment: str | None
    cancel_allowed: bool | None
    order_id: int | None
    root_namespace: str | None
    root_name: str | None


def order_id_of(root: etree._Element | None) -> int | None:
    """FormData/*/orderId[/pguId] (or FormDataResponse/*/...) as a positive integer."""
    if root is None or root.tag not in (_fg("FormData"), _fg("FormDataResponse")):
        return None
    operation = _first_element(root)
    order = operation.find(_fg("orderId")) if operation is not None else None
    if order is None:
        return None
    pgu_id = order.find(_fg("pguId"))
    text = (pgu_id.text if pgu_id is not None else order.text) or ""
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and int(text) > 0 else None


def payload_root_in(envelope_root: etree._Element | None) -> etree._Element | None:
    """The element inside the first MessagePrimaryContent of an envelope."""
    if envelope_root is None:
        return None
    return _first_element(
        next(envelope_root.iter(ns.basic("MessagePrimaryContent")), None)
    )


def summarize_response(
    data: etree._Element, request_order_id: int | None
) -> ResponseSummary:
    """Read SenderProvidedResponseData: a first-grade answer, a rejection, or another type."""
    rejected = data.find(ns.types("RequestRejected"))
    if rejected is not None:
        return ResponseSummary(
            kind="RequestRejected",
            code=rejected.findtext(ns.types("RejectionReasonCode")),
            comment=rejected.findtext(ns.types("RejectionReasonDescription")),
            cancel_allowed=None,
            order_id=request_order_id,
            root_namespace=None,
            root_name=None,
        )

    root = payload_root_in(data)
    if root is None:
        return ResponseSummary(None, None, None, None, request_order_id, None, None)
    qname = etree.QName(root)
    kind = code = comment = None
    cancel_allowed = None
    operation = _first_element(root)
    if root.tag == _fg("FormDataResponse") and operation is not None:
        if operation.tag == _fg("changeOrderInfo"):
            code_el = _first_element(operation.find(_fg("statusCode")))
            if code_el is not None:
                kind, code = (
                    etree.QName(code_el).localname,
                    (code_el.text or "").strip(),
                )
            comment = operation.findtext(_fg("comment"))
            allowed = (operation.findtext(_fg("cancelAllowed")) or "").strip()
            cancel_allowed = {"true": True, "1": True, "false": False, "0": False}.get(
                allowed
            )
        elif operation.tag == _fg("cancelResponse"):
            kind = "cancelResponse"
            code = (operation.findtext(_fg("result")) or "").strip() or None
            comment = operation.findtext(_fg("comment"))
        else:
            kind = etree.QName(operation).localname
    else:
        kind = qname.localname
    return ResponseSummary(
        kind=kind,
        code=code,
        comment=comment,
        cancel_allowed=cancel_allowed,
        order_id=order_id_of(root) or request_order_id,
        root_namespace=qname.namespace,
        root_name=qname.localname,
    )


def _first_element(parent: etree._Element | None) -> etree._Element | None:
    if parent is None:
        return None
    return next((c for c in parent if isinstance(c.tag, str)), None)

"""The one way this gateway reads XML: locked down against entities, DTDs and the network."""

from __future__ import annotations

from lxml import etree

from gateways.xml_safety import hardened_parser


def locked_down_parser() -> etree.XMLParser:
    """The gateways' hardened parser, without the ID table this gateway never uses."""
    return hardened_parser(collect_ids=False)


def parse_bytes(payload: bytes) -> etree._Element:
    """Parse a document with the locked-down parser; raises etree.XMLSyntaxError."""
    return etree.fromstring(payload, parser=locked_down_parser())


def local_name(element: etree._Element) -> str:
    return str(etree.QName(element).localname)


def namespace_of(element: etree._Element) -> str | None:
    namespace = etree.QName(element).namespace
    return str(namespace) if namespace is not None else None


def child_elements(element: etree._Element) -> list[etree._Element]:
    """Element children only: comments and processing instructions are skipped."""
    return [child for child in element if isinstance(child.tag, str)]

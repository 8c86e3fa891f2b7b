"""Variations of the reference examples for tests: another order, time, child or address."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from lxml import etree

NS = "urn://x-artefacts-tsos/epgu/concentrator/first-grade/1.0.0"
EXAMPLES = Path(__file__).resolve().parent.parent / "gateways" / "epgu" / "examples"


def _set(root: etree._Element, name: str, value: str) -> None:
    for element in root.iter(f"{{{NS}}}{name}"):
        element.text = value


def variant(example: str, *, order_id: int, filing_date: datetime | None = None,
            child_surname: str | None = None, child_name: str | None = None,
            birth_doc_number: str | None = None, street: str | None = None,
            house: str | None = None, school: str | None = None) -> bytes:
    """An example message with some of its values replaced; everything else as in the file."""
    root = etree.fromstring((EXAMPLES / f"{example}.xml").read_bytes(),
                            etree.XMLParser(resolve_entities=False, no_network=True))
    _set(root, "orderId", str(order_id))
    if filing_date is not None:
        _set(root, "FilingDate", filing_date.isoformat())
    if child_surname is not None:
        _set(root, "ChildSurname", child_surname)
    if child_name is not None:
        _set(root, "ChildName", child_name)
    if birth_doc_number is not None:
        _set(root, "ChildBirthDocNumber", birth_doc_number)
    if street is not None:
        _set(root, "Street", street)
        for full in root.iter(f"{{{NS}}}FullAddress"):
            full.text = f"г. Севастополь, {street}, д. {house or '1'}"
    if house is not None:
        _set(root, "House", house)
    if school is not None:
        for org in root.iter(f"{{{NS}}}EduOrganization"):
            org.set("code", school)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")

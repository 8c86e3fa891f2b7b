"""One hardened XML parser for every gateway, and what it refuses to do."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from gateways.epgu.xml import parse_bytes
from gateways.xml_safety import hardened_parser
from tsos.settings import PROJECT_ROOT


def test_the_gateways_make_parsers_in_one_place() -> None:
    makers = [path.relative_to(PROJECT_ROOT).as_posix()
              for path in (PROJECT_ROOT / "gateways").rglob("*.py")
              if "etree.XMLParser(" in path.read_text(encoding="utf-8")]
    assert makers == ["gateways/xml_safety.py"]


def test_no_entity_is_expanded_and_no_file_is_read(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("СНИЛС 112-233-445 95", encoding="utf-8")
    document = (f'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file://{secret}">'
                '<!ENTITY y "раскрыто">]><r>&x;&y;</r>').encode()

    for root in (etree.fromstring(document, hardened_parser()), parse_bytes(document)):
        text = etree.tostring(root, encoding="unicode")
        assert "СНИЛС" not in text and "раскрыто" not in text

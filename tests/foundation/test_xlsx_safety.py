"""Uploaded workbooks are parsed with defusedxml: an entity bomb is refused, not expanded."""

from __future__ import annotations

import zipfile
from pathlib import Path

import openpyxl
import pytest
from defusedxml import DefusedXmlException
from openpyxl import Workbook

from tsos.contingent import read_rows

BOMB = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>')


def test_openpyxl_uses_defusedxml() -> None:
    assert openpyxl.DEFUSEDXML is True


def test_a_workbook_with_an_entity_bomb_is_refused(tmp_path: Path) -> None:
    book = Workbook()
    book.active.append(["school_year", "surname"])
    book.active.append(["2026/2027", "Бомбов"])
    plain = tmp_path / "plain.xlsx"
    book.save(plain)

    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = data.split(b"?>", 1)[1] if data.startswith(b"<?xml") else data
                data = BOMB.encode() + body
            target.writestr(item, data)

    assert [row for _, row in read_rows(plain)] == [
        {"school_year": "2026/2027", "surname": "Бомбов"}]
    with pytest.raises(ValueError) as refused:
        list(read_rows(bomb))
    assert isinstance(refused.value.__cause__ or refused.value.__context__, DefusedXmlException)

"""What a PDF says, line by line, against the final marks stored for its certificate."""

from __future__ import annotations

import io
from typing import Any

from pypdf import PdfReader


def pdf_pages(pdf: bytes) -> list[list[str]]:
    return [[line.strip() for line in (page.extract_text() or "").splitlines()
             if line.strip()] for page in PdfReader(io.BytesIO(pdf)).pages]


def supplement_rows(pdf: bytes, head_name: str) -> list[str]:
    """The supplement's subject rows: its last page after the head's name, as printed."""
    page = pdf_pages(pdf)[-1]
    return page[page.index(head_name) + 1:]


def expected_rows(marks: list[dict[str, Any]]) -> list[str]:
    """«Title mark» for every stored final mark with a value, in the supplement's order."""
    return [f"{m['line']['title']} {m['printed']}"
            for m in sorted(marks, key=lambda m: m["line"]["order"])
            if m["value"] is not None and m["printed"]]

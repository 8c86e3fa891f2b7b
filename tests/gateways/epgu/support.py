"""Examples of the first-grade contract, an intake context and the shared reference folder."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from gateways.epgu.first_grade.v1_0_0.reader import NAMESPACE

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("TSOS_SHARED_DIR", REPO_ROOT.parent / "shared"))
REFERENCE_DIR = SHARED_DIR / "reference" / "epgu" / "first-grade" / "1.0.0"
EXAMPLES_DIR = Path(__file__).parent / "examples"

VALID_EXAMPLES = (
    "01-resident.xml",
    "02-sibling-right.xml",
    "03-first-priority-right.xml",
    "04-extraordinary-right.xml",
    "05-age-6y3m-on-1-september.xml",
    "06-age-8y1m-on-1-september.xml",
    "07-foreign-citizen.xml",
    "08-adapted-program.xml",
    "09-cancel-request.xml",
)
INVALID_EXAMPLES = (
    "21-invalid-no-consent.xml",
    "22-invalid-snils-format.xml",
    "23-invalid-filing-date-without-offset.xml",
)
NS = {"fg": NAMESPACE}


def reference_path(*parts: str) -> Path:
    """A file of the official first-grade contract folder, or a skip saying it is absent."""
    path = REFERENCE_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material absent: {path} (set TSOS_SHARED_DIR)")
    return path


def example_bytes(name: str) -> bytes:
    return (EXAMPLES_DIR / name).read_bytes()


def edited_example(name: str, edit: Callable[[etree._Element], None]) -> bytes:
    """An example with one change made through the DOM, serialised back to UTF-8."""
    root = etree.fromstring(example_bytes(name))
    edit(root)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def find(root: etree._Element, path: str) -> etree._Element:
    node = root.find(path, NS)
    assert node is not None, path
    return node


def set_text(path: str, text: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        find(root, path).text = text

    return edit


def remove(path: str) -> Callable[[etree._Element], None]:
    def edit(root: etree._Element) -> None:
        node = find(root, path)
        parent = node.getparent()
        assert parent is not None
        parent.remove(node)

    return edit


@dataclass
class Context:
    """An intake context for Sevastopol in April 2026 with two schools admitting."""

    region_oktmo: str = "67000000"
    now: datetime = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
    schools: frozenset[str] = frozenset({"SEV-0801", "SEV-0802"})
    asked: list[tuple[str, datetime]] = field(default_factory=list)

    def school_admits_first_grade(
        self, school_code: str, filing_date: datetime
    ) -> bool:
        self.asked.append((school_code, filing_date))
        return school_code in self.schools and filing_date.year == 2026

"""The official ФРДО template copy of ../shared/: skipped only when ../shared is absent.

A machine without ../shared (a clone elsewhere) skips the tests against the official file
with the reason; where ../shared is present the file must be there too, so a moved or
renamed copy fails instead of silently skipping the comparison.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import SHARED_DIR

OFFICIAL_TEMPLATE = (SHARED_DIR / "reference" / "frdo"
                     / "frdo_general_education_template_2022-06-18.xlsx")


def official_frdo_template() -> Path:
    if not SHARED_DIR.is_dir():
        pytest.skip(f"reference material absent: {SHARED_DIR} (set TSOS_SHARED_DIR); "
                    "the official ФРДО template is not compared")
    if not OFFICIAL_TEMPLATE.is_file():
        pytest.fail(f"{SHARED_DIR} is present but the ФРДО template is not: {OFFICIAL_TEMPLATE}")
    return OFFICIAL_TEMPLATE


def frdo_template_if_shared() -> Path | None:
    """The template for a worker that fills it when it can: None without ../shared."""
    return official_frdo_template() if SHARED_DIR.is_dir() else None

"""Fixtures of the ФРДО export tests."""

from pathlib import Path

import pytest
from frdo_factories import OFFICIAL_TEMPLATE


@pytest.fixture(scope="session")
def official_template_path() -> Path:
    if not OFFICIAL_TEMPLATE.is_file():
        pytest.skip(f"the official ФРДО template copy is absent: {OFFICIAL_TEMPLATE}")
    return OFFICIAL_TEMPLATE

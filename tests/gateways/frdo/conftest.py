"""Fixtures of the ФРДО export tests."""

from pathlib import Path

import pytest

from tests.certificates.frdo_template import official_frdo_template


@pytest.fixture(scope="session")
def official_template_path() -> Path:
    return official_frdo_template()

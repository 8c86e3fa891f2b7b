"""Fixtures of the EPGU gateway tests."""

from __future__ import annotations

import pytest

from .support import Context


@pytest.fixture
def context() -> Context:
    return Context()

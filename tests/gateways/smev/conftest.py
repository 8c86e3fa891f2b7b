"""Fixtures of the SMEV gateway tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from gateways.smev import schemas
from gateways.smev.client import SmevClient

from .support import OFFICIAL_DIR, SAMPLES_DIR, running_node


@pytest.fixture(scope="session")
def official_dir() -> Path:
    if not OFFICIAL_DIR.is_dir():
        pytest.skip(
            f"official SMEV 1.3 schemas absent: {OFFICIAL_DIR} (set TSOS_SHARED_DIR)"
        )
    return OFFICIAL_DIR


@pytest.fixture(scope="session")
def samples_dir() -> Path:
    if not SAMPLES_DIR.is_dir():
        pytest.skip(f"SMEV samples absent: {SAMPLES_DIR} (set TSOS_SHARED_DIR)")
    return SAMPLES_DIR


@pytest.fixture(scope="session")
def official_schema(official_dir: Path) -> schemas.MessageSchema:
    return schemas.message_schema(official_dir)


@pytest.fixture(scope="session")
def own_schema() -> schemas.MessageSchema:
    return schemas.message_schema()


@pytest.fixture
def node_url(tmp_path: Path) -> Iterator[str]:
    """A local node (redelivery after 1 s) on a fresh SQLite file."""
    with running_node(tmp_path / "node.sqlite3", redelivery_timeout=1.0) as url:
        yield url


@pytest.fixture
def smev(node_url: str) -> Iterator[SmevClient]:
    with SmevClient(f"{node_url}/smev", timeout=10) as client:
        yield client

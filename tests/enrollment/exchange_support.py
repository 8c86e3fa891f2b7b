"""Helpers of the exchange tests that drive one loop of SmevExchange by hand."""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import uvicorn

from gateways.smev.local_node.app import create_app
from tests.enrollment.conftest import free_port
from tsos.clock import Clock, SystemClock
from tsos.smev_exchange import ExchangeConfig, SmevExchange

_UUID_EPOCH = datetime(1582, 10, 15, tzinfo=UTC)


def message_id_made_at(moment: datetime) -> str:
    """A lower-case version 1 UUID whose own time is `moment` (as uuid1 would make it)."""
    ticks = int((moment - _UUID_EPOCH).total_seconds() * 10_000_000)
    clock_seq = random.getrandbits(14)
    return str(uuid.UUID(fields=(ticks & 0xFFFFFFFF, (ticks >> 32) & 0xFFFF,
                                 ((ticks >> 48) & 0x0FFF) | (1 << 12),
                                 ((clock_seq >> 8) & 0x3F) | 0x80, clock_seq & 0xFF,
                                 uuid.getnode())))


@contextmanager
def node_server(db_path: Path, *, clock: Callable[[], float] = time.time,
                **options: Any) -> Iterator[str]:
    """The local node (with `options` of create_app) on a loopback port; yields its URL."""
    app = create_app(db_path, redelivery_timeout=2.0, clock=clock, **options)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the local SMEV node did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


def bare_exchange(database_url: str, client_factory: Callable[[], Any],
                  clock: Clock | None = None, **config: Any) -> SmevExchange:
    """An exchange whose loops are called one at a time (no Temporal behind it)."""
    return SmevExchange(ExchangeConfig(database_url=database_url, region_oktmo="67000000",
                                       **config),
                        client_factory, None, clock or SystemClock())  # type: ignore[arg-type]

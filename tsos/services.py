"""Finding (or starting) the database and Temporal a process should use."""

from __future__ import annotations

import asyncio
import logging
import time

from temporalio.client import Client

from tsos.runtime.postgres import ensure_embedded_postgres
from tsos.runtime.temporal import Stopped
from tsos.settings import Settings
from tsos.temporal_client import connect

log = logging.getLogger(__name__)


def database_url(settings: Settings) -> str:
    """DATABASE_URL when set; otherwise the embedded server under the data folder."""
    if settings.database_url:
        return settings.database_url
    return ensure_embedded_postgres(settings.data_dir)


async def connect_temporal_with_retry(settings: Settings, timeout: float = 120.0,
                                     stop: asyncio.Event | None = None) -> Client:
    """Connect, waiting for Temporal to come up; `Stopped` when `stop` is set meanwhile."""
    deadline = time.monotonic() + timeout
    stop = stop or asyncio.Event()
    while True:
        try:
            return await connect(settings)
        except Exception:
            if time.monotonic() > deadline:
                raise
            log.info("waiting for Temporal at %s", settings.effective_temporal_address)
        try:
            await asyncio.wait_for(stop.wait(), 1.0)
        except TimeoutError:
            continue
        raise Stopped()

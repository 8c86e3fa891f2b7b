"""`tsos smev-exchange`: the SMEV loops as a process of their own."""

from __future__ import annotations

import asyncio
import logging
import signal

from gateways.smev.client import SmevClient
from tsos.clock import SystemClock
from tsos.services import connect_temporal_with_retry, database_url
from tsos.settings import Settings
from tsos.smev_exchange import ExchangeConfig, SmevExchange

log = logging.getLogger(__name__)


def client_factory(settings: Settings):  # type: ignore[no-untyped-def]
    endpoint = settings.effective_smev_endpoint
    schema_dir = settings.smev_schema_dir

    def make() -> SmevClient:
        return SmevClient(endpoint, schema_dir=schema_dir, signer=None)

    return make


async def run_exchange(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    url = database_url(settings)
    temporal = await connect_temporal_with_retry(settings)
    exchange = SmevExchange(
        ExchangeConfig(database_url=url, region_oktmo=settings.region_oktmo,
                       poll_interval=settings.smev_poll_interval_seconds),
        client_factory(settings), temporal, SystemClock())
    log.info("SMEV exchange running against %s", settings.effective_smev_endpoint)
    await exchange.run(stop)

"""`tsos smev-exchange`: the SMEV loops as a process of their own."""

from __future__ import annotations

import asyncio
import logging
import signal

from gateways.smev.client import SmevClient
from gateways.smev.signing import generate_test_credentials, make_signer, verify
from tsos.clock import SystemClock
from tsos.runtime.temporal import Stopped
from tsos.services import connect_temporal_with_retry, database_url
from tsos.settings import Settings
from tsos.smev_exchange import ExchangeConfig, SmevExchange
from workflows import task_queues

log = logging.getLogger(__name__)


def make_settings_signer(settings: Settings):  # type: ignore[no-untyped-def]
    """The information system's signer; the local node alone may be spoken to unsigned."""
    if settings.smev_key_path and settings.smev_cert_path:
        return make_signer(settings.smev_key_path, settings.smev_cert_path)
    if settings.smev_endpoint is None:
        if not settings.smev_sign_local:
            return None
        key_path, cert_path = generate_test_credentials(settings.data_dir / "smev-test-key")
        return make_signer(key_path, cert_path)
    raise SystemExit("TSOS_SMEV_KEY and TSOS_SMEV_CERT are required to speak to SMEV "
                     f"at {settings.smev_endpoint}")


def client_factory(settings: Settings):  # type: ignore[no-untyped-def]
    endpoint = settings.effective_smev_endpoint
    schema_dir = settings.smev_schema_dir
    signer = make_settings_signer(settings)

    def make() -> SmevClient:
        # Signatures on what SMEV delivers are checked whenever they are present.
        return SmevClient(endpoint, schema_dir=schema_dir, signer=signer, verify=verify)

    return make


async def run_exchange(settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    url = database_url(settings)
    try:
        temporal = await connect_temporal_with_retry(settings, stop=stop)
    except Stopped:
        return
    exchange = SmevExchange(
        ExchangeConfig(database_url=url, region_oktmo=settings.region_oktmo,
                       poll_interval=settings.smev_poll_interval_seconds,
                       answer_alert_minutes=settings.smev_answer_alert_minutes,
                       task_queue=settings.task_queue(task_queues.MAIN)),
        client_factory(settings), temporal, SystemClock())
    log.info("SMEV exchange running against %s", settings.effective_smev_endpoint)
    await exchange.run(stop)

"""A worker in a process of its own, so a test can kill it with SIGKILL mid-work."""

from __future__ import annotations

import asyncio
import json
import os

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from tsos.settings import Settings
from tsos.worker import build_workers, run_workers


async def main() -> None:
    settings = Settings()
    queues = json.loads(os.environ["TEST_QUEUE_NAMES"])
    client = await Client.connect(os.environ["TEMPORAL_ADDRESS"],
                                  data_converter=pydantic_data_converter)
    workers = build_workers(client, settings, os.environ["DATABASE_URL"], queues=queues)
    print("worker ready", flush=True)
    await run_workers(workers, asyncio.Event())


if __name__ == "__main__":
    asyncio.run(main())

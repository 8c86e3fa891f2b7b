"""The Temporal worker process: every task queue, sandbox on, graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

from sqlalchemy.exc import DBAPIError
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    Worker,
)

from activities import context
from activities.registry import ACTIVITIES
from tsos.clock import Clock
from tsos.db.errors import describe_database_error
from tsos.settings import Settings
from workflows.registry import WORKFLOWS

log = logging.getLogger(__name__)


def build_workers(
    client: Client,
    settings: Settings,
    database_url: str,
    *,
    clock: Clock | None = None,
    queues: dict[str, str] | None = None,
    executor: ThreadPoolExecutor | None = None,
) -> list[Worker]:
    """One worker per task queue; `queues` renames queues (tests use fresh ones)."""
    context.configure(settings, database_url, clock)
    executor = executor or ThreadPoolExecutor(max_workers=16, thread_name_prefix="activity")
    workers = []
    for queue, workflows in WORKFLOWS.items():
        activities = ACTIVITIES.get(queue, [])
        if not workflows and not activities:
            continue
        workers.append(Worker(
            client,
            task_queue=(queues or {}).get(queue, queue),
            workflows=workflows,
            activities=activities,
            activity_executor=executor,
            graceful_shutdown_timeout=timedelta(seconds=10),
            max_concurrent_activities=16,
            interceptors=[SafeDatabaseErrors()],
        ))
    return workers


class SafeDatabaseErrors(Interceptor):
    """An activity's database error leaves the worker described, not quoted: its text would
    otherwise go into Temporal's history (seen in its UI) with the row that broke a rule."""

    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _SafeDatabaseErrorsInbound(next)


class _SafeDatabaseErrorsInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        try:
            return await super().execute_activity(input)
        except DBAPIError as error:
            # Still retried like the original (a deadlock or a lost connection passes), and
            # still showing where it happened: the frames stay, the text does not.
            raise safe_database_failure(error).with_traceback(error.__traceback__) from None


def safe_database_failure(error: DBAPIError) -> ApplicationError:
    original = error.orig if error.orig is not None else error
    return ApplicationError(describe_database_error(error), type=type(original).__name__)


async def run_workers(workers: list[Worker], stop: asyncio.Event) -> None:
    async with _all(workers):
        log.info("worker running", extra={"queues": [w.task_queue for w in workers]})
        await stop.wait()
    log.info("worker stopped")


class _all:
    def __init__(self, workers: list[Worker]) -> None:
        self.workers = workers

    async def __aenter__(self) -> None:
        for worker in self.workers:
            await worker.__aenter__()

    async def __aexit__(self, *exc: object) -> None:
        await asyncio.gather(*(w.__aexit__(None, None, None) for w in self.workers))

"""Running the certificate wizard in tests: a worker on the test's own queue, polling."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from concurrent.futures import Executor
from contextlib import asynccontextmanager

from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from activities import context
from activities.certificates import CERTIFICATE_ACTIVITIES
from tsos.settings import Settings
from workflows.certificates import CERTIFICATE_WORKFLOWS
from workflows.certificates.messages import WizardView
from workflows.certificates.wizard import CertificateWizardWorkflow


@asynccontextmanager
async def certificate_worker(client: Client, settings: Settings, database_url: str,
                             executor: Executor) -> AsyncIterator[str]:
    context.configure(settings, database_url)
    queue = f"certificates-{uuid.uuid4().hex[:8]}"
    async with Worker(client, task_queue=queue, workflows=CERTIFICATE_WORKFLOWS,
                      activities=CERTIFICATE_ACTIVITIES, activity_executor=executor):
        yield queue


async def until_step(handle: WorkflowHandle, *steps: str, seconds: float = 60) -> WizardView:
    """Poll the wizard's query until it reaches one of the steps."""
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        view = await handle.query(CertificateWizardWorkflow.view)
        if view.step in steps:
            return view
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"wizard stuck at {view.step}, wanted {steps}")
        await asyncio.sleep(0.2)

"""The workflows a worker runs on each task queue."""

from __future__ import annotations

from workflows import task_queues
from workflows.health import HealthCheckWorkflow

WORKFLOWS: dict[str, list[type]] = {
    task_queues.MAIN: [HealthCheckWorkflow],
    task_queues.SMEV: [],
}

"""The activities a worker runs on each task queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.health import check_database
from workflows import task_queues

ACTIVITIES: dict[str, list[Callable[..., Any]]] = {
    task_queues.MAIN: [check_database],
    task_queues.SMEV: [],
}

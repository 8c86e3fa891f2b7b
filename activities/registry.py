"""The activities a worker runs on each task queue."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.certificates import CERTIFICATE_ACTIVITIES
from activities.enrollment import seats, transitions
from activities.gradebook import GRADEBOOK_ACTIVITIES
from activities.health import check_database
from workflows import task_queues

ENROLLMENT = [
    transitions.apply_transition, transitions.answer_cancel, transitions.send_cancel_refused,
    transitions.release_seat, transitions.flag_overdue_foreign_check, seats.allocate_wave1,
    seats.decide_seat, seats.open_wave2,
    seats.unserved_wave1_applications, seats.create_enrollment_order, seats.end_of_day,
    seats.flag_unsigned_order, seats.wave2_order_due, seats.flag_overdue_application_order,
]

ACTIVITIES: dict[str, list[Callable[..., Any]]] = {
    task_queues.MAIN: [check_database, *ENROLLMENT, *GRADEBOOK_ACTIVITIES,
                       *CERTIFICATE_ACTIVITIES],
    task_queues.SMEV: [],
}

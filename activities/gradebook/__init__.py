"""Activities of the gradebook, run on the main queue."""

from collections.abc import Callable
from typing import Any

from activities.gradebook.term_grading import ACTIVITIES

GRADEBOOK_ACTIVITIES: list[Callable[..., Any]] = list(ACTIVITIES)

"""Activities of the gradebook; the lead registers GRADEBOOK_ACTIVITIES on the main queue."""

from collections.abc import Callable
from typing import Any

from activities.gradebook.term_grading import ACTIVITIES

GRADEBOOK_ACTIVITIES: list[Callable[..., Any]] = list(ACTIVITIES)

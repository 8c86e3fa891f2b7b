"""The errors of the gradebook rules; every message is in Russian for the person who sees it."""

from __future__ import annotations


class GradebookError(ValueError):
    """A rule was broken by the input; `message` is shown to the user as is."""

    code = "gradebook_error"
    http_status = 422

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class StateConflict(GradebookError):
    """The act does not fit the object's current state (already applied, issued, changed)."""

    code = "state_conflict"
    http_status = 409

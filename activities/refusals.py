"""A business refusal: the expected «no» to a person's request, as a Temporal error.

Activities raise every refusal through `refused`, and workflows and the API recognise it with
`find_refusal`. A refusal is not retried and is marked BENIGN, so the worker logs it at DEBUG
without a traceback: an operator sees no stack for a user's 409 or 422, while real failures
(anything else an activity raises) stay loud.

The details are always (code, HTTP status, field, [more lines]), so one reader serves them all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from temporalio.exceptions import ApplicationError, ApplicationErrorCategory

# Types of the refusals ЦОС raises; a workflow that re-raises one keeps its type (and may
# lose its category), so the type alone is enough to recognise it.
CERTIFICATE_RULE = "CertificateRule"
GRADEBOOK_RULE = "GradebookRule"
STEP_NOT_ALLOWED = "StepNotAllowed"
TRANSITION_NOT_ALLOWED = "TransitionNotAllowed"
REFUSAL_TYPES = frozenset({CERTIFICATE_RULE, GRADEBOOK_RULE, STEP_NOT_ALLOWED,
                           TRANSITION_NOT_ALLOWED})


def refused(message: str, *, type: str, code: str | None = None, status: int = 409,
            field: str | None = None, details: Sequence[str] = ()) -> ApplicationError:
    """The error to raise for a refusal; `message` is Russian and shown to the user as is."""
    return ApplicationError(message, code, status, field or "", list(details), type=type,
                            non_retryable=True, category=ApplicationErrorCategory.BENIGN)


@dataclass(frozen=True)
class Refusal:
    message: str
    type: str
    code: str | None
    status: int
    field: str | None
    details: list[str] = field(default_factory=list)


def _is_refusal(error: BaseException) -> bool:
    return isinstance(error, ApplicationError) and (
        error.type in REFUSAL_TYPES or error.category == ApplicationErrorCategory.BENIGN)


def find_refusal(error: BaseException | None) -> Refusal | None:
    """The first refusal along the chain of causes (an update's failure wraps the workflow's
    error, which may wrap an activity's), or None when the chain holds a real failure only."""
    while error is not None:
        if _is_refusal(error):
            assert isinstance(error, ApplicationError)
            details = list(error.details)
            code = details[0] if details and details[0] else None
            status = details[1] if len(details) > 1 and isinstance(details[1], int) else 409
            field_ = details[2] if len(details) > 2 and details[2] else None
            more = [str(d) for d in details[3]] if len(details) > 3 and details[3] else []
            return Refusal(error.message, error.type or "", code and str(code), status,
                           field_ and str(field_), more)
        error = error.__cause__ or getattr(error, "cause", None)
    return None


def failure_kind(error: BaseException | None) -> str:
    """A name for a real failure that is safe to keep and show: the exception's type, never
    its message (a database error's message may quote the values of a row)."""
    if isinstance(error, ApplicationError) and error.type:
        return error.type
    return type(error).__name__ if error is not None else "unknown"

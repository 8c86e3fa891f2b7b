"""Errors of the gradebook service beyond the domain's: what is missing or not the caller's."""

from __future__ import annotations

from domain.gradebook.errors import GradebookError


class NotFound(GradebookError):
    code = "not_found"
    http_status = 404


class NotAllowed(GradebookError):
    """The caller's role or teaching load does not reach this object."""

    code = "forbidden"
    http_status = 403

"""Refusals of workflows and outages of the engine as API errors, shared by every router.

A workflow (or its activity) refuses a step with a refusal of `activities.refusals`: the
person gets its Russian message with its status. Anything else that ends an update is a real
failure: logged by its kind, answered 503. Domain errors raised in a route itself become API
errors through a route class made by `translating_route`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from temporalio.client import WorkflowUpdateFailedError

from activities.refusals import Refusal, failure_kind, find_refusal
from api.errors import ApiError, ServiceUnavailable

log = logging.getLogger(__name__)

E = TypeVar("E", bound=Exception)


def refusal_error(refusal: Refusal) -> ApiError:
    """The refusal's message, code and status, as the one error shape."""
    fields = [{"field": refusal.field, "name": refusal.field, "message": refusal.message}] \
        if refusal.field else []
    error = ApiError(refusal.message, code=refusal.code or "step_not_allowed", fields=fields)
    error.status_code = refusal.status
    return error


def update_refused(
    error: WorkflowUpdateFailedError,
    *,
    unavailable: str,
    render: Callable[[Refusal], ApiError] = refusal_error,
) -> ApiError:
    """The API error for a failed workflow update: the refusal it carries, or 503."""
    refusal = find_refusal(error.cause)
    if refusal is not None:
        return render(refusal)
    log.error("workflow update failed: %s", failure_kind(_innermost(error)))
    return ServiceUnavailable(unavailable)


def _innermost(error: BaseException) -> BaseException:
    while True:
        cause = error.__cause__ or getattr(error, "cause", None)
        if cause is None:
            return error
        error = cause


def translating_route(
    error_type: type[E],
    translate: Callable[[E], ApiError],
    *,
    validation: Callable[[RequestValidationError], ApiError] | None = None,
) -> type[APIRoute]:
    """A route class whose endpoints may raise `error_type`: rendered by `translate`.

    `validation`, when given, renders the request's validation errors in the area's own words
    instead of the application-wide handler's.
    """

    class TranslatingRoute(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def guarded(request: Request) -> Response:
                try:
                    return await handler(request)
                except error_type as error:
                    raise translate(error) from None
                except RequestValidationError as error:
                    if validation is None:
                        raise
                    raise validation(error) from None

            return guarded

    TranslatingRoute.__name__ = f"{error_type.__name__}Route"
    return TranslatingRoute

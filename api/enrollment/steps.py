"""Staff steps as workflow updates, and the workflows' live views, with errors in Russian."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError, RPCStatusCode

from api import errors
from api.errors import ApiError, Conflict
from api.workflow_errors import update_refused

log = logging.getLogger(__name__)

# A step changes a state and queues a status: seconds when the worker is up. Longer means
# the engine or the worker is down; the update still runs when they return.
UPDATE_TIMEOUT = timedelta(seconds=30)
QUERY_TIMEOUT = timedelta(seconds=3)
FINISHED_RU = "Рассмотрение заявления завершено."


class ServiceUnavailable(errors.ServiceUnavailable):
    default_message = ("Сервис обработки заявлений временно недоступен. Повторите попытку "
                       "через несколько минут.")


class StepTimedOut(ApiError):
    status_code = 504
    code = "timeout"
    default_message = ("Действие передано на исполнение, но не завершилось за отведённое "
                       "время. Обновите карточку заявления через минуту: если действие не "
                       "отразилось, повторите его.")


def sentence(message: str) -> str:
    """A validator's clause as a sentence: capital letter, final full stop."""
    text = message.strip()
    if not text:
        return Conflict.default_message
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?»" else text + "."


async def run_update(client: Client, workflow_id: str, update: Any, arg: Any,
                     *, finished_message: str = FINISHED_RU) -> Any:
    """Execute a workflow update; 409 when the workflow refuses it or has finished."""
    handle = client.get_workflow_handle(workflow_id)
    try:
        return await asyncio.wait_for(handle.execute_update(update, arg),
                                      UPDATE_TIMEOUT.total_seconds())
    except WorkflowUpdateFailedError as exc:
        raise update_refused(
            exc, render=lambda refusal: Conflict(sentence(refusal.message),
                                                 code="step_not_allowed"),
            unavailable="Действие не выполнено из-за внутренней ошибки обработки заявления. "
                        "Сообщите администратору.") from None
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            if await _ended_by_a_fault(handle):
                log.error("update %s of %s: the workflow ended by a fault",
                          getattr(update, "__name__", update), workflow_id)
                raise Conflict("Обработка заявления остановлена из-за внутренней ошибки, "
                               "решение по нему не принято. Сообщите администратору.",
                               code="workflow_failed") from None
            raise Conflict(finished_message, code="finished") from None
        log.warning("update %s of %s: engine error %s", getattr(update, "__name__", update),
                    workflow_id, exc.status)
        raise ServiceUnavailable() from None
    except (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError):
        log.warning("update %s of %s timed out", getattr(update, "__name__", update),
                    workflow_id)
        raise StepTimedOut() from None


async def _ended_by_a_fault(handle: Any) -> bool:
    """A workflow that failed, was terminated or timed out decided nothing: staff must not
    read its silence as a finished review."""
    try:
        status = (await handle.describe()).status
    except RPCError:
        return False
    return status in (WorkflowExecutionStatus.FAILED, WorkflowExecutionStatus.TERMINATED,
                      WorkflowExecutionStatus.TIMED_OUT)


async def try_query(client: Client, workflow_id: str, query: Callable[..., Any]) -> Any | None:
    """The workflow's view, or None when it cannot answer now (the page shows the rest)."""
    try:
        handle = client.get_workflow_handle(workflow_id)
        return await asyncio.wait_for(handle.query(query, rpc_timeout=QUERY_TIMEOUT),
                                      QUERY_TIMEOUT.total_seconds() + 1)
    except (RPCError, WorkflowQueryFailedError, TimeoutError) as exc:
        log.info("query of %s not answered: %s", workflow_id, type(exc).__name__)
        return None

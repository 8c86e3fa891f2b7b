"""A workflow and two activities for the refusal logging test: one refuses, one fails."""

from __future__ import annotations

from datetime import timedelta

from temporalio import activity, workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from activities.refusals import refused


@activity.defn
def refuse_politely() -> None:
    raise refused("Нет заявлений для включения в приказ.", type="StepNotAllowed")


@activity.defn
def break_down() -> None:
    raise RuntimeError("a real failure")


@workflow.defn
class RefusalFlow:
    @workflow.run
    async def run(self, activity_name: str) -> str:
        try:
            await workflow.execute_activity(
                activity_name, start_to_close_timeout=timedelta(seconds=10),
                retry_policy=RetryPolicy(maximum_attempts=1))
        except ActivityError as error:
            return type(error.cause).__name__
        return "done"

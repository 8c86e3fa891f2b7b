"""A trivial workflow the readiness check runs: proves a worker and the database answer."""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from activities.health import check_database


@workflow.defn(name="HealthCheck")
class HealthCheckWorkflow:
    @workflow.run
    async def run(self) -> str:
        return await workflow.execute_activity(
            check_database, start_to_close_timeout=timedelta(seconds=10)
        )

"""The readiness probe's activity."""

from __future__ import annotations

from sqlalchemy import text
from temporalio import activity

from activities.context import runtime


@activity.defn(name="check_database")
def check_database() -> str:
    with runtime().session() as session:
        session.execute(text("SELECT 1"))
    return "ok"

"""The clock the domain and activities take as an argument; workflows use the engine's time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """An aware datetime in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FixedClock:
    """A clock for tests and demos: stands still until moved."""

    current: datetime = field(default_factory=lambda: datetime.now(UTC))

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta) -> None:
        self.current += delta


class EngineClock:
    """Inside an activity, the engine's time of scheduling; elsewhere the system clock.

    Workflows live on the engine's clock (which a time-skipping test server moves on), so
    activities that compute deadlines for them must read the same clock.
    """

    def __init__(self, fallback: Clock | None = None) -> None:
        self._fallback = fallback or SystemClock()

    def now(self) -> datetime:
        from temporalio import activity

        if activity.in_activity():
            return activity.info().current_attempt_scheduled_time.astimezone(UTC)
        return self._fallback.now()

"""What activities share: the database and the clock, set once when the worker starts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy.orm import Session

from tsos.clock import Clock, EngineClock
from tsos.db.session import session_scope
from tsos.settings import Settings


@dataclass
class Runtime:
    settings: Settings
    database_url: str
    clock: Clock

    @contextmanager
    def session(self) -> Iterator[Session]:
        with session_scope(self.database_url) as session:
            yield session


_runtime: Runtime | None = None


def configure(settings: Settings, database_url: str, clock: Clock | None = None) -> Runtime:
    global _runtime
    _runtime = Runtime(settings=settings, database_url=database_url,
                       clock=clock or EngineClock())
    return _runtime


def runtime() -> Runtime:
    if _runtime is None:
        raise RuntimeError("activities used before the worker configured them")
    return _runtime

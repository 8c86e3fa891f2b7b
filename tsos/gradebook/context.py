"""Who writes, when, for which school, and under which workflow: passed to every write."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from domain.gradebook.audit import Actor
from domain.gradebook.locks import WriteRefused
from tsos.gradebook.audit_log import store_refusal


@dataclass(frozen=True)
class WriteContext:
    session: Session
    actor: Actor
    at: datetime
    organization_id: int
    workflow_id: str | None = None

    @contextmanager
    def refusals_audited(self) -> Iterator[None]:
        """Every refused write is audited, whichever path it came by, and then re-raised."""
        try:
            yield
        except WriteRefused as error:
            store_refusal(self.session, error, organization_id=self.organization_id,
                          at=self.at, workflow_id=self.workflow_id)
            raise

    def next_id(self, table: str) -> int:
        """An id taken before the insert: the domain names new objects (and audits them) by id."""
        return self.next_ids(table, 1)[0]

    def next_ids(self, table: str, count: int) -> list[int]:
        return list(self.session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:table, 'id')) "
                 "FROM generate_series(1, :count)"), {"table": table, "count": count}))

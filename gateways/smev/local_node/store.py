"""The local node's queues in one SQLite file, so they survive a restart."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

_SCHEMA = """
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    reply_to TEXT,
    order_id INTEGER,
    root_namespace TEXT,
    root_name TEXT,
    envelope BLOB NOT NULL,
    enqueued_at REAL NOT NULL,
    delivered_at REAL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    acked_at REAL,
    ack_accepted INTEGER
);
CREATE INDEX IF NOT EXISTS requests_reply_to ON requests (reply_to);
CREATE TABLE IF NOT EXISTS responses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    message_id TEXT NOT NULL UNIQUE,
    to_address TEXT NOT NULL,
    request_message_id TEXT,
    order_id INTEGER,
    kind TEXT,
    code TEXT,
    comment TEXT,
    cancel_allowed INTEGER,
    root_namespace TEXT,
    root_name TEXT,
    envelope BLOB NOT NULL,
    sent_at REAL NOT NULL,
    delivered_at REAL,
    delivery_count INTEGER NOT NULL DEFAULT 0,
    acked_at REAL
);
CREATE INDEX IF NOT EXISTS responses_order ON responses (order_id);
CREATE TABLE IF NOT EXISTS statuses (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    status BLOB NOT NULL,
    queued_at REAL NOT NULL,
    delivered_at REAL
);
"""


class DuplicateMessage(Exception):
    """A message with this MessageID is already stored."""


@dataclass(frozen=True)
class QueuedRequest:
    seq: int
    message_id: str
    reply_to: str | None = field(repr=False)
    order_id: int | None
    root_namespace: str | None
    root_name: str | None
    envelope: bytes = field(repr=False)
    enqueued_at: float
    delivered_at: float | None
    delivery_count: int
    acked_at: float | None
    ack_accepted: bool | None


@dataclass(frozen=True)
class RecordedResponse:
    seq: int
    message_id: str
    to_address: str = field(repr=False)
    request_message_id: str | None
    order_id: int | None
    kind: str | None
    code: str | None
    comment: str | None = field(repr=False)
    cancel_allowed: bool | None
    root_namespace: str | None
    root_name: str | None
    envelope: bytes = field(repr=False)
    sent_at: float
    delivered_at: float | None
    delivery_count: int
    acked_at: float | None


class NodeStore:
    """Requests waiting for GetRequest and the responses sent back; thread-safe."""

    def __init__(
        self, path: Path | str, *, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(
            self.path, check_same_thread=False, isolation_level=None
        )
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def now(self) -> float:
        return self._clock()

    def add_request(
        self,
        *,
        message_id: str,
        reply_to: str | None,
        order_id: int | None,
        root_namespace: str | None,
        root_name: str | None,
        envelope: bytes,
    ) -> None:
        with self._transaction() as db:
            try:
                db.execute(
                    "INSERT INTO requests (message_id, reply_to, order_id, root_namespace,"
                    " root_name, envelope, enqueued_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (
                        message_id,
                        reply_to,
                        order_id,
                        root_namespace,
                        root_name,
                        envelope,
                        self.now(),
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateMessage(message_id) from exc

    def next_request(
        self,
        *,
        redelivery_timeout: float,
        root_namespace: str | None = None,
        root_name: str | None = None,
    ) -> QueuedRequest | None:
        """Hand out the oldest request not acked and not handed out within the timeout."""
        row = self._claim("requests", redelivery_timeout, root_namespace, root_name)
        return _request(row) if row is not None else None

    def next_response(
        self,
        *,
        redelivery_timeout: float,
        root_namespace: str | None = None,
        root_name: str | None = None,
    ) -> RecordedResponse | None:
        row = self._claim("responses", redelivery_timeout, root_namespace, root_name)
        return _response(row) if row is not None else None

    def ack(self, message_id: str, *, accepted: bool) -> bool:
        """Mark a handed-out message acknowledged; False if there is no such unacked one."""
        now = self.now()
        with self._transaction() as db:
            changed = db.execute(
                "UPDATE requests SET acked_at = ?, ack_accepted = ? WHERE message_id = ?"
                " AND delivered_at IS NOT NULL AND acked_at IS NULL",
                (now, int(accepted), message_id),
            ).rowcount
            if not changed:
                changed = db.execute(
                    "UPDATE responses SET acked_at = ? WHERE message_id = ?"
                    " AND delivered_at IS NOT NULL AND acked_at IS NULL",
                    (now, message_id),
                ).rowcount
        return bool(changed)

    def request_by_reply_to(self, reply_to: str) -> QueuedRequest | None:
        with self._lock:
            row = self._db.execute(
                "SELECT * FROM requests WHERE reply_to = ? ORDER BY seq LIMIT 1",
                (reply_to,),
            ).fetchone()
        return _request(row) if row is not None else None

    def add_response(
        self,
        *,
        message_id: str,
        to_address: str,
        request_message_id: str | None,
        order_id: int | None,
        kind: str | None,
        code: str | None,
        comment: str | None,
        cancel_allowed: bool | None,
        root_namespace: str | None,
        root_name: str | None,
        envelope: bytes,
    ) -> float:
        """Record a response as sent; returns the moment it was recorded."""
        sent_at = self.now()
        with self._transaction() as db:
            try:
                db.execute(
                    "INSERT INTO responses (message_id, to_address, request_message_id,"
                    " order_id, kind, code, comment, cancel_allowed, root_namespace,"
                    " root_name, envelope, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (
                        message_id,
                        to_address,
                        request_message_id,
                        order_id,
                        kind,
                        code,
                        comment,
                        None if cancel_allowed is None else int(cancel_allowed),
                        root_namespace,
                        root_name,
                        envelope,
                        sent_at,
                    ),
                )
            except sqlite3.IntegrityError as exc:
                raise DuplicateMessage(message_id) from exc
        return sent_at

    def responses(self, order_id: int | None = None) -> list[RecordedResponse]:
        """Responses in the order they were sent, all or those of one order."""
        query, args = "SELECT * FROM responses", ()
        if order_id is not None:
            query, args = query + " WHERE order_id = ?", (order_id,)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [_response(row) for row in rows]

    def add_status(self, status: bytes) -> None:
        """Queue an AsyncProcessingStatus element (serialised) for GetStatus."""
        with self._transaction() as db:
            db.execute("INSERT INTO statuses (status, queued_at) VALUES (?, ?)",
                       (status, self.now()))

    def next_status(self) -> bytes | None:
        """The oldest status not yet given out; GetStatus hands each out once."""
        with self._transaction() as db:
            row = db.execute("SELECT seq, status FROM statuses WHERE delivered_at IS NULL"
                             " ORDER BY seq LIMIT 1").fetchone()
            if row is None:
                return None
            db.execute("UPDATE statuses SET delivered_at = ? WHERE seq = ?",
                       (self.now(), row["seq"]))
        return bytes(row["status"])

    def requests(self) -> list[QueuedRequest]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM requests ORDER BY seq").fetchall()
        return [_request(row) for row in rows]

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def _claim(
        self,
        table: str,
        timeout: float,
        root_namespace: str | None,
        root_name: str | None,
    ) -> sqlite3.Row | None:
        now = self.now()
        where = "acked_at IS NULL AND (delivered_at IS NULL OR delivered_at <= ?)"
        args: list[object] = [now - timeout]
        if root_namespace is not None:
            where += " AND root_namespace = ? AND root_name = ?"
            args += [root_namespace, root_name]

        with self._transaction() as db:
            row = db.execute(
                f"SELECT * FROM {table} WHERE {where} ORDER BY seq LIMIT 1", args
            ).fetchone()
            if row is None:
                return None
            db.execute(
                f"UPDATE {table} SET delivered_at = ?, delivery_count = delivery_count + 1"
                " WHERE seq = ?",
                (now, row["seq"]),
            )
            row = db.execute(
                f"SELECT * FROM {table} WHERE seq = ?", (row["seq"],)
            ).fetchone()
        return row


def _request(row: sqlite3.Row) -> QueuedRequest:
    values = dict(row)
    values["ack_accepted"] = (
        None if values["ack_accepted"] is None else bool(values["ack_accepted"])
    )
    return QueuedRequest(**values)


def _response(row: sqlite3.Row) -> RecordedResponse:
    values = dict(row)
    allowed = values["cancel_allowed"]
    values["cancel_allowed"] = None if allowed is None else bool(allowed)
    return RecordedResponse(**values)

"""The provider side of SMEV 3, as three loops in one process.

- the poller takes each request from SMEV, stores it in the inbox, and only then acks it;
- the intake reads the inbox in arrival order: answers what it can, registers applications,
  starts their workflows, forwards cancellations;
- the sender delivers the outbox, oldest first, each message with its own fixed MessageID,
  so a retry is the same message to SMEV.

Each loop can stop at any point and start again without losing or repeating anything.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hashlib
import logging
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from lxml import etree
from sqlalchemy import select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from temporalio.client import Client, WorkflowHandle
from temporalio.common import WorkflowIDReusePolicy
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from activities.enrollment.intake import IntakeOutcome, process_message
from activities.enrollment.transitions import queue_cancel_response
from gateways.epgu import ParsedCancel, parse
from gateways.epgu.contracts import PayloadContract
from gateways.epgu.intake import Screened, screen
from gateways.smev import namespaces as ns
from gateways.smev.client import SmevClient
from gateways.smev.errors import (
    SmevCertificateFault,
    SmevConfigurationError,
    SmevError,
    SmevFaultError,
    SmevRejectingFault,
)
from gateways.smev.parsing import AsyncStatus, IncomingRequest, UnreadableMessage
from tsos.clock import Clock
from tsos.db.enrollment import (
    FirstGradeApplication,
    SmevInboxMessage,
    SmevOutage,
    SmevOutboxMessage,
    count_unanswered_requests,
    unanswered_requests,
)
from tsos.db.errors import describe_database_error
from tsos.db.session import session_scope
from workflows import task_queues
from workflows.enrollment.application import FirstGradeApplicationWorkflow
from workflows.enrollment.messages import ApplicationFacts, PortalCancel

log = logging.getLogger(__name__)

# Seconds a full take from SMEV, or a full batch of statuses to send, counts as a backlog
# (see ExchangeConfig.intake_batch).
BACKLOG_HOLD = 2.0
# Outbox messages one sender takes at a time.
SEND_BATCH = 100

# Only one intake may run per database: arrival order is the duplicate tie-break.
INTAKE_LOCK = 0x7505_0001
# The outcome of a portal cancel stored but not yet given to its workflow.
CANCEL_PENDING = "cancel_pending"
# SMEV refuses a MessageID whose own time is "about two days" old or more (smev.md §1.10):
# a message that failed that long is sent again under a new ID; a younger ID refused as
# stale means a clock is wrong, and a new ID would not help.
RENEW_STALE_MESSAGE_ID_AFTER = timedelta(days=2)
# The signing certificate is alerted this long before it expires, at the start and daily:
# a new GOST certificate from the certification centre, and SMEV's registration of it
# (possibly a new X.400 name), take weeks, not days.
CERTIFICATE_WARNING = timedelta(days=30)
CERTIFICATE_CHECK_INTERVAL = 24 * 3600.0
# AsyncProcessingStatus categories that say SMEV refused a message it had accepted.
REJECTED_BY_SMEV = frozenset({"requestIsRejectedBySmev", "responseIsRejectedBySmev"})


class _CancelContext:
    """What the EPGU reader asks while a stored cancel is read again (nothing of schools)."""

    def __init__(self, region_oktmo: str, now: datetime) -> None:
        self.region_oktmo = region_oktmo
        self.now = now

    def school_admits_first_grade(self, school_code: str, filing_date: datetime) -> bool:
        return True


@dataclass
class ExchangeConfig:
    database_url: str
    region_oktmo: str
    poll_interval: float = 1.0
    pollers: int = 4
    senders: int = 4
    # Requests taken in a row before one commit stores them all.
    take: int = 20
    task_queue: str = task_queues.MAIN
    # How often registered applications without a workflow, and cancels not forwarded,
    # are looked for (Temporal was unavailable); after a failure the wait grows to the max.
    sweep_interval: float = 5.0
    sweep_backoff_max: float = 60.0
    # Rows taken by one sweep: the rest wait for the next one.
    sweep_limit: int = 100
    # Messages the intake takes in one transaction. While more are waiting (a batch comes
    # back full, a poller's take from SMEV did, or a sender's batch of statuses did: a
    # campaign's first minutes) registration goes first, and the workflows are left to the
    # sweep, which starts them once the inbox, SMEV's queue and the outbox are drained: the
    # engine's work would otherwise slow every later registration on a small machine.
    intake_batch: int = 100
    # Seconds between GetStatus polls: SMEV's status queue is read rarely (smev.md §1.7).
    status_interval: float = 300.0
    # A request unanswered this long after its SendingTimestamp is alerted (smev.md §7 #26;
    # TSOS_SMEV_ANSWER_ALERT_MINUTES in a deployment). Checked every `deadline_interval` s.
    answer_alert_minutes: float = 30.0
    deadline_interval: float = 60.0


class SmevExchange:
    def __init__(self, config: ExchangeConfig, client_factory: Callable[[], SmevClient],
                 temporal: Client, clock: Clock) -> None:
        self.config = config
        self.client_factory = client_factory
        self.temporal = temporal
        self.clock = clock
        self.inbox_event = asyncio.Event()
        self.outbox_event = asyncio.Event()
        self.starts = asyncio.Semaphore(32)
        self.started: list[int] = []
        # Applications whose start is scheduled or done but not yet recorded: the sweep
        # leaves them alone.
        self.in_flight: set[int] = set()
        self.sweep_backoff = 0.0
        self.next_sweep = 0.0
        # Workflow starts left to the sweep while the intake had a backlog.
        self.deferred = False
        # The open outage window (SMEV unreachable), if any; pollers share it.
        self.outage_id: int | None = None
        self.outage_lock = threading.Lock()
        self.smev_backlog_until = 0.0
        self.answer_alert_after = timedelta(minutes=config.answer_alert_minutes)
        # Requests now past that age without an answer (for health and the API to show).
        self.overdue_answers = 0

    async def run(self, stop: asyncio.Event) -> None:
        self.loop = asyncio.get_running_loop()
        self.pending_starts: set[asyncio.Future] = set()  # type: ignore[type-arg]
        tasks = [asyncio.create_task(self._poll(stop, n)) for n in range(self.config.pollers)]
        tasks.append(asyncio.create_task(self._intake(stop)))
        tasks += [asyncio.create_task(self._send(stop, n, self.config.senders))
                  for n in range(self.config.senders)]
        tasks.append(asyncio.create_task(self._watch_statuses(stop)))
        tasks.append(asyncio.create_task(self._watch_deadlines(stop)))
        tasks.append(asyncio.create_task(self._watch_certificate(stop)))
        await stop.wait()
        self.inbox_event.set()
        self.outbox_event.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- poller ------------------------------------------------------------------------

    async def _poll(self, stop: asyncio.Event, number: int) -> None:
        client = self.client_factory()
        while not stop.is_set():
            try:
                batch = await asyncio.to_thread(self._take, client)
            except SmevCertificateFault as exc:
                log.error("GetRequest refused: the signing certificate or the registration "
                          "in SMEV needs an operator", extra={"fault": exc.error_type,
                                                              "category": exc.category})
                await _sleep(stop, self.config.poll_interval * 60)
                continue
            except SmevError as exc:
                log.warning("GetRequest failed: %s", type(exc).__name__)
                await asyncio.to_thread(self._outage_continues, type(exc).__name__)
                await _sleep(stop, self.config.poll_interval * 5)
                continue
            if self.outage_id is not None:
                await asyncio.to_thread(self._outage_ends)
            if not batch:
                await _sleep(stop, self.config.poll_interval)
                continue
            if len(batch) >= self.config.take:
                # SMEV had more than one take: a backlog is still waiting there.
                self.smev_backlog_until = time.monotonic() + BACKLOG_HOLD
            try:
                acks = await asyncio.to_thread(self._store, batch)
                self.inbox_event.set()
                if any(not accepted for _, accepted in acks):
                    self.outbox_event.set()
                for message_id, accepted in acks:
                    await asyncio.to_thread(client.ack, message_id, accepted)
            except Exception:
                # Not acked: SMEV delivers it again, and the inbox keeps it only once.
                log.exception("storing or acking requests failed")
                await _sleep(stop, self.config.poll_interval)

    def _outage_continues(self, error: str) -> None:
        """SMEV unreachable: open a window (enrollment.md T9), or count one more failure."""
        with self.outage_lock, session_scope(self.config.database_url) as session:
            if self.outage_id is None:
                outage = SmevOutage(started_at=self.clock.now(), error=error[:100])
                session.add(outage)
                session.flush()
                self.outage_id = outage.id
                log.error("SMEV unreachable: outage window opened",
                          extra={"outage_id": outage.id, "error": error})
                return
            session.execute(update(SmevOutage).where(SmevOutage.id == self.outage_id)
                            .values(failures=SmevOutage.failures + 1))

    def _outage_ends(self) -> None:
        with self.outage_lock:
            if self.outage_id is None:
                return
            with session_scope(self.config.database_url) as session:
                session.execute(update(SmevOutage).where(SmevOutage.id == self.outage_id)
                                .values(ended_at=self.clock.now()))
            log.warning("SMEV reachable again: outage window closed",
                        extra={"outage_id": self.outage_id})
            self.outage_id = None

    def _take(self, client: SmevClient) -> list[IncomingRequest | UnreadableMessage]:
        """Up to `take` requests in a row, so that one commit stores them all."""
        batch: list[IncomingRequest | UnreadableMessage] = []
        while len(batch) < self.config.take:
            got = client.get_request()
            if got is None:
                break
            batch.append(got)
        return batch

    def _store(self, batch: list[IncomingRequest | UnreadableMessage]
               ) -> list[tuple[str, bool]]:
        """Store each request once (by MessageID); return the ids that may now be acked,
        each with the Ack's `accepted`."""
        now = self.clock.now()
        rows, ackable, forged = [], [], []
        for got in batch:
            state, outcome = "new", None
            if isinstance(got, UnreadableMessage):
                digest = hashlib.sha256(got.envelope).hexdigest()[:40]
                message_id, reply_to, payload = f"unreadable-{digest}", got.reply_to, None
                log.error("unreadable SMEV message stored", extra={"inbox_key": message_id})
            elif got.smev_signature_valid is False:
                # SMEV's own signature does not verify (smev.md #22): kept as rejected,
                # acked as not accepted, refused to the sender, never read as a request.
                message_id, reply_to, payload = got.message_id, got.reply_to, got.payload
                state, outcome = "rejected", "rejected:smev_signature_invalid"
                ackable.append((message_id, False))
                forged.append(message_id)
                log.error("SMEV signature of a delivered message does not verify",
                          extra={"message_id": message_id})
            else:
                message_id, reply_to, payload = got.message_id, got.reply_to, got.payload
                ackable.append((message_id, True))
            metadata = getattr(got, "metadata", None)
            rows.append({"message_id": message_id, "reply_to": reply_to, "received_at": now,
                         "sending_timestamp": metadata.sending_timestamp if metadata else None,
                         "raw": got.envelope, "payload": payload, "state": state,
                         "outcome": outcome, "test_message": getattr(got, "is_test", False),
                         "processed_at": now if state == "rejected" else None})
        with session_scope(self.config.database_url) as session:
            session.execute(insert(SmevInboxMessage).values(rows)
                            .on_conflict_do_nothing(index_elements=["message_id"]))
            if forged:
                self._refuse_unverified(session, forged)
        # A message without a readable MessageID cannot be acked; SMEV will offer it again
        # and the inbox will keep it once.
        return ackable

    @staticmethod
    def _refuse_unverified(session: Session, message_ids: list[str]) -> None:
        """RequestRejected for each message whose SMEV signature failed, once each."""
        inboxes = session.execute(
            select(SmevInboxMessage.id, SmevInboxMessage.message_id,
                   SmevInboxMessage.reply_to)
            .where(SmevInboxMessage.message_id.in_(message_ids),
                   SmevInboxMessage.outcome == "rejected:smev_signature_invalid"))
        answers = [{
            "dedup_key": f"inbox:{inbox_id}:answer", "message_id": str(uuid.uuid1()),
            "reply_to": reply_to, "request_message_id": message_id, "order_id": None,
            "kind": "RequestRejected", "code": "FAILURE",
            "comment": "Запрос не принят: электронная подпись СМЭВ на сообщении не прошла "
                       "проверку."} for inbox_id, message_id, reply_to in inboxes]
        if answers:
            session.execute(insert(SmevOutboxMessage).values(answers)
                            .on_conflict_do_nothing(index_elements=["dedup_key"]))

    # --- intake ------------------------------------------------------------------------

    async def _intake(self, stop: asyncio.Event) -> None:
        sweep: asyncio.Task | None = None  # type: ignore[type-arg]
        while not stop.is_set():
            # Workflows not started (a crash, or Temporal unavailable) and cancels not
            # forwarded are taken again in the background; the intake goes on meanwhile.
            if (sweep is None or sweep.done()) and time.monotonic() >= self.next_sweep:
                sweep = asyncio.create_task(self._sweep())
            try:
                processed = await asyncio.to_thread(self._intake_batch,
                                                    self.config.intake_batch)
            except Exception:
                # The database, most likely: nothing was committed, the messages stay new.
                log.exception("intake batch failed; trying again")
                await _sleep(stop, self.config.poll_interval * 5)
                continue
            if self.deferred and not self._backlog(processed >= self.config.intake_batch):
                # The inbox and SMEV's queue are drained: the workflows left for later start.
                self.deferred = False
                self.next_sweep = 0.0
            if processed:
                self.outbox_event.set()
                continue
            await asyncio.to_thread(self._mark_started)
            self.inbox_event.clear()
            try:
                await asyncio.wait_for(self.inbox_event.wait(), self.config.poll_interval)
            except TimeoutError:
                pass
        if sweep is not None and not sweep.done():
            sweep.cancel()
            await asyncio.gather(sweep, return_exceptions=True)

    def _intake_batch(self, limit: int = 100) -> int:
        """Take up to `limit` new messages in arrival order, in one transaction.

        Each message has a savepoint of its own: one that fails is kept as failed, with
        its error, and the others go on.
        """
        with session_scope(self.config.database_url) as lock_session:
            locked = lock_session.scalar(text("SELECT pg_try_advisory_lock(:k)"),
                                         {"k": INTAKE_LOCK})
            if not locked:
                return 0
            try:
                outcomes = self._intake_in_one_transaction(limit)
            finally:
                lock_session.execute(text("SELECT pg_advisory_unlock(:k)"),
                                     {"k": INTAKE_LOCK})
        self._after_commit(outcomes, backlog=self._backlog(len(outcomes) >= limit))
        return len(outcomes)

    def _backlog(self, batch_full: bool) -> bool:
        """More wait than is taken at once: requests in the inbox or in SMEV, or statuses
        in the outbox."""
        return batch_full or time.monotonic() < self.smev_backlog_until

    def _intake_in_one_transaction(self, limit: int) -> list[IntakeOutcome]:
        try:
            return self._intake_messages(limit, isolated=False)
        except Exception:
            # Something in the batch failed: take the same messages again, each behind a
            # savepoint of its own, so that only the failing one is set aside.
            log.warning("intake batch failed; retrying message by message")
            return self._intake_messages(limit, isolated=True)

    def _intake_messages(self, limit: int, *, isolated: bool) -> list[IntakeOutcome]:
        outcomes = []
        with session_scope(self.config.database_url) as session:
            inboxes = list(session.scalars(
                select(SmevInboxMessage).where(SmevInboxMessage.state == "new")
                .order_by(SmevInboxMessage.id).limit(limit).with_for_update()))
            for inbox in inboxes:
                if not isolated:
                    outcomes.append(self._process(session, inbox))
                    continue
                try:
                    with session.begin_nested():
                        outcomes.append(self._process(session, inbox))
                except Exception as exc:
                    # A bug or bad data must not stop the queue: the message is kept as
                    # failed, with the kind of error and where it arose (never its text,
                    # which may quote a row's values), for an operator to replay.
                    failure = safe_failure(exc)
                    log.error("intake failed", extra={"inbox_id": inbox.id,
                                                      "error": failure})
                    session.refresh(inbox)
                    inbox.state, inbox.error = "failed", failure
                    self._answer_failed(session, inbox)
                    outcomes.append(IntakeOutcome())
        return outcomes

    def _process(self, session: Session, inbox: SmevInboxMessage) -> IntakeOutcome:
        if inbox.test_message:
            self._process_test(session, inbox)
            return IntakeOutcome()
        outcome = process_message(session, inbox, now=self.clock.now(),
                                  region_oktmo=self.config.region_oktmo)
        if outcome.cancel is not None:
            # Forwarded after the commit; until the workflow has it the row says so, and
            # the sweep forwards it again (Temporal unavailable, or a crash in between).
            inbox.outcome = CANCEL_PENDING
        return outcome

    def _process_test(self, session: Session, inbox: SmevInboxMessage) -> None:
        """A TestMessage is answered as a real one would be, and changes nothing.

        The intake runs behind a savepoint that is rolled back; only the answers it queued
        are kept (bound to no application), and no workflow is started or signalled.
        """
        with session.begin_nested() as savepoint:
            process_message(session, inbox, now=self.clock.now(),
                            region_oktmo=self.config.region_oktmo)
            session.flush()
            answers = [{column: getattr(row, column) for column in _ANSWER_COLUMNS}
                       for row in session.scalars(select(SmevOutboxMessage).where(
                           SmevOutboxMessage.request_message_id == inbox.message_id)
                           .order_by(SmevOutboxMessage.id))]
            kind, order_id, outcome = inbox.kind, inbox.order_id, inbox.outcome
            savepoint.rollback()
        for n, answer in enumerate(answers):
            suffix = "" if n == 0 else f":{n}"
            session.add(SmevOutboxMessage(**answer, dedup_key=f"inbox:{inbox.id}:answer{suffix}",
                                          message_id=str(uuid.uuid1()), application_id=None))
        if not answers and kind == "cancel" and order_id is not None:
            # A real cancel would go to its workflow, which must not hear a test one.
            queue_cancel_response(session, inbox=inbox, order_id=order_id, result="REJECTED",
                                  comment="Тестовый запрос на отмену обработан; заявление "
                                  "не изменено.", application_id=None)
            outcome = "cancel_not_forwarded"
        elif not answers:
            session.add(SmevOutboxMessage(
                dedup_key=f"inbox:{inbox.id}:answer", message_id=str(uuid.uuid1()),
                reply_to=inbox.reply_to, request_message_id=inbox.message_id, order_id=None,
                kind="RequestRejected", code="NO_DATA",
                comment="Тестовое сообщение обработано; данные не изменены."))
        inbox.kind, inbox.order_id = kind, order_id
        inbox.outcome = f"test:{outcome or 'answered'}"[:64]
        inbox.state, inbox.processed_at = "processed", self.clock.now()
        log.info("test message answered, nothing changed",
                 extra={"inbox_id": inbox.id, "answers": len(answers)})

    def _answer_failed(self, session: Session, inbox: SmevInboxMessage) -> None:
        """The portal hears that a message we could not process was not taken, once.

        An application with a readable orderId gets 332, a cancel a cancelResponse
        REJECTED, anything else (or an order we already know) RequestRejected: the answer
        under the message's one answer key, so no later replay can answer it again.
        """
        answer_key = f"inbox:{inbox.id}:answer"
        try:
            with session.begin_nested():
                if session.scalar(select(SmevOutboxMessage.id)
                                  .where(SmevOutboxMessage.dedup_key == answer_key)):
                    return
                answer = _queue_failure_answer(session, inbox, answer_key)
                inbox.outcome = f"failed:answered_{answer}"
        except Exception as exc:
            log.error("failed message could not be answered; needs an operator",
                      extra={"inbox_id": inbox.id, "message_id": inbox.message_id,
                             "error": safe_failure(exc)})
            return
        log.error("intake failed; the portal is told, the message needs an operator",
                  extra={"inbox_id": inbox.id, "message_id": inbox.message_id,
                         "answer": answer})

    def _after_commit(self, outcomes: list[IntakeOutcome], *, backlog: bool = False) -> None:
        for outcome in outcomes:
            if outcome.start is not None and backlog:
                # Registered, its status queued; its workflow waits for the sweep.
                self.deferred = True
            elif outcome.start is not None:
                # Started in the background: registration does not wait for the engine.
                self.in_flight.add(outcome.start.application_id)
                future = asyncio.run_coroutine_threadsafe(
                    self._start_workflow(outcome.start), self.loop)
                self.pending_starts.add(future)
                future.add_done_callback(self.pending_starts.discard)
            if outcome.cancel is not None and outcome.cancel_workflow_id is not None:
                if self.sweep_backoff > 0:
                    # Temporal is failing: the sweep forwards it once it is back, without
                    # holding up the intake meanwhile.
                    continue
                # A cancellation waits until the workflows registered before it exist (or
                # failed to start: then the cancel waits for the sweep, like its workflow).
                concurrent.futures.wait(list(self.pending_starts), timeout=60)
                asyncio.run_coroutine_threadsafe(
                    self._forward_cancel(outcome.cancel_workflow_id, outcome.cancel),
                    self.loop).result()

    async def _start_workflow(self, facts: ApplicationFacts) -> bool:
        """Start one application's workflow; False (logged) when Temporal refused or was
        unreachable: the application stays unstarted, for the sweep."""
        try:
            async with self.starts:
                try:
                    await self.temporal.start_workflow(
                        FirstGradeApplicationWorkflow.run, facts,
                        id=f"first-grade-{facts.order_id}",
                        task_queue=self.config.task_queue,
                        id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY)
                except WorkflowAlreadyStartedError:
                    pass
        except Exception as exc:
            self.in_flight.discard(facts.application_id)
            self._sweep_failed()
            log.warning("workflow start failed; the sweep tries again",
                        extra={"application_id": facts.application_id,
                               "order_id": facts.order_id, "error": type(exc).__name__})
            return False
        self.started.append(facts.application_id)
        if len(self.started) >= 50:
            await asyncio.to_thread(self._mark_started)
        return True

    def _mark_started(self) -> None:
        """Record started workflows, many at a time; a crash before it only means the
        start is tried again (and found done) by the next sweep."""
        ids, self.started = self.started, []
        if not ids:
            return
        with session_scope(self.config.database_url) as session:
            session.execute(update(FirstGradeApplication)
                            .where(FirstGradeApplication.id.in_(ids))
                            .values(workflow_started=True))
        self.in_flight.difference_update(ids)

    def _sweep_failed(self) -> None:
        """Something Temporal had to do failed: look again later, and later each time."""
        self.sweep_backoff = min(max(self.sweep_backoff * 2, self.config.sweep_interval),
                                 self.config.sweep_backoff_max)
        self.next_sweep = time.monotonic() + self.sweep_backoff

    async def _sweep(self) -> None:
        """Start the workflows not started, then forward the cancels not forwarded.

        Bounded (`sweep_limit` rows of each, by partial indexes), so it stays cheap when
        nothing is pending and does not flood Temporal when it comes back.
        """
        self.next_sweep = time.monotonic() + self.config.sweep_interval
        try:
            await asyncio.to_thread(self._mark_started)
            # While the intake has a backlog its deferred starts wait (see intake_batch).
            facts = [] if self.deferred else await asyncio.to_thread(self._unstarted)
            started = await asyncio.gather(*(self._start_workflow(f) for f in facts))
            if not all(started):
                return
            if len(facts) >= self.config.sweep_limit and not self.deferred:
                # More are waiting (a burst's deferred starts): the next page at once.
                self.next_sweep = 0.0
            await asyncio.to_thread(self._mark_started)
            for workflow_id, cancel in await asyncio.to_thread(self._cancels_pending):
                if not await self._forward_cancel(workflow_id, cancel):
                    return
            self.sweep_backoff = 0.0
        except Exception:
            log.exception("sweep of unstarted workflows and pending cancels failed")
            self._sweep_failed()

    def _unstarted(self) -> list[ApplicationFacts]:
        from activities.enrollment.facts import facts_of

        skip = list(self.in_flight)
        with session_scope(self.config.database_url) as session:
            query = (select(FirstGradeApplication)
                     .where(FirstGradeApplication.workflow_started.is_(False))
                     .order_by(FirstGradeApplication.id).limit(self.config.sweep_limit))
            if skip:
                query = query.where(FirstGradeApplication.id.not_in(skip))
            apps = list(session.scalars(query))
            facts = [facts_of(session, app) for app in apps]
        self.in_flight.update(f.application_id for f in facts)
        return facts

    def _cancels_pending(self) -> list[tuple[str, PortalCancel]]:
        """Cancels stored but not yet given to their workflow, rebuilt from the inbox."""
        found = []
        with session_scope(self.config.database_url) as session:
            inboxes = list(session.scalars(
                select(SmevInboxMessage).where(SmevInboxMessage.outcome == CANCEL_PENDING)
                .order_by(SmevInboxMessage.id).limit(self.config.sweep_limit)))
            for inbox in inboxes:
                parsed = None
                if inbox.payload is not None:
                    parsed = parse(inbox.payload, _CancelContext(self.config.region_oktmo,
                                                                 self.clock.now()))
                app = session.scalar(select(FirstGradeApplication).where(
                    FirstGradeApplication.order_id == inbox.order_id))
                if not isinstance(parsed, ParsedCancel) or app is None:
                    log.error("pending cancel cannot be rebuilt; needs an operator",
                              extra={"inbox_id": inbox.id})
                    inbox.outcome, inbox.error = "cancel_not_forwarded", "cannot be rebuilt"
                    continue
                found.append((app.workflow_id, PortalCancel(
                    inbox_id=inbox.id, reason=parsed.request.reason,
                    received_at=inbox.received_at)))
        return found

    async def _forward_cancel(self, workflow_id: str, cancel: PortalCancel) -> bool:
        """Give a portal cancel to its workflow; False when it must be tried again."""
        handle: WorkflowHandle = self.temporal.get_workflow_handle(workflow_id)
        try:
            await handle.signal(FirstGradeApplicationWorkflow.portal_cancel, cancel)
        except RPCError as exc:
            if (exc.status == RPCStatusCode.NOT_FOUND
                    and await asyncio.to_thread(self._workflow_was_started, workflow_id)):
                # The workflow finished between intake and the signal: the application is
                # closed, and the portal hears so.
                await asyncio.to_thread(self._cancel_too_late, cancel.inbox_id)
                return True
            # Temporal unavailable, or the workflow not started yet: the sweep tries again.
            self._sweep_failed()
            log.warning("portal cancel not forwarded; the sweep tries again",
                        extra={"inbox_id": cancel.inbox_id, "status": exc.status.name})
            return False
        except Exception as exc:
            self._sweep_failed()
            log.warning("portal cancel not forwarded; the sweep tries again",
                        extra={"inbox_id": cancel.inbox_id, "error": type(exc).__name__})
            return False
        await asyncio.to_thread(self._cancel_forwarded, cancel.inbox_id)
        return True

    def _workflow_was_started(self, workflow_id: str) -> bool:
        with session_scope(self.config.database_url) as session:
            return bool(session.scalar(select(FirstGradeApplication.workflow_started).where(
                FirstGradeApplication.workflow_id == workflow_id)))

    def _cancel_forwarded(self, inbox_id: int) -> None:
        # Only if the workflow has not answered it already (its answer sets the outcome).
        with session_scope(self.config.database_url) as session:
            session.execute(update(SmevInboxMessage).where(
                SmevInboxMessage.id == inbox_id, SmevInboxMessage.outcome == CANCEL_PENDING)
                .values(outcome="cancel_forwarded"))

    def _cancel_too_late(self, inbox_id: int) -> None:
        with session_scope(self.config.database_url) as session:
            inbox = session.get(SmevInboxMessage, inbox_id)
            assert inbox is not None and inbox.order_id is not None
            answered = session.scalar(select(SmevOutboxMessage.id).where(
                SmevOutboxMessage.dedup_key == f"inbox:{inbox_id}:answer"))
            if answered is None:
                queue_cancel_response(session, inbox=inbox, order_id=inbox.order_id,
                                      result="REJECTED", comment="Рассмотрение заявления "
                                      "уже завершено; отменить его нельзя.",
                                      application_id=None)
            inbox.outcome = "cancel_closed_application"

    # --- the signing certificate -------------------------------------------------------

    async def _watch_certificate(self, stop: asyncio.Event) -> None:
        client = self.client_factory()
        while not stop.is_set():
            try:
                self._check_certificate(client)
            except Exception:
                log.exception("checking the signing certificate failed")
            await _sleep(stop, CERTIFICATE_CHECK_INTERVAL)

    def _check_certificate(self, client: SmevClient) -> timedelta | None:
        """An ERROR when the signing certificate expires within CERTIFICATE_WARNING (or has
        expired); returns the time left, None without a certificate."""
        expires_at = client.certificate_expires_at
        if expires_at is None:
            return None
        left = expires_at - self.clock.now()
        if left <= timedelta(0):
            log.error("the SMEV signing certificate has expired: SMEV refuses everything "
                      "signed with it (CertificateIsExpired)",
                      extra={"expires_at": expires_at.isoformat()})
        elif left < CERTIFICATE_WARNING:
            log.error("the SMEV signing certificate expires in %d days: order a new one and "
                      "its registration in SMEV", left.days,
                      extra={"expires_at": expires_at.isoformat()})
        return left

    # --- the provider's deadline --------------------------------------------------------

    async def _watch_deadlines(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            try:
                await asyncio.to_thread(self._check_deadlines)
            except Exception:
                log.exception("checking the answer deadline failed")
            await _sleep(stop, self.config.deadline_interval)

    def _check_deadlines(self, limit: int = 100) -> int:
        """Alert, once each, the requests still unanswered `answer_alert_after` after SMEV
        sent them (smev.md §1.7, §7 #26); return how many are unanswered that long."""
        now = self.clock.now()
        older_than = now - self.answer_alert_after
        with session_scope(self.config.database_url) as session:
            self.overdue_answers = count_unanswered_requests(session, older_than)
            if not self.overdue_answers:
                return 0
            fresh = list(session.scalars(
                unanswered_requests(older_than)
                .where(SmevInboxMessage.answer_overdue_at.is_(None))
                .order_by(SmevInboxMessage.id).limit(limit).with_for_update(skip_locked=True)))
            for inbox in fresh:
                since = inbox.sending_timestamp or inbox.received_at
                log.error("SMEV request still unanswered %d min after it was sent; the "
                          "portal's deadline for the first answer is near",
                          int((now - since).total_seconds() // 60),
                          extra={"inbox_id": inbox.id, "message_id": inbox.message_id,
                                 "state": inbox.state})
                inbox.answer_overdue_at = now
        if fresh:
            log.warning("SMEV requests unanswered past the alert age",
                        extra={"count": self.overdue_answers})
        return self.overdue_answers

    # --- asynchronous statuses ---------------------------------------------------------

    async def _watch_statuses(self, stop: asyncio.Event) -> None:
        client = self.client_factory()
        while not stop.is_set():
            try:
                await asyncio.to_thread(self._read_statuses, client)
            except SmevConfigurationError:
                # GetStatus must be signed: without a signer (the local node spoken to
                # unsigned) there is no status queue to read.
                log.warning("SMEV statuses are not read: GetStatus needs a signer")
                return
            except SmevError as exc:
                log.warning("GetStatus failed: %s", type(exc).__name__)
            except Exception:
                log.exception("reading SMEV statuses failed")
            await _sleep(stop, self.config.status_interval)

    def _read_statuses(self, client: SmevClient, limit: int = 100) -> int:
        """Take the statuses SMEV has for us, up to `limit`.

        GetStatus gives each status out once, and a status carries no MessageID of its own
        (types-1.3.xsd), so there is nothing to Ack: reading it is taking it.
        """
        taken = 0
        while taken < limit:
            status = client.get_status()
            if status is None:
                break
            taken += 1
            self._route_status(status)
        return taken

    def _route_status(self, status: AsyncStatus) -> None:
        """An asynchronous rejection (smev.md §1.8) fails the outbox message it names.

        Routed by OriginalMessageId (also under a MessageID it had before a renewal). What
        is kept is the fault's kind and codes: its description and validation errors may
        quote our message's data.
        """
        original = status.original_message_id
        if status.category not in REJECTED_BY_SMEV:
            log.info("SMEV status %s", status.category,
                     extra={"original_message_id": original})
            return
        what = (str(SmevRejectingFault(status.fault)) if status.fault is not None
                else "СМЭВ: сообщение отклонено")
        error = f"{status.category}: {what}"
        with session_scope(self.config.database_url) as session:
            row = session.scalar(select(SmevOutboxMessage).where(
                (SmevOutboxMessage.message_id == original)
                | (SmevOutboxMessage.replaced_message_id == original)).limit(1)
            ) if original else None
            if row is None:
                log.error("SMEV rejected a message we do not know",
                          extra={"original_message_id": original,
                                 "fault": status.fault.name if status.fault else None})
                return
            row.last_error = error
            row.gave_up_at = row.gave_up_at or self.clock.now()
            outbox_id, order_id = row.id, row.order_id
        log.error("SMEV rejected a message after accepting it; it needs an operator",
                  extra={"outbox_id": outbox_id, "order_id": order_id,
                         "original_message_id": original,
                         "fault": status.fault.name if status.fault else None,
                         "smev_code": status.fault.smev_code if status.fault else None})

    # --- sender ------------------------------------------------------------------------

    async def _send(self, stop: asyncio.Event, part: int, parts: int) -> None:
        client = self.client_factory()
        while not stop.is_set():
            sent = await asyncio.to_thread(self._send_batch, client, part, parts, stop)
            if sent >= SEND_BATCH:
                # Statuses are waiting to go out: a backlog, as a full take is.
                self.smev_backlog_until = time.monotonic() + BACKLOG_HOLD
            if sent:
                continue
            self.outbox_event.clear()
            try:
                await asyncio.wait_for(self.outbox_event.wait(), self.config.poll_interval)
            except TimeoutError:
                pass

    def _send_batch(self, client: SmevClient, part: int, parts: int,
                    stop: asyncio.Event | None = None, limit: int = SEND_BATCH) -> int:
        """Send pending messages of this sender's share of orders, oldest first."""
        with session_scope(self.config.database_url) as session:
            rows = list(session.scalars(
                select(SmevOutboxMessage).where(
                    SmevOutboxMessage.sent_at.is_(None),
                    SmevOutboxMessage.gave_up_at.is_(None),
                    text("coalesce(order_id, id) % :parts = :part"),
                    text("(next_attempt_at IS NULL OR next_attempt_at <= now())"))
                .params(parts=parts, part=part)
                .order_by(SmevOutboxMessage.id).limit(limit)))
        sent: list[int] = []
        blocked: set[int] = set()
        for row in rows:
            # Stopping: the message in hand is the step to finish, not the batch.
            if stop is not None and stop.is_set():
                break
            # Statuses of one order leave in order: a failed one holds back the rest.
            if row.order_id is not None and row.order_id in blocked:
                continue
            if self._send_one(client, row):
                sent.append(row.id)
            elif row.order_id is not None:
                blocked.add(row.order_id)
            if len(sent) >= 25:
                self._mark_sent(sent)
                sent = []
        self._mark_sent(sent)
        return len(rows) - len(blocked)

    def _mark_sent(self, outbox_ids: list[int]) -> None:
        # Marked after sending, many at a time: a crash in between only resends them with
        # their own MessageIDs, which SMEV answers as already sent.
        if not outbox_ids:
            return
        now = self.clock.now()
        with session_scope(self.config.database_url) as session:
            session.execute(update(SmevOutboxMessage)
                            .where(SmevOutboxMessage.id.in_(outbox_ids))
                            .values(sent_at=now, last_error=None,
                                    attempts=SmevOutboxMessage.attempts + 1))
            # The requests they answer are answered now (the deadline check, #26).
            session.execute(update(SmevInboxMessage).where(
                SmevInboxMessage.answered_at.is_(None),
                SmevInboxMessage.message_id.in_(
                    select(SmevOutboxMessage.request_message_id)
                    .where(SmevOutboxMessage.id.in_(outbox_ids))))
                .values(answered_at=now))

    def _send_one(self, client: SmevClient, row: SmevOutboxMessage) -> bool:
        if row.reply_to is None:
            # Without the request's ReplyTo no answer can reach the portal (T18).
            self._mark(row.id, error="no ReplyTo stored for the request", give_up=True)
            log.error("status cannot be sent: no ReplyTo",
                      extra={"outbox_id": row.id, "order_id": row.order_id})
            return False
        try:
            if row.kind == "RequestRejected":
                client.send_response(to=row.reply_to, rejection=(row.code, row.comment or ""),
                                     message_id=row.message_id)
            else:
                client.send_response(to=row.reply_to, payload=row.payload,
                                     message_id=row.message_id)
        except SmevError as exc:
            if isinstance(exc, SmevFaultError) and exc.fault.name == "StaleMessageId":
                self._stale_message_id(row, exc)
                return False
            if isinstance(exc, SmevCertificateFault):
                log.error("SMEV refuses our signature: the certificate or the registration "
                          "needs an operator", extra={"outbox_id": row.id,
                                                      "fault": exc.error_type,
                                                      "category": exc.category})
            self._mark(row.id, error=f"{type(exc).__name__}: {exc}",
                       give_up=not exc.retryable)
            log.warning("sending failed", extra={"outbox_id": row.id,
                                                 "retryable": exc.retryable})
            return False
        return True

    def _stale_message_id(self, row: SmevOutboxMessage, exc: SmevFaultError) -> None:
        """StaleMessageId (smev.md §7 #4): an alert about the clock; after about two days of
        failed sending, a new version 1 MessageID, the old one kept beside it."""
        now = self.clock.now()
        try:
            age = now - ns.message_id_time(row.message_id)
        except ValueError:
            age = RENEW_STALE_MESSAGE_ID_AFTER  # not a version 1 UUID: replace it as well
        if age < RENEW_STALE_MESSAGE_ID_AFTER:
            log.error("SMEV refuses a MessageID as stale that this host's clock made %d s "
                      "ago: check the system clock (NTP) against SMEV's time",
                      int(age.total_seconds()),
                      extra={"outbox_id": row.id, "message_id": row.message_id})
            self._mark(row.id, error=f"{type(exc).__name__}: {exc}")
            return
        new_id = ns.new_message_id()
        with session_scope(self.config.database_url) as session:
            session.execute(update(SmevOutboxMessage).where(
                SmevOutboxMessage.id == row.id,
                SmevOutboxMessage.message_id == row.message_id).values(
                message_id=new_id, replaced_message_id=row.message_id,
                attempts=SmevOutboxMessage.attempts + 1, next_attempt_at=None,
                last_error=f"{type(exc).__name__}: {exc}; sent again as {new_id}"))
        log.error("SMEV refuses a MessageID as stale after %d h of failed sending (check the "
                  "system clock too); the message is sent again under a new MessageID",
                  int(age.total_seconds() // 3600),
                  extra={"outbox_id": row.id, "message_id": new_id,
                         "replaced_message_id": row.message_id})

    def _mark(self, outbox_id: int, *, error: str, give_up: bool = False) -> None:
        now = self.clock.now()
        with session_scope(self.config.database_url) as session:
            row = session.get(SmevOutboxMessage, outbox_id)
            assert row is not None
            row.attempts += 1
            row.last_error = error
            if give_up:
                row.gave_up_at = now
                log.error("outbox message needs an operator",
                          extra={"outbox_id": row.id, "order_id": row.order_id})
            else:
                backoff = min(2 ** min(row.attempts, 8), 300)
                row.next_attempt_at = now + timedelta(seconds=backoff)


# What an answer queued by a TestMessage's intake keeps when the rest is rolled back.
_ANSWER_COLUMNS = ("reply_to", "request_message_id", "order_id", "kind", "code", "comment",
                   "cancel_allowed", "payload")

FAILED_APPLICATION = (
    "Заявление № {order_id} не удалось обработать из-за технической ошибки в региональной "
    "информационной системе, оно не зарегистрировано. Подайте заявление повторно или "
    "обратитесь в школу.")
FAILED_CANCEL = (
    "Запрос на отмену заявления не удалось обработать из-за технической ошибки в "
    "региональной информационной системе. Повторите запрос или обратитесь в школу.")
FAILED_REQUEST = (
    "Запрос не удалось обработать из-за технической ошибки в региональной информационной "
    "системе. Повторите его или обратитесь в школу.")


def _queue_failure_answer(session: Session, inbox: SmevInboxMessage, answer_key: str) -> str:
    """Queue the answer to a message whose intake failed; return what was queued."""
    order_id, contract, cancel = _readable_order(inbox.payload)
    if order_id is not None and contract is not None and cancel:
        queue_cancel_response(session, inbox=inbox, order_id=order_id, result="REJECTED",
                              comment=FAILED_CANCEL, application_id=None,
                              contract_namespace=contract.id.namespace)
        return "cancel_rejected"
    known = order_id is not None and session.scalar(
        select(FirstGradeApplication.id).where(FirstGradeApplication.order_id == order_id)
        .union_all(select(SmevOutboxMessage.id).where(
            SmevOutboxMessage.order_id == order_id,
            SmevOutboxMessage.kind.in_(("techCode", "orgCode"))))
        .limit(1)) is not None
    if order_id is not None and contract is not None and not known:
        status = contract.statuses.by_state("rejected_invalid_data")
        comment = FAILED_APPLICATION.format(order_id=order_id)
        document = contract.change_order_info(order_id, status, comment)
        contract.validate_outgoing(document)
        session.add(SmevOutboxMessage(
            dedup_key=answer_key, message_id=str(uuid.uuid1()), reply_to=inbox.reply_to,
            request_message_id=inbox.message_id, order_id=order_id, application_id=None,
            kind=str(status.code_kind), code=str(status.code), comment=comment,
            cancel_allowed=status.cancel_allowed,
            payload=etree.tostring(document, xml_declaration=True, encoding="UTF-8")))
        return str(status.code)
    # No order to speak of, or one that already has its own statuses: a 332 would
    # contradict them, so only this message is refused.
    session.add(SmevOutboxMessage(
        dedup_key=answer_key, message_id=str(uuid.uuid1()), reply_to=inbox.reply_to,
        request_message_id=inbox.message_id, order_id=None, kind="RequestRejected",
        code="FAILURE", comment=FAILED_REQUEST))
    return "request_rejected"


def _readable_order(payload: bytes | None) -> tuple[int | None, PayloadContract | None, bool]:
    """The orderId, contract and whether it is a cancel, read as little as possible."""
    if payload is None:
        return None, None, False
    try:
        screened = screen(payload)
    except Exception:
        return None, None, False
    if not isinstance(screened, Screened):
        return None, None, False
    cancel, order_id = False, None
    for element in screened.form_data.iter():
        if not isinstance(element.tag, str):
            continue
        name = etree.QName(element).localname
        cancel = cancel or name == "cancelRequest"
        if name == "orderId" and order_id is None:
            text_value = (element.text or "").strip()
            if text_value.isdigit() and len(text_value) <= 18:
                order_id = int(text_value)
    return order_id, screened.contract, cancel


def safe_failure(exc: BaseException) -> str:
    """What failed, without what it said: a database error by kind, SQLSTATE, table and
    constraint (tsos.db.errors), anything else by its type; then where it was raised.

    An exception's text may quote personal data (PostgreSQL's DETAIL quotes the row; a
    ValueError may quote a name), so neither the stored error nor the log carries it.
    """
    if isinstance(exc, DBAPIError):
        what = describe_database_error(exc)
    else:
        what = type(exc).__name__
    frames = traceback.extract_tb(exc.__traceback__)
    if frames:
        last = frames[-1]
        where = Path(last.filename)
        try:
            where = where.relative_to(Path.cwd())
        except ValueError:
            where = Path(*where.parts[-3:])
        what += f" at {where}:{last.lineno} in {last.name}"
    return what


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass

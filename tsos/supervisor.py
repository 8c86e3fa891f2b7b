"""`tsos up`: start every part of the system, print where it is, stop it all cleanly."""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from types import FrameType
from typing import Protocol

import psutil

from tsos.db.migrate import upgrade
from tsos.runtime.postgres import stop_embedded_postgres
from tsos.runtime.temporal import (
    MARKER,
    Stopped,
    our_dev_server,
    port_open,
    start_dev_server,
    wait_for_port,
)
from tsos.services import database_url
from tsos.settings import Settings

log = logging.getLogger(__name__)


# A part that dies is started again, up to this many times in a row within the window:
# the work it was doing is durable (Temporal, the inbox and outbox), so a restart loses
# nothing, and the rest of the system need not stop for it.
RESTARTS = 5
RESTART_WINDOW = 300.0
PR_SET_PDEATHSIG = 1


class Process(Protocol):
    pid: int

    def poll(self) -> int | None: ...

    def send_signal(self, sig: int) -> None: ...

    def wait(self, timeout: float | None = None) -> int: ...

    def kill(self) -> None: ...


def _own_group_dying_with_us() -> None:
    """In the child before exec: a process group of its own, so a Ctrl-C in the terminal
    reaches `tsos up` alone, which stops the parts in order (the SMEV exchange before the
    node it talks to); and SIGTERM when `tsos up` itself dies, so no part is orphaned."""
    os.setpgrp()
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: the process group still helps
        pass


@dataclass
class Children:
    processes: list[tuple[str, Process]] = field(default_factory=list)
    commands: dict[str, list[str]] = field(default_factory=dict)
    deaths: dict[str, list[float]] = field(default_factory=dict)

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "-m", "tsos", *args],
                                   preexec_fn=_own_group_dying_with_us)  # noqa: PLW1509
        self.processes.append((name, process))
        self.commands[name] = args
        log.info("started %s", name, extra={"pid": process.pid})
        return process

    def restart(self, name: str) -> bool:
        """Start a dead part again, unless it keeps dying; False when it should not be."""
        now = time.monotonic()
        recent = [t for t in self.deaths.get(name, []) if now - t < RESTART_WINDOW] + [now]
        self.deaths[name] = recent
        if name not in self.commands or len(recent) > RESTARTS:
            return False
        self.processes = [(n, p) for n, p in self.processes if n != name]
        self.start(name, self.commands[name])
        return True

    def adopt(self, name: str, process: Process) -> None:
        self.processes.append((name, process))

    def first_dead(self) -> str | None:
        for name, process in self.processes:
            if process.poll() is not None:
                return name
        return None

    def stop_all(self, timeout: float = 20.0) -> None:
        # Reverse order: the demo and the SMEV exchange before the node they talk to, the
        # API and the worker before the engine.
        for name, process in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout)
                except subprocess.TimeoutExpired:
                    log.warning("%s did not stop in %s s; killing it", name, timeout)
                    process.kill()
                    process.wait()
            log.info("stopped %s", name)


class _Leftover:
    """A dev server of ours that a killed `tsos up` left running: used, then stopped."""

    def __init__(self, process: psutil.Process) -> None:
        self.process = process
        self.pid = process.pid

    def poll(self) -> int | None:
        return None if self.process.is_running() else 0

    def send_signal(self, sig: int) -> None:
        try:
            self.process.send_signal(sig)
        except psutil.NoSuchProcess:
            pass

    def wait(self, timeout: float | None = None) -> int:
        try:
            self.process.wait(timeout)
        except psutil.TimeoutExpired:
            raise subprocess.TimeoutExpired("temporal", timeout or 0) from None
        except psutil.NoSuchProcess:
            pass
        return 0

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


class Refused(Exception):
    """`tsos up` cannot start as configured; the message says why, in Russian."""


def _holder(port: int) -> str:
    """«процесс 123: temporal server start-dev …» for whatever listens on the port."""
    try:
        for conn in psutil.net_connections(kind="tcp"):
            if conn.laddr and conn.laddr.port == port and conn.status == psutil.CONN_LISTEN \
                    and conn.pid:
                command = " ".join(" ".join(psutil.Process(conn.pid).cmdline()).split())
                return f" (процесс {conn.pid}: {command[:80]})"
    except (psutil.Error, OSError):
        pass
    return ""


def _busy(port: int, what: str, variable: str) -> str:
    return (f"Порт {port} ({what}) уже занят другой программой{_holder(port)}. "
            f"Остановите её или задайте другой порт в {variable}.")


def check_ports(settings: Settings) -> Process | None:
    """Refuse to start on a port held by something else; return our own dev server that a
    killed `tsos up` left running, if there is one (it is used, not started again)."""
    problems, leftover = [], None
    if settings.embedded_temporal and port_open("127.0.0.1", settings.temporal_port):
        found = our_dev_server(settings.data_dir, settings.temporal_port)
        if found is None:
            problems.append(
                _busy(settings.temporal_port, "Temporal", "TSOS_TEMPORAL_PORT")
                + " Чужой Temporal используется, только если он указан в TEMPORAL_ADDRESS.")
        else:
            leftover = _Leftover(found)
    elif settings.embedded_temporal and port_open("127.0.0.1", settings.temporal_ui_port):
        problems.append(_busy(settings.temporal_ui_port, "Temporal UI",
                              "TSOS_TEMPORAL_UI_PORT"))
    if port_open(settings.api_host, settings.api_port):
        problems.append(_busy(settings.api_port, "API", "TSOS_API_PORT"))
    if settings.smev_endpoint is None and port_open("127.0.0.1", settings.smev_node_port):
        problems.append(_busy(settings.smev_node_port, "локальный узел СМЭВ",
                              "TSOS_SMEV_NODE_PORT"))
    if problems:
        raise Refused("ЦОС не запущена:\n  " + "\n  ".join(problems))
    return leftover


def _wait_ready(url: str, timeout: float, stop: threading.Event) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=15) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        if stop.wait(1.0):
            raise Stopped()
    return False


def run_everything(settings: Settings, *, with_demo: bool) -> int:
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    try:
        leftover = check_ports(settings)
    except Refused as refused:
        print(refused, file=sys.stderr, flush=True)
        return 2

    children = Children()
    try:
        print("ЦОС запускается…", flush=True)
        _start(settings, children, leftover, stop)
        if stop.is_set():
            return 0
        api_base = f"http://{settings.api_host}:{settings.api_port}"
        ready = _wait_ready(api_base + "/ready", timeout=110, stop=stop)
        print(banner(settings, ready=ready), flush=True)

        if with_demo:
            children.start("demo", ["demo", "--stream"])
        return _watch(children, stop)
    except Stopped:
        return 0
    finally:
        print("ЦОС останавливается…", flush=True)
        children.stop_all()
        if any(name == "temporal" and process.poll() is not None
               for name, process in children.processes):
            (settings.data_dir / MARKER).unlink(missing_ok=True)
        if settings.embedded_postgres:
            stop_embedded_postgres(settings.data_dir)
        print("ЦОС остановлена.", flush=True)


def _start(settings: Settings, children: Children, leftover: Process | None,
           stop: threading.Event) -> None:
    url = database_url(settings)
    upgrade(url)
    print("  база данных: " + ("встроенный PostgreSQL, " + str(settings.data_dir / "pg")
                               if settings.embedded_postgres else "внешняя (DATABASE_URL)"),
          flush=True)
    if stop.is_set():
        return

    if leftover is not None:
        log.info("using the Temporal dev server left running", extra={"pid": leftover.pid})
        children.adopt("temporal", leftover)
    elif settings.embedded_temporal:
        children.adopt("temporal", start_dev_server(
            settings.data_dir, port=settings.temporal_port, ui_port=settings.temporal_ui_port,
            namespace=settings.temporal_namespace, stop=stop))

    children.start("worker", ["worker"])
    children.start("api", ["api"])
    for name, args in extra_services(settings):
        children.start(name, args)
    wait_for_port(settings.api_host, settings.api_port, timeout=60, stop=stop)


def _watch(children: Children, stop: threading.Event) -> int:
    while not stop.wait(0.5):
        dead = children.first_dead()
        if dead == "demo":
            children.processes = [(n, p) for n, p in children.processes if n != "demo"]
        elif dead and children.restart(dead):
            log.error("%s exited; started it again", dead)
        elif dead:
            log.error("%s exited and cannot be kept running; stopping everything", dead)
            return 1
    return 0


def banner(settings: Settings, *, ready: bool) -> str:
    api_base = f"http://{settings.api_host}:{settings.api_port}"
    node = settings.smev_node_url if settings.smev_endpoint is None else "—"
    return f"""
ЦОС {'готова' if ready else 'запущена, но /ready пока не отвечает'}:
  API и документация:  {api_base}/docs
  готовность:          {api_base}/ready
  Temporal UI:         {temporal_ui(settings)}
  локальный узел СМЭВ: {node}
  Токен для API:       .venv/bin/tsos token --role admissions_officer --org SEV-0801
Остановить: Ctrl-C.
"""


def temporal_ui(settings: Settings) -> str:
    if settings.embedded_temporal:
        return f"http://127.0.0.1:{settings.temporal_ui_port}"
    return "(внешний кластер: " + settings.effective_temporal_address + ")"


def extra_services(settings: Settings) -> list[tuple[str, list[str]]]:
    """Processes beyond the worker and the API: the SMEV exchange and, with no SMEV
    endpoint configured, the local SMEV node it talks to."""
    services = []
    if settings.smev_endpoint is None:
        services.append(("smev-node", [
            "smev-node", "serve", "--port", str(settings.smev_node_port),
            "--db", str(settings.data_dir / "smev-node.sqlite3")]))
    services.append(("smev-exchange", ["smev-exchange"]))
    return services

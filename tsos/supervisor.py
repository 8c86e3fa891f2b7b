"""`tsos up`: start every part of the system, print where it is, stop it all cleanly."""

from __future__ import annotations

import logging
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from types import FrameType

from tsos.db.migrate import upgrade
from tsos.runtime.postgres import stop_embedded_postgres
from tsos.runtime.temporal import port_open, start_dev_server, wait_for_port
from tsos.services import database_url
from tsos.settings import Settings

log = logging.getLogger(__name__)


# A part that dies is started again, up to this many times in a row within the window:
# the work it was doing is durable (Temporal, the inbox and outbox), so a restart loses
# nothing, and the rest of the system need not stop for it.
RESTARTS = 5
RESTART_WINDOW = 300.0


@dataclass
class Children:
    processes: list[tuple[str, subprocess.Popen[bytes]]] = field(default_factory=list)
    commands: dict[str, list[str]] = field(default_factory=dict)
    deaths: dict[str, list[float]] = field(default_factory=dict)

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, "-m", "tsos", *args])
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

    def adopt(self, name: str, process: subprocess.Popen[bytes]) -> None:
        self.processes.append((name, process))

    def first_dead(self) -> str | None:
        for name, process in self.processes:
            if process.poll() is not None:
                return name
        return None

    def stop_all(self, timeout: float = 20.0) -> None:
        # Reverse order: the API and the worker go before the engine they talk to.
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


def _wait_ready(url: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=15) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1.0)
    return False


def run_everything(settings: Settings, *, with_demo: bool) -> int:
    stopping = False

    def on_signal(signum: int, frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)

    children = Children()
    try:
        print("ЦОС запускается…", flush=True)
        url = database_url(settings)
        upgrade(url)
        print("  база данных: " + ("встроенный PostgreSQL, " + str(settings.data_dir / "pg")
                                   if settings.embedded_postgres else "внешняя (DATABASE_URL)"),
              flush=True)

        if settings.embedded_temporal and not port_open("127.0.0.1", settings.temporal_port):
            children.adopt("temporal", start_dev_server(
                settings.data_dir, port=settings.temporal_port,
                ui_port=settings.temporal_ui_port, namespace=settings.temporal_namespace))
        elif settings.embedded_temporal:
            log.info("Temporal already listens on %s; using it", settings.temporal_port)

        children.start("worker", ["worker"])
        children.start("api", ["api"])
        for name, args in extra_services(settings):
            children.start(name, args)

        wait_for_port(settings.api_host, settings.api_port, timeout=60)
        api_base = f"http://{settings.api_host}:{settings.api_port}"
        ready = _wait_ready(api_base + "/ready", timeout=110)
        print(f"""
ЦОС {'готова' if ready else 'запущена, но /ready пока не отвечает'}:
  API и документация:  {api_base}/docs
  готовность:          {api_base}/ready
  Temporal UI:         {temporal_ui(settings)}
  локальный узел СМЭВ: {settings.smev_node_url if settings.smev_endpoint is None else "—"}
  Токен для API:       .venv/bin/tsos token --role admissions_officer --org SEV-0801
Остановить: Ctrl-C.
""", flush=True)

        if with_demo:
            children.start("demo", ["demo", "--stream"])

        while not stopping:
            dead = children.first_dead()
            if dead == "demo":
                children.processes = [(n, p) for n, p in children.processes if n != "demo"]
            elif dead and children.restart(dead):
                log.error("%s exited; started it again", dead)
            elif dead:
                log.error("%s exited and cannot be kept running; stopping everything", dead)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        print("ЦОС останавливается…", flush=True)
        children.stop_all()
        if settings.embedded_postgres:
            stop_embedded_postgres(settings.data_dir)
        print("ЦОС остановлена.", flush=True)


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

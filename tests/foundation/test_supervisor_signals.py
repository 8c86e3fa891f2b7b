"""`tsos up` as a person runs it: refused on a busy port, stopped by Ctrl-C quickly and
quietly, also in the middle of starting."""

from __future__ import annotations

import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tsos.settings import PROJECT_ROOT

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def up_env(tmp_path: Path, database_url: str) -> dict[str, str]:
    return {**os.environ, "TSOS_DATA_DIR": str(tmp_path), "DATABASE_URL": database_url,
            "TSOS_ENV": "test", "TSOS_LOG_LEVEL": "INFO",
            "TSOS_TEMPORAL_PORT": str(_free_port()), "TSOS_TEMPORAL_UI_PORT": str(_free_port()),
            "TSOS_API_PORT": str(_free_port()), "TSOS_SMEV_NODE_PORT": str(_free_port())}


class Up:
    """`tsos up` in a process group of its own, as a terminal would run it."""

    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tsos", "up"], env=env, cwd=PROJECT_ROOT,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            start_new_session=True)
        self.out: queue.Queue[str] = queue.Queue()
        self.err: list[str] = []
        threading.Thread(target=self._read, args=(self.process.stdout, self.out.put),
                         daemon=True).start()
        threading.Thread(target=self._read, args=(self.process.stderr, self.err.append),
                         daemon=True).start()

    @staticmethod
    def _read(stream, sink) -> None:  # type: ignore[no-untyped-def]
        for line in stream:
            sink(line)

    def wait_for(self, text: str, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if text in self.out.get(timeout=1):
                    return
            except queue.Empty:
                if self.process.poll() is not None:
                    break
        raise AssertionError(f"no «{text}» from tsos up: {''.join(self.err)[-3000:]}")

    def ctrl_c(self) -> float:
        """SIGINT to the whole process group, as Ctrl-C in a terminal; seconds to stop."""
        started = time.monotonic()
        os.killpg(self.process.pid, signal.SIGINT)
        self.process.wait(60)
        return time.monotonic() - started

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@pytest.fixture
def up(up_env: dict[str, str]) -> Iterator[Up]:
    started = Up(up_env)
    yield started
    started.stop()


def test_ctrl_c_stops_every_part_quickly_and_quietly(up: Up, up_env) -> None:
    up.wait_for("ЦОС готова", timeout=150)
    time.sleep(2)  # the SMEV exchange polls the node, the worker polls Temporal

    took = up.ctrl_c()
    assert up.process.returncode == 0
    assert took < 20, took
    errors = "".join(up.err)
    for noise in ("Traceback", "ERROR", "WARNING", "killing it", "KeyboardInterrupt"):
        assert noise not in errors, errors[-3000:]
    assert not (Path(up_env["TSOS_DATA_DIR"]) / "temporal.pid").exists()


def test_ctrl_c_during_start_up_is_acted_on_at_once(up: Up) -> None:
    up.wait_for("ЦОС запускается", timeout=60)
    time.sleep(3)
    took = up.ctrl_c()
    assert up.process.returncode == 0
    assert took < 15, took
    assert "Traceback" not in "".join(up.err)


@pytest.mark.parametrize("held", ["TSOS_TEMPORAL_PORT", "TSOS_API_PORT",
                                  "TSOS_SMEV_NODE_PORT"])
def test_a_port_held_by_another_program_is_refused_in_russian(up_env, held) -> None:
    with socket.socket() as other:
        other.bind(("127.0.0.1", int(up_env[held])))
        other.listen()
        done = subprocess.run([sys.executable, "-m", "tsos", "up"], env=up_env,
                              cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"Порт {up_env[held]}" in done.stderr and held in done.stderr
    assert "уже занят другой программой" in done.stderr
    assert "ЦОС запускается" not in done.stdout

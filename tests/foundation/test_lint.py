"""The house rule of 99 columns is enforced by the linter, and the code keeps to it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from tsos.settings import PROJECT_ROOT

RUFF = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"


def _ruff(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([RUFF, "check", "--no-cache", *args], cwd=PROJECT_ROOT, input=stdin,
                          capture_output=True, text=True, timeout=120)


def test_a_line_of_100_columns_is_refused_outside_migrations() -> None:
    line = "x = " + repr("ж" * 94) + "\n"
    assert len(line.rstrip("\n")) == 100
    flagged = _ruff("--stdin-filename", "tsos/example.py", "-", stdin=line)
    assert "E501" in flagged.stdout
    migration = _ruff("--stdin-filename", "tsos/db/migrations/versions/0099_x.py", "-",
                      stdin=line)
    assert migration.returncode == 0, migration.stdout


def test_the_code_passes_the_linter() -> None:
    done = _ruff(".")
    assert done.returncode == 0, done.stdout[-3000:]

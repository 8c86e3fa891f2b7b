"""The Makefile installs again when the `tsos` command is missing, whatever the stamp says."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

from tsos.settings import PROJECT_ROOT


def _planned(folder: Path) -> str:
    """What `make` would run to bring the install stamp up to date (nothing is run)."""
    return subprocess.run(["make", "-n", ".venv/.installed"], cwd=folder, check=True,
                          capture_output=True, text=True).stdout


def test_a_stamp_without_the_command_is_not_an_install(tmp_path: Path) -> None:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(PROJECT_ROOT / name, tmp_path / name)
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    (bin_dir / "tsos").touch()
    stamp = tmp_path / ".venv" / ".installed"
    stamp.touch()
    later = time.time() + 60
    os.utime(stamp, (later, later))

    assert "pip install" not in _planned(tmp_path)

    (bin_dir / "tsos").unlink()
    assert "pip install" in _planned(tmp_path)

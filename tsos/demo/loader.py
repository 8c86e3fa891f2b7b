"""`tsos demo`: the demo region, loaded idempotently; with --stream, a live campaign."""

from __future__ import annotations

import asyncio
import logging
from zoneinfo import ZoneInfo

from rich.console import Console
from sqlalchemy.orm import Session

from domain.enrollment.errors import EnrollmentError
from tsos.db.session import session_scope
from tsos.demo.organizations import load_demo_organizations
from tsos.services import database_url
from tsos.settings import Settings

log = logging.getLogger(__name__)


def load_demo(settings: Settings, console: Console, *, stream: bool = False,
              full: bool = False) -> None:
    """The demo region; `full` loads the journal of every school (≈56,000 pupils, as
    `tsos gradebook demo --full`) instead of a slice of two."""
    url = database_url(settings)
    with console.status("Демо-данные: организации и сотрудники…"), session_scope(url) as session:
        orgs, users = load_region(session, settings)
    console.print(f"Демо-данные: организаций добавлено {orgs}, сотрудников {users}.")
    load_journal(settings, url, console, full=full)
    load_certificates(url, console)
    if stream:
        run_stream(settings, url, console)


def load_region(session: Session, settings: Settings) -> tuple[int, int]:
    """The demo organizations and staff, named after the deployment's region."""
    return load_demo_organizations(session, settings.region_oktmo,
                                   region_name=settings.region_name,
                                   code_prefix=settings.region_code_prefix)


def load_journal(settings: Settings, url: str, console: Console, *,
                 full: bool = False) -> None:
    """The current school year's journal, held lessons up to today: a small slice, or the
    whole region's (schools that already have the year's journal are left as they are)."""
    from tsos.clock import SystemClock
    from tsos.gradebook.demo import (
        DemoSize,
        current_year_start,
        describe,
        load_gradebook_demo,
    )
    from tsos.gradebook_cli import ensure_schedules, grade_latest_past_term

    today = SystemClock().now().astimezone(ZoneInfo(settings.region_time_zone)).date()
    size = DemoSize.full() if full else DemoSize.small()
    with console.status("Демо-данные журнала всего региона (это долго)…" if full
                        else "Демо-данные журнала…"):
        counts = load_gradebook_demo(url, settings, size,
                                     year_start=current_year_start(today), until=today)
    console.print(describe(counts))
    ensured, _ = ensure_schedules(settings)
    started = grade_latest_past_term(settings)
    console.print(f"Расписаний выставления отметок за периоды: {ensured}; "
                  f"начато выставление отметок за прошедший период: {started}.")


def load_certificates(url: str, console: Console) -> None:
    """A class that graduated in June 2026, ready for the certificate wizard."""
    from tsos.demo.certificates import load_certificate_demo

    with console.status("Демо-данные аттестатов…"):
        counts = load_certificate_demo(url)
    if counts:
        console.print("Демо-данные аттестатов: "
                      + ", ".join(f"{k} — {v}" for k, v in counts.items()))


def run_stream(settings: Settings, url: str, console: Console) -> None:
    """The demo campaign and its stream of applications, until done or Ctrl-C."""
    from tsos.demo.stream import run_demo_stream

    console.print(f"Демо-поток заявлений: приёмная кампания в 1 класс, заявления подаются "
                  f"через локальный узел СМЭВ ({settings.smev_node_url}). Остановить: Ctrl-C.")
    try:
        counts = asyncio.run(run_demo_stream(settings, url))
    except EnrollmentError as exc:
        # The demo campaign is made for the demo region (ОКТМО 67000000, Europe/Simferopol).
        console.print(f"Демо-кампания не загружена: {exc}")
        raise SystemExit(2) from None
    ended = "остановлен" if counts.stopped else "завершён"
    console.print(
        f"Демо-поток {ended}: подано сообщений {sum(counts.offered.values())} "
        f"из {counts.planned}, "
        f"шагов сотрудников {sum(v for k, v in counts.staff.items() if k != 'not_ready')}, "
        f"зачислено приказом {counts.enrolled}.")

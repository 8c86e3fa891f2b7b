"""`tsos gradebook …`: schedules of term grading, grading by hand, history import, demo data.

`tsos` carries this Typer app as its `gradebook` group.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from tsos.settings import Settings, get_settings

if TYPE_CHECKING:
    from tsos.gradebook.schedules import GradingPlan

app = typer.Typer(help="Электронный журнал: выставление отметок за периоды, история, демо.",
                  no_args_is_help=True)
console = Console(stderr=True)


@app.command()
def schedules(
    school: Annotated[str | None, typer.Option("--school", help="Код школы; без него — все")]
    = None,
) -> None:
    """Создать или обновить расписания выставления отметок на концах периодов."""
    ensured, planned = ensure_schedules(get_settings(), school)
    console.print(f"Расписаний выставления отметок: {ensured} (периодов всего {planned}).")


def _plans(settings: Settings, school: str | None) -> list[GradingPlan]:
    from sqlalchemy import select

    from tsos.db.models import Organization, SchoolYear
    from tsos.db.session import session_scope
    from tsos.gradebook.schedules import grading_plans
    from tsos.services import database_url

    with session_scope(database_url(settings)) as session:
        query = select(SchoolYear.id).join(Organization,
                                           Organization.id == SchoolYear.organization_id)
        if school:
            query = query.where(Organization.code == school)
        return [plan for year_id in session.scalars(query)
                for plan in grading_plans(session, year_id, settings.region_time_zone)]


def ensure_schedules(settings: Settings, school: str | None = None) -> tuple[int, int]:
    """The grading schedules of every school year (of one school): (ensured, planned)."""
    from tsos.gradebook.schedules import ensure_term_schedules
    from tsos.services import connect_temporal_with_retry
    from workflows import task_queues

    plans = _plans(settings, school)

    async def ensure() -> list[str]:
        client = await connect_temporal_with_retry(settings)
        return await ensure_term_schedules(client, plans,
                                           task_queue=settings.task_queue(task_queues.MAIN))

    return len(asyncio.run(ensure())), len(plans)


def grade_latest_past_term(settings: Settings, *, teacher_days: int = 3) -> int:
    """For each school year, start grading its latest term already over, unless it has run
    (the demo's term grading in progress); returns how many were started."""
    from temporalio.exceptions import WorkflowAlreadyStartedError
    from temporalio.service import RPCError, RPCStatusCode

    from tsos.gradebook.schedules import start_grading
    from tsos.services import connect_temporal_with_retry
    from workflows import task_queues

    now = datetime.now(UTC)
    latest: dict[int, GradingPlan] = {}
    for plan in _plans(settings, None):
        year = plan.input.school_year_id
        if plan.input.term_id is not None and plan.fire_at <= now and (
                year not in latest or plan.fire_at > latest[year].fire_at):
            latest[year] = plan

    async def start() -> int:
        client = await connect_temporal_with_retry(settings)
        started = 0
        for plan in latest.values():
            try:
                # A run that has finished (the term locked) is not started again.
                await client.get_workflow_handle(plan.workflow_id).describe()
                continue
            except RPCError as error:
                if error.status != RPCStatusCode.NOT_FOUND:
                    raise
            try:
                await start_grading(client, plan,
                                    task_queue=settings.task_queue(task_queues.MAIN),
                                    teacher_deadline=now + timedelta(days=teacher_days))
                started += 1
            except WorkflowAlreadyStartedError:
                pass
        return started

    return asyncio.run(start())


@app.command()
def grade(
    school: Annotated[str, typer.Option("--school", help="Код школы")],
    term_id: Annotated[int | None, typer.Option("--term", help="Идентификатор периода")]
    = None,
    school_year_id: Annotated[int | None, typer.Option("--year", help="Учебный год "
                                                       "(годовые отметки)")] = None,
    days: Annotated[int, typer.Option(help="Сколько дней у учителей на подтверждение")] = 3,
) -> None:
    """Начать выставление отметок за период сейчас, не дожидаясь расписания."""
    from sqlalchemy import select

    from tsos.db import gradebook as db
    from tsos.db.models import Organization, SchoolYear
    from tsos.db.session import session_scope
    from tsos.gradebook.schedules import grading_plans, start_grading
    from tsos.services import connect_temporal_with_retry, database_url
    from workflows import task_queues

    if (term_id is None) == (school_year_id is None):
        raise typer.BadParameter("Укажите либо --term, либо --year.")
    settings = get_settings()
    with session_scope(database_url(settings)) as session:
        year_id = school_year_id or session.scalar(
            select(db.Term.school_year_id).where(db.Term.id == term_id))
        owner = session.scalar(select(Organization.code).join(
            SchoolYear, SchoolYear.organization_id == Organization.id).where(
                SchoolYear.id == year_id))
        if year_id is None or owner != school:
            raise typer.BadParameter("Период не найден в этой школе.")
        plans = grading_plans(session, year_id, settings.region_time_zone)
    plan = next(p for p in plans if p.input.term_id == term_id)

    async def start() -> str:
        client = await connect_temporal_with_retry(settings)
        handle = await start_grading(client, plan,
                                     task_queue=settings.task_queue(task_queues.MAIN),
                                     teacher_deadline=datetime.now(UTC) + timedelta(days=days))
        return handle.id

    console.print(f"Запущено: {asyncio.run(start())}")


@app.command("import-history")
def import_history(
    path: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="XLSX или CSV с отметками прошлых лет")],
    school: Annotated[str, typer.Option("--school", help="Код школы")],
    login: Annotated[str, typer.Option(help="Логин сотрудника, от имени которого импорт")],
) -> None:
    """Загрузить отметки прошлых лет как закрытую историю."""
    from sqlalchemy import select

    from domain.gradebook.audit import Actor
    from tsos.contingent import read_rows
    from tsos.db.models import User
    from tsos.db.session import session_scope
    from tsos.gradebook.history import import_history as run_import
    from tsos.gradebook.history import organization_by_code
    from tsos.services import database_url

    settings = get_settings()
    with session_scope(database_url(settings)) as session:
        org = organization_by_code(session, school)
        user = session.scalar(select(User).where(User.login == login))
        if user is None or user.organization_id != org.id:
            raise typer.BadParameter("Сотрудник не найден в этой школе.")
        report = run_import(session, org.id, read_rows(path), actor=Actor(user.id,
                                                                          str(user.role)),
                            at=datetime.now(settings.zone))
    for problem in report.problems:
        console.print(f"[red]{problem}[/red]")
    if report.problems:
        console.print("Файл не загружен: исправьте строки и повторите.")
        raise typer.Exit(1)
    console.print(f"Загружено отметок: {report.marks}; закрыто классов: "
                  f"{report.classes_locked}.")


@app.command()
def demo(
    full: Annotated[bool, typer.Option("--full", help="Весь регион (~56 000 учеников)")]
    = False,
    year: Annotated[int, typer.Option(help="Год начала учебного года")] = 2025,
) -> None:
    """Демо-данные журнала: небольшой срез по умолчанию, весь регион с --full."""
    from tsos.gradebook.demo import DemoSize, describe, load_gradebook_demo
    from tsos.services import database_url

    settings = get_settings()
    size = DemoSize.full() if full else DemoSize.small()
    with console.status("Демо-данные журнала…"):
        counts = load_gradebook_demo(database_url(settings), settings, size, year_start=year)
    console.print(describe(counts))

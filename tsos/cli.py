"""`tsos`: the one command line of ЦОС."""

from __future__ import annotations

import asyncio
import logging
import signal
import zipfile
from pathlib import Path
from typing import Annotated

import typer
from pydantic import ValidationError
from rich.console import Console

from gateways.smev.local_node.cli import app as smev_node_app
from tsos.gradebook_cli import app as gradebook_app
from tsos.logs import configure_logging
from tsos.settings import get_settings

app = typer.Typer(help="ЦОС — цифровая образовательная среда региона.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
pupils_app = typer.Typer(help="Контингент обучающихся.", no_args_is_help=True)
app.add_typer(pupils_app, name="pupils")
app.add_typer(smev_node_app, name="smev-node")
app.add_typer(gradebook_app, name="gradebook")

console = Console(stderr=True)
log = logging.getLogger("tsos")


@app.callback()
def _main() -> None:
    try:
        settings = get_settings()
    except ValidationError as exc:
        for error in exc.errors():
            where = ".".join(str(p) for p in error["loc"])
            console.print((f"{where}: " if where else "")
                          + str(error["msg"]).removeprefix("Value error, "), soft_wrap=True)
        raise typer.Exit(2) from None
    configure_logging(settings.log_format, settings.log_level, settings.environment)


@app.command()
def up(
    demo: Annotated[bool, typer.Option(help="Загрузить демо-данные после запуска")] = False,
) -> None:
    """Запустить всю систему: базу, Temporal, обработчик, API (Ctrl-C — остановить)."""
    from tsos.supervisor import run_everything

    raise typer.Exit(run_everything(get_settings(), with_demo=demo))


@app.command()
def migrate() -> None:
    """Применить миграции базы данных."""
    from tsos.db.migrate import upgrade
    from tsos.services import database_url

    upgrade(database_url(get_settings()))
    console.print("Миграции применены.")


@app.command()
def worker() -> None:
    """Запустить обработчик Temporal (все очереди задач)."""
    from tsos.runtime.temporal import Stopped
    from tsos.services import connect_temporal_with_retry, database_url
    from tsos.worker import build_workers, run_workers

    settings = get_settings()
    url = database_url(settings)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            client = await connect_temporal_with_retry(settings, stop=stop)
        except Stopped:
            return
        await run_workers(build_workers(client, settings, url,
                                        queues=settings.queue_names), stop)

    asyncio.run(main())


@app.command()
def api(
    host: Annotated[str | None, typer.Option(help="Адрес")] = None,
    port: Annotated[int | None, typer.Option(help="Порт")] = None,
) -> None:
    """Запустить HTTP API."""
    import uvicorn

    from api.app import create_app
    from tsos.services import database_url

    settings = get_settings()
    application = create_app(settings, database_url(settings),
                             queue_names=settings.queue_names)
    uvicorn.run(application, host=host or settings.api_host, port=port or settings.api_port,
                log_config=None, access_log=False)


@app.command()
def demo(
    stream: Annotated[bool, typer.Option(help="Подавать поток демо-заявлений")] = False,
    full: Annotated[bool, typer.Option(
        "--full", help="Журнал всего региона (~56 000 учеников), а не срез двух школ")]
    = False,
) -> None:
    """Загрузить демо-данные региона; с --stream — кампанию и поток заявлений, с --full —
    журнал всех школ региона."""
    from tsos.demo.loader import load_demo

    try:
        load_demo(get_settings(), console, stream=stream, full=full)
    except KeyboardInterrupt:
        console.print("Загрузка демо-данных прервана.")
        raise typer.Exit(130) from None


@app.command()
def token(
    role: Annotated[str, typer.Option(help="Роль пользователя")],
    org: Annotated[str | None, typer.Option(help="Код организации, например SEV-0801")] = None,
) -> None:
    """Напечатать токен доступа демо- или тестового пользователя с этой ролью."""
    from tsos.db.session import session_scope
    from tsos.demo.users import DemoUserError, ensure_demo_user
    from tsos.services import database_url
    from tsos.tokens import issue_token

    settings = get_settings()
    if not settings.demo_auth:
        console.print("Демо-аутентификация отключена (TSOS_DEMO_AUTH=false): токен не выдан.")
        raise typer.Exit(2)
    try:
        with session_scope(database_url(settings)) as session:
            user = ensure_demo_user(session, role, org)
            value = issue_token(settings, user_id=user.id, login=user.login,
                                role=str(user.role))
    except DemoUserError as exc:
        console.print(str(exc))
        raise typer.Exit(2) from None
    print(value)


@pupils_app.command("import")
def pupils_import(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="CSV (;) или XLSX с контингентом")],
) -> None:
    """Импортировать контингент школы; повторный импорт обновляет, а не дублирует."""
    from tsos.contingent import import_pupils, read_rows
    from tsos.db.session import session_scope
    from tsos.services import database_url

    try:
        with console.status("Импорт…") as status, \
                session_scope(database_url(get_settings())) as s:
            report = import_pupils(s, read_rows(file),
                                   progress=lambda n: status.update(f"Импорт: {n} строк…"),
                                   source=f"tsos pupils import {file.name}")
    except (ValueError, UnicodeDecodeError, zipfile.BadZipFile):
        # openpyxl refuses a broken workbook (or one with XML entities) with a ValueError.
        console.print(f"Файл «{file.name}» не прочитан: ожидается CSV в UTF-8 или книга "
                      "XLSX без повреждений. Ничего не импортировано.")
        raise typer.Exit(2) from None
    console.print(f"Добавлено: {report.created}, обновлено: {report.updated}, "
                  f"без изменений: {report.unchanged}, с ошибками: {len(report.problems)}.")
    for problem in report.problems:
        console.print(f"  {problem}")
    if report.problems:
        raise typer.Exit(1)


campaign_app = typer.Typer(help="Приёмные кампании.", no_args_is_help=True)
app.add_typer(campaign_app, name="campaign")


@campaign_app.command("load")
def campaign_load(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False,
                                         help="YAML-файл кампании")],
) -> None:
    """Загрузить (или обновить) кампанию приёма в 1 класс и запустить её процессы."""
    from domain.enrollment.errors import EnrollmentError
    from tsos.campaigns import load_and_prepare, start_campaign_workflows
    from tsos.db.session import session_scope
    from tsos.services import connect_temporal_with_retry, database_url

    settings = get_settings()
    try:
        with session_scope(database_url(settings)) as session:
            inputs = load_and_prepare(session, file.read_text(encoding="utf-8"), settings)
    except EnrollmentError as exc:
        console.print(f"Файл кампании не загружен:\n{exc}")
        raise typer.Exit(2) from None

    async def start() -> int:
        from workflows import task_queues

        client = await connect_temporal_with_retry(settings, timeout=30)
        return await start_campaign_workflows(
            client, inputs, task_queue=settings.task_queue(task_queues.MAIN))

    started = asyncio.run(start())
    console.print(f"Кампания загружена: школ {len(inputs)}, запущено процессов {started}.")


@app.command("smev-exchange")
def smev_exchange() -> None:
    """Обмен со СМЭВ: получать запросы, регистрировать заявления, отправлять статусы."""
    from tsos.exchange_runner import run_exchange

    asyncio.run(run_exchange(get_settings()))

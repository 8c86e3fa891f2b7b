"""Command line of the local SMEV node: serve it, queue portal messages, read our answers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer

app = typer.Typer(
    help="Локальный узел СМЭВ 3: очередь запросов портала и ответы ЦОС.",
    no_args_is_help=True,
)


def default_node_url() -> str:
    from tsos.settings import get_settings

    return get_settings().smev_node_url


UrlOption = Annotated[
    str | None,
    typer.Option(
        "--url", help="Адрес узла (по умолчанию TSOS_SMEV_NODE_URL, иначе "
                      "http://127.0.0.1:TSOS_SMEV_NODE_PORT)."
    ),
]


@app.command()
def serve(
    host: Annotated[
        str, typer.Option(help="Адрес для входящих соединений.")
    ] = "127.0.0.1",
    port: Annotated[
        int | None, typer.Option(help="Порт (по умолчанию TSOS_SMEV_NODE_PORT).")
    ] = None,
    db: Annotated[Path, typer.Option(help="Файл SQLite с очередями.")] = Path(
        ".data/smev-node.sqlite3"
    ),
    redelivery_timeout: Annotated[
        float,
        typer.Option(
            help="Через сколько секунд неподтверждённое сообщение выдаётся снова."
        ),
    ] = 60.0,
) -> None:
    """Запустить узел: SOAP на /smev, служебные запросы на /admin/…"""
    import uvicorn

    from gateways.smev.local_node.app import create_app
    from tsos.settings import get_settings

    uvicorn.run(
        create_app(db, redelivery_timeout=redelivery_timeout), host=host,
        port=port or get_settings().smev_node_port, access_log=False, log_config=None,
    )


@app.command()
def enqueue(
    files: Annotated[
        list[Path],
        typer.Argument(
            help="XML-файлы: сведения или конверты.", exists=True, dir_okay=False
        ),
    ],
    message_id: Annotated[
        str | None,
        typer.Option("--message-id", help="MessageID (только для одного файла)."),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Вывод: JSON, объект на строку.")
    ] = False,
    url: UrlOption = None,
) -> None:
    """Поставить запросы портала в очередь узла."""
    if message_id is not None and len(files) != 1:
        raise typer.BadParameter("--message-id можно указать только для одного файла")

    with _http(url) as http:
        for path in files:
            params = {"message_id": message_id} if message_id else {}
            reply = http.post(
                "/admin/enqueue", content=path.read_bytes(), params=params
            )
            queued = _json(reply)
            if as_json:
                typer.echo(
                    json.dumps({"file": str(path), **queued}, ensure_ascii=False)
                )
            else:
                order = queued["order_id"] if queued["order_id"] is not None else "—"
                typer.echo(f"{path}\t{queued['message_id']}\tзаявление {order}")


@app.command()
def responses(
    order_id: Annotated[
        int | None, typer.Option("--order-id", help="Номер заявления.")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="Вывод: JSON, объект на строку.")
    ] = False,
    url: UrlOption = None,
) -> None:
    """Показать ответы ЦОС в порядке отправки."""
    params = {"order_id": order_id} if order_id is not None else {}
    with _http(url) as http:
        items = _json(http.get("/admin/responses", params=params))

    for item in items:
        if as_json:
            typer.echo(json.dumps(item, ensure_ascii=False))
        else:
            allowed = {True: "отмена возможна", False: "отмена невозможна"}.get(
                item["cancel_allowed"], ""
            )
            typer.echo(
                "\t".join(
                    str(v)
                    for v in (
                        item["sent_at"],
                        item["order_id"] if item["order_id"] is not None else "—",
                        item["kind"],
                        item["code"],
                        allowed,
                        item["comment"] or "",
                    )
                )
            )


@contextmanager
def _http(url: str | None) -> Iterator[httpx.Client]:
    base_url = url or default_node_url()
    try:
        with httpx.Client(base_url=base_url, timeout=30.0) as client:
            yield client
    except httpx.HTTPError as exc:
        typer.echo(f"Узел СМЭВ {base_url} недоступен: {exc}", err=True)
        raise typer.Exit(1) from exc


def _json(reply: httpx.Response) -> Any:
    if reply.status_code >= 400:
        try:
            detail = reply.json().get("detail", reply.text)
        except ValueError:
            detail = reply.text
        typer.echo(f"Узел СМЭВ ответил {reply.status_code}: {detail}", err=True)
        raise typer.Exit(1)
    return reply.json()

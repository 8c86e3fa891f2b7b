"""The local SMEV 3 node as an ASGI app: SOAP at POST /smev, JSON admin endpoints."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from starlette.concurrency import run_in_threadpool

from gateways.smev.local_node.node import LocalNode
from gateways.smev.local_node.store import DuplicateMessage, NodeStore

SOAP_MEDIA_TYPE = "text/xml; charset=utf-8"


def create_app(
    db_path: Path | str,
    *,
    redelivery_timeout: float = 60.0,
    clock: Callable[[], float] = time.time,
    stale_message_id_after: float | None = None,
) -> FastAPI:
    """The node over the SQLite file at db_path (created if missing)."""
    store = NodeStore(db_path, clock=clock)
    node = LocalNode(store, redelivery_timeout=redelivery_timeout,
                     stale_message_id_after=stale_message_id_after)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        store.close()

    app = FastAPI(title="Локальный узел СМЭВ 3 (ЦОС)", lifespan=lifespan)
    app.state.node = node

    @app.post("/smev")
    async def smev(request: Request) -> Response:
        """The SMEV 3 operations: GetRequest, Ack, SendResponse, GetStatus, GetResponse."""
        body = await request.body()
        status, reply = await run_in_threadpool(
            node.handle_soap, body, request.headers.get("content-type")
        )
        return Response(reply, status_code=status, media_type=SOAP_MEDIA_TYPE)

    @app.post("/admin/enqueue")
    async def enqueue(
        request: Request, message_id: str | None = None, test_message: bool = False
    ) -> dict[str, Any]:
        """Queue a request from the portal: the body is an XML file (payload or envelope)."""
        body = await request.body()
        try:
            queued = await run_in_threadpool(
                node.enqueue, body, message_id=message_id, test_message=test_message
            )
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        except DuplicateMessage as exc:
            raise HTTPException(
                status_code=409, detail=f"сообщение {exc} уже есть в очереди"
            ) from exc
        return {"message_id": queued.message_id, "order_id": queued.order_id}

    @app.post("/admin/statuses")
    async def queue_status(request: Request) -> dict[str, Any]:
        """Queue an asynchronous status (an XML holding AsyncProcessingStatus) for GetStatus."""
        body = await request.body()
        try:
            original = await run_in_threadpool(node.queue_status, body)
        except ValueError as exc:
            raise HTTPException(status_code=422, detail=str(exc)) from exc
        return {"original_message_id": original}

    @app.get("/admin/responses")
    def responses(order_id: int | None = None) -> list[dict[str, Any]]:
        """Our answers, in the order they were sent; all, or those of one order."""
        return node.responses_json(order_id)

    @app.get("/admin/requests")
    def requests() -> list[dict[str, Any]]:
        """The request queue: what was delivered how often, and what was acknowledged."""
        return [
            {
                "message_id": r.message_id,
                "order_id": r.order_id,
                "root": r.root_name,
                "delivery_count": r.delivery_count,
                "acked": r.acked_at is not None,
                "ack_accepted": r.ack_accepted,
            }
            for r in store.requests()
        ]

    @app.get("/health")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/")
    def about() -> dict[str, Any]:
        """What this address is, for a person who opens it in a browser."""
        return {
            "name": "Локальный узел СМЭВ 3 (ЦОС)",
            "description": "Учебная замена СМЭВ 3 для разработки и демонстрации: принимает "
                           "запросы, поставленные в очередь как бы порталом (ЕПГУ), отдаёт "
                           "их ЦОС и хранит её ответы. С настоящей СМЭВ не связан.",
            "endpoints": {
                "/smev": "SOAP СМЭВ 3: GetRequest, Ack, SendResponse, GetStatus, GetResponse",
                "/admin/enqueue": "поставить запрос портала в очередь (POST, XML)",
                "/admin/requests": "очередь запросов и их подтверждения",
                "/admin/responses": "ответы ЦОС в порядке отправки",
                "/admin/statuses": "поставить асинхронный статус СМЭВ для GetStatus (POST, XML)",
                "/health": "узел работает",
            },
            "commands": ["tsos smev-node enqueue ФАЙЛ.xml", "tsos smev-node responses --json"],
        }

    return app

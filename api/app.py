"""The FastAPI application: routers, error handlers, shared clients."""

from __future__ import annotations

import asyncio
import logging

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline
from temporalio.client import Client

from api.errors import ServiceUnavailable, install_error_handlers
from api.routes import auth, enrollment, health, organizations
from api.routes.certificates import ROUTERS as CERTIFICATE_ROUTERS
from api.routes.gradebook import ROUTERS as GRADEBOOK_ROUTERS
from tsos.settings import Settings
from tsos.temporal_client import connect

log = logging.getLogger(__name__)

DESCRIPTION = """
ЦОС — цифровая образовательная среда региона: приём в 1 класс с ЕПГУ, журнал и отметки,
аттестаты, обмен с органами соцзащиты.

Все запросы, кроме `/health`, `/ready` и демо-входа, требуют токен доступа
(`Authorization: Bearer …`). Каждый ответ ограничен организациями и людьми, которые
доступны вызывающему пользователю. Ошибки приходят в виде
`{"error": код, "message": текст, "fields": [...]}`.
"""


class TemporalHandle:
    """Connects on first use, so the API answers /health while Temporal is still starting."""

    def __init__(self, settings: Settings, client: Client | None = None) -> None:
        self._settings = settings
        self._client = client
        self._lock = asyncio.Lock()

    async def __call__(self) -> Client:
        if self._client is None:
            async with self._lock:
                if self._client is None:
                    try:
                        self._client = await connect(self._settings)
                    except RuntimeError as error:  # the SDK's "Failed client connect"
                        log.warning("Temporal unreachable at %s",
                                    self._settings.effective_temporal_address)
                        raise ServiceUnavailable() from error
        return self._client


def create_app(
    settings: Settings,
    database_url: str,
    *,
    temporal_client: Client | None = None,
    queue_names: dict[str, str] | None = None,
) -> FastAPI:
    # Swagger UI and ReDoc from files the API serves itself: /docs works offline.
    app = FastAPIOffline(title="ЦОС API", version="0.1.0", description=DESCRIPTION,
                         static_url="/docs-static")
    app.state.settings = settings
    app.state.database_url = database_url
    app.state.temporal = TemporalHandle(settings, temporal_client)
    app.state.readiness = health.Readiness()
    renames = queue_names or {}
    app.state.queue = lambda name: renames.get(name, name)

    install_error_handlers(app)
    for router in (health.router, auth.router, organizations.router, enrollment.router,
                   *GRADEBOOK_ROUTERS, *CERTIFICATE_ROUTERS):
        app.include_router(router)
    return app

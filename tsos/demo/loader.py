"""`tsos demo`: the demo region, loaded idempotently."""

from __future__ import annotations

import logging

from rich.console import Console

from tsos.db.session import session_scope
from tsos.demo.organizations import load_demo_organizations
from tsos.services import database_url
from tsos.settings import Settings

log = logging.getLogger(__name__)


def load_demo(settings: Settings, console: Console) -> None:
    url = database_url(settings)
    with console.status("Демо-данные: организации и сотрудники…"), session_scope(url) as session:
        orgs, users = load_demo_organizations(session, settings.region_oktmo)
    console.print(f"Демо-данные: организаций добавлено {orgs}, сотрудников {users}.")

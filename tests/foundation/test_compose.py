"""docker-compose.yml cannot start here; it must still be a coherent production layout."""

from __future__ import annotations

import re

import yaml
from typer.main import get_command

from tsos.cli import app
from tsos.settings import PROJECT_ROOT, Settings

COMPOSE = PROJECT_ROOT / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))


def test_every_needed_service_is_there_with_pinned_images() -> None:
    services = _compose()["services"]
    assert {"postgresql", "temporal", "temporal-ui", "migrate", "api", "worker",
            "smev-exchange"} <= set(services)
    for name, service in services.items():
        image = service["image"]
        tag = image.rsplit(":", 1)[-1] if ":" in image.split("/")[-1] else ""
        assert tag and tag != "latest" and re.search(r"\d", tag), f"{name}: unpinned {image}"


def test_app_services_get_every_variable_the_code_needs() -> None:
    known = {field.alias for field in Settings.model_fields.values()}
    for name in ("api", "worker", "migrate", "smev-exchange"):
        env = _compose()["services"][name]["environment"]
        assert {"DATABASE_URL", "TEMPORAL_ADDRESS", "TSOS_JWT_SECRET"} <= set(env), name
        assert env["TSOS_DEMO_AUTH"] == "false", name
        unknown = set(env) - known
        assert not unknown, f"{name} sets variables the code never reads: {unknown}"
        assert "postgresql:5432" in env["DATABASE_URL"]
        assert env["TEMPORAL_ADDRESS"] == "temporal:7233"


def test_secrets_are_variables_not_literals() -> None:
    text = COMPOSE.read_text(encoding="utf-8")
    assert "${TSOS_DB_PASSWORD:?" in text and "${TSOS_JWT_SECRET:?" in text
    assert "dev-only-secret" not in text


def test_commands_exist_in_the_cli() -> None:
    commands = set(get_command(app).commands)  # type: ignore[attr-defined]
    for name in ("api", "worker", "migrate", "smev-exchange"):
        command = _compose()["services"][name]["command"]
        assert command[0] == "tsos" and command[1] in commands, command


def test_temporal_runs_on_the_same_postgresql() -> None:
    temporal = _compose()["services"]["temporal"]
    assert temporal["environment"]["POSTGRES_SEEDS"] == "postgresql"
    assert temporal["environment"]["DB"].startswith("postgres")


def test_temporal_health_uses_the_cli_the_image_ships_and_creates_our_namespace() -> None:
    services = _compose()["services"]
    temporal = services["temporal"]
    check = " ".join(temporal["healthcheck"]["test"])
    assert "tctl" not in check
    assert "temporal operator cluster health" in check
    assert "temporal operator namespace describe" in check and "DEFAULT_NAMESPACE" in check
    # The namespace the app connects to is the one auto-setup registers (and the UI shows).
    app_namespace = services["api"]["environment"]["TEMPORAL_NAMESPACE"]
    assert temporal["environment"]["DEFAULT_NAMESPACE"] == app_namespace
    assert services["temporal-ui"]["environment"]["TEMPORAL_DEFAULT_NAMESPACE"] == app_namespace

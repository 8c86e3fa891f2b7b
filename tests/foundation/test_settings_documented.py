"""The README's configuration table and the settings: the same variables, both ways."""

from __future__ import annotations

import re

from sqlalchemy import select

from tsos.db.models import Organization
from tsos.db.session import session_scope
from tsos.demo.loader import load_region
from tsos.settings import PROJECT_ROOT, Settings


def _documented() -> set[str]:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Configuration\n", 1)[1].split("\n## ", 1)[0]
    names: set[str] = set()
    for line in section.splitlines():
        cells = line.split("|")
        if len(cells) > 2 and "`" in cells[1]:
            names |= set(re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[1]))
    return names


def test_every_setting_is_documented_and_nothing_else() -> None:
    read = {field.alias for field in Settings.model_fields.values()}
    documented = _documented()
    assert read - documented == set(), "settings missing from the README's table"
    assert documented - read == set(), "the README documents variables nobody reads"


def test_the_smev_node_url_follows_its_port_unless_set() -> None:
    assert Settings(TSOS_SMEV_NODE_PORT=9185).smev_node_url == "http://127.0.0.1:9185"
    assert Settings(TSOS_SMEV_NODE_URL="http://node:1").smev_node_url == "http://node:1"


def test_the_demo_region_is_named_by_the_settings(settings, database_url) -> None:
    region = settings.model_copy(update={"region_name": "Тестовая обл.",
                                         "region_code_prefix": "TST"})
    with session_scope(database_url) as session:
        load_region(session, region)
        orgs = list(session.scalars(select(Organization)))
    assert orgs and all(o.code.startswith("TST-") for o in orgs)
    assert all("Тестовая обл." in o.address for o in orgs)
    assert all("Севастопол" not in (o.founder_name or "") for o in orgs)


def test_the_readme_shows_what_tsos_up_prints() -> None:
    from tsos.supervisor import banner

    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    block = text.split("**After `make run`**", 1)[1].split("```", 2)[1]
    shown = [line.rstrip() for line in block.splitlines() if line.strip()]
    # The defaults, whatever this machine's environment says.
    defaults = Settings(TSOS_API_HOST="127.0.0.1", TSOS_API_PORT=8000, TEMPORAL_ADDRESS=None,
                        TSOS_TEMPORAL_UI_PORT=8233, TSOS_SMEV_ENDPOINT=None,
                        TSOS_SMEV_NODE_PORT=8085, TSOS_SMEV_NODE_URL="")
    printed = [line.rstrip() for line in banner(defaults, ready=True).splitlines()
               if line.strip()]
    assert shown[0] == "ЦОС запускается…"
    assert shown[2:] == printed

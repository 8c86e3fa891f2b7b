"""What a person meets beside the API: the SMEV node's root page; PDFs without noise."""

from __future__ import annotations

import logging
from pathlib import Path

import httpx

from gateways.smev.local_node.app import create_app


async def test_the_node_says_what_it_is_at_its_root(tmp_path: Path) -> None:
    transport = httpx.ASGITransport(app=create_app(tmp_path / "node.sqlite3"))
    async with httpx.AsyncClient(transport=transport, base_url="http://node.test") as client:
        root = await client.get("/")
    assert root.status_code == 200
    assert root.json()["name"] == "Локальный узел СМЭВ 3 (ЦОС)"
    assert "/smev" in root.json()["endpoints"]


def test_a_pdf_is_rendered_without_the_fonttools_warning(caplog) -> None:
    import weasyprint

    caplog.set_level(logging.INFO, logger="weasyprint")
    pdf = weasyprint.HTML(string="<p style='font-family: Liberation Serif'>Аттестат</p>"
                          ).write_pdf()
    assert pdf and pdf.startswith(b"%PDF")
    assert not [r for r in caplog.records if "HarfBuzz" in r.getMessage()]

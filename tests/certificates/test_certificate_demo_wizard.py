"""The README's certificate walk-through on the demo data, step by step through the API:
the demo's graduating class goes from the choice of class to the ФИС ФРДО file."""

from __future__ import annotations

import asyncio
import io
import re
import zipfile

import pytest
from sqlalchemy import select

from tests.certificates.pdf_text import expected_rows, pdf_pages, supplement_rows
from tsos.db import certificates as cdb
from tsos.db.session import session_scope
from tsos.demo.certificates import load_certificate_demo
from tsos.settings import PROJECT_ROOT

HEAD = "И. И. Директорова"
ISSUE = {"method": "in_person", "handed_over_on": "2026-06-26", "order_number": "45-у",
         "order_date": "2026-06-24"}


def readme_steps() -> list[str]:
    """The steps the README's snippet posts, in order."""
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    section = text[text.index("**The whole wizard on the demo data.**"):]
    snippet = section[section.index("```sh"):section.index("```", section.index("```sh") + 5)]
    return re.findall(r"^\s*(?:for .*\n\s*)?step ([a-z-]+)", snippet, flags=re.MULTILINE)


@pytest.fixture
def demo_class(database_url: str, demo_region: None) -> dict[str, int]:
    counts = load_certificate_demo(database_url)
    assert load_certificate_demo(database_url) == {"классов": 0}  # idempotent
    return counts


async def test_the_readme_walk_through_runs_on_the_demo(api, demo_class, token_for,
                                                        database_url) -> None:
    assert demo_class == {"классов": 1, "выпускников": 6, "результатов ГИА": 24,
                          "бланков": 60}
    assert readme_steps() == ["choose-class", "approve-review", "form", "assign-blanks",
                              "render", "confirm-printed", "issue", "export"]
    headers = token_for("secretary", "SEV-0001")

    classes = (await api.get("/certificates/classes", headers=headers)).json()
    [graduating] = [c for c in classes if c["graduation_year"] == 2026]
    assert (graduating["name"], graduating["school_year"], graduating["pupils"]) == (
        "9 А", "2025/2026", 6)
    started = await api.post("/certificates/wizards", headers=headers,
                             json={"school_class_id": graduating["school_class_id"]})
    assert started.status_code == 201, started.text
    wizard = started.json()["workflow_id"]
    assert wizard == graduating["wizard_id"]

    async def step(name: str, body: dict | None = None) -> dict:  # type: ignore[type-arg]
        answer = await api.post(f"/certificates/wizards/{wizard}/{name}", json=body or {},
                                headers=headers)
        assert answer.status_code == 200, answer.text
        return answer.json()

    view = await step("choose-class")
    assert view["step"] == "review"
    kinds = {d["surname"]: d["kind"] for d in view["details"]}
    assert kinds["Алексеева"] == "basic_honours"
    assert kinds["Егоров"] == "study_record"
    assert all(not d["problems"] for d in view["details"])
    await step("approve-review", {"confirm_warnings": True})
    await step("form")
    view = await step("assign-blanks")
    assert view["step"] == "render"
    preview = await api.get(f"/certificates/wizards/{wizard}/preview.zip", headers=headers)
    assert preview.status_code == 200
    assert len(zipfile.ZipFile(io.BytesIO(preview.content)).namelist()) == 6
    await step("render", {"issue_date": "2026-06-25", "head_name": HEAD})
    for _ in range(300):
        progress = (await api.get(f"/certificates/wizards/{wizard}/progress",
                                  headers=headers)).json()
        if progress["step"] == "confirm_print":
            break
        await asyncio.sleep(0.1)
    assert (progress["total"], progress["failed"], progress["finished"]) == (6, 0, True)
    archive = await api.get(f"/certificates/wizards/{wizard}/pdfs.zip", headers=headers)
    assert len(zipfile.ZipFile(io.BytesIO(archive.content)).namelist()) == 6
    await step("confirm-printed")
    view = (await api.get(f"/certificates/wizards/{wizard}", headers=headers)).json()
    for detail in view["details"]:
        view = await step("issue", {"certificate_id": detail["certificate_id"], **ISSUE})
    assert view["step"] == "export"
    view = await step("export")
    assert view["step"] == "done"

    [export] = (await api.get("/certificates/frdo-exports", headers=headers)).json()
    assert export["rows"] == 6
    book = await api.get("/certificates/registration-book.pdf",
                         params={"level": "basic", "year": 2026}, headers=headers)
    assert book.status_code == 200
    report = (await api.get("/certificates/blanks/reconciliation", headers=headers)).json()
    assert report["balanced"] and report["discrepancies"] == []

    # Every PDF says exactly the stored final marks, line by line, in the supplement's order.
    with session_scope(database_url) as session:
        for row in session.scalars(select(cdb.Certificate).where(
                cdb.Certificate.workflow_id == wizard)):
            version = session.get(cdb.FinalMarksVersion, row.final_marks_id)
            pdf = session.get(cdb.CertificatePdf, row.id).pdf
            if row.kind == "study_record":
                lines = pdf_pages(pdf)[0]
                assert "СПРАВКА ОБ ОБУЧЕНИИ" in lines
                assert "Математика не выставлена" in " ".join(lines)
                continue
            assert supplement_rows(pdf, HEAD) == expected_rows(version.marks)

"""`tsos demo --full`: the same generator as `tsos gradebook demo --full`, at full size."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

import pytest
from typer.testing import CliRunner

from tsos import cli, gradebook_cli
from tsos.demo import loader
from tsos.gradebook import demo as gradebook_demo
from tsos.gradebook.demo import DemoSize, current_year_start

runner = CliRunner()


@pytest.fixture
def calls(monkeypatch):  # type: ignore[no-untyped-def]
    """Every step of the demo load replaced by a note of what it was asked."""
    seen: list[tuple] = []  # type: ignore[type-arg]

    @contextmanager
    def no_session(url):  # type: ignore[no-untyped-def]
        yield None

    def journal(url, settings, size, *, year_start=2025, until=None):  # type: ignore[no-untyped-def]
        seen.append(("journal", size, year_start, until))
        return {"школ": 70, "учеников": 1, "учителей": 1, "уроков": 1, "отметок": 1,
                "пропусков": 1, "школ с данными ранее": 0}

    monkeypatch.setattr(loader, "database_url", lambda settings: "postgresql://stub")
    monkeypatch.setattr(loader, "session_scope", no_session)
    monkeypatch.setattr(loader, "load_region", lambda session, settings: (0, 0))
    monkeypatch.setattr(gradebook_demo, "load_gradebook_demo", journal)
    monkeypatch.setattr(gradebook_cli, "ensure_schedules", lambda settings: (70, 70))
    monkeypatch.setattr(gradebook_cli, "grade_latest_past_term", lambda settings: 0)
    monkeypatch.setattr(loader, "load_certificates",
                        lambda url, console: seen.append(("certificates",)))
    monkeypatch.setattr(loader, "run_stream",
                        lambda settings, url, console: seen.append(("stream",)))
    return seen


def test_demo_full_loads_the_whole_region_journal(calls) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli.app, ["demo", "--full"])
    assert result.exit_code == 0, result.output
    [(_, size, year_start, until)] = [call for call in calls if call[0] == "journal"]
    assert size == DemoSize.full() and size.schools is None
    # The current school year, lessons up to today held: as the small demo's.
    assert isinstance(until, date) and year_start == current_year_start(until)
    assert ("certificates",) in calls and ("stream",) not in calls
    assert "Демо-данные журнала загружены" in result.output

    with_stream = runner.invoke(cli.app, ["demo", "--full", "--stream"])
    assert with_stream.exit_code == 0, with_stream.output
    assert calls[-1] == ("stream",)


def test_demo_without_full_is_the_small_slice(calls) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(cli.app, ["demo"])
    assert result.exit_code == 0, result.output
    [(_, size, _, _)] = [call for call in calls if call[0] == "journal"]
    assert size == DemoSize.small()
    assert "--full" in runner.invoke(cli.app, ["demo", "--help"]).output

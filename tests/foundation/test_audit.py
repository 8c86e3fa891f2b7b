"""The audit log: who added or changed a pupil, with old and new values; append-only."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import delete, select, update
from sqlalchemy.exc import DBAPIError

from tests.conftest import shared_path
from tsos.contingent import import_pupils, read_rows
from tsos.db.models import AuditEvent
from tsos.db.session import session_scope


def _events(url: str) -> list[AuditEvent]:
    with session_scope(url) as session:
        return list(session.scalars(select(AuditEvent).where(AuditEvent.object_type == "pupil")
                                    .order_by(AuditEvent.id)))


def test_an_import_is_audited_with_old_and_new_values(database_url, demo_region,
                                                      tmp_path: Path) -> None:
    csv_path = tmp_path / "pupils.csv"
    shutil.copy(shared_path("reference", "epgu", "first-grade", "pupils-example.csv"), csv_path)
    with session_scope(database_url) as session:
        import_pupils(session, read_rows(csv_path), source="tsos pupils import pupils.csv")

    created = _events(database_url)
    assert [e.action for e in created] == ["pupil.created", "pupil.created"]
    assert all(e.actor_kind == "system" and e.actor_user_id is None for e in created)
    assert created[0].reason == "tsos pupils import pupils.csv, строка 2"
    assert created[0].old_value is None and created[0].new_value["grade"] == 3

    csv_path.write_text(csv_path.read_text(encoding="utf-8").replace(
        ";3;А;Образцов;", ";3;Б;Образцов;"), encoding="utf-8")
    with session_scope(database_url) as session:
        import_pupils(session, read_rows(csv_path))
    updated = _events(database_url)[2:]
    assert [(e.action, e.old_value, e.new_value) for e in updated] == [
        ("pupil.updated", {"class_letter": "А"}, {"class_letter": "Б"})]


async def test_a_pupil_added_through_the_api_is_audited_with_its_values(
        api_client, token_for, database_url) -> None:
    secretary = token_for("secretary", "SEV-0801")
    body = {"surname": "Аудитов", "name": "Пётр", "birth_date": "2017-03-04", "grade": 3,
            "class_letter": "А", "school_year": "2026/2027"}
    created = await api_client.post("/organizations/SEV-0801/pupils", headers=secretary,
                                    json=body)
    assert created.status_code == 201, created.text
    moved = await api_client.post("/organizations/SEV-0801/pupils", headers=secretary,
                                  json={**body, "grade": 4, "class_letter": "Б"})
    assert moved.status_code == 201, moved.text

    first, second = _events(database_url)
    assert first.action == "pupil.created" and first.actor_user_id is not None
    assert first.new_value["surname"] == "Аудитов" and first.old_value is None
    assert second.action == "pupil.updated"
    assert second.old_value == {"grade": 3, "class_letter": "А"}
    assert second.new_value == {"grade": 4, "class_letter": "Б"}


def test_the_audit_log_cannot_be_rewritten(database_url, demo_region, tmp_path) -> None:
    csv_path = tmp_path / "pupils.csv"
    shutil.copy(shared_path("reference", "epgu", "first-grade", "pupils-example.csv"), csv_path)
    with session_scope(database_url) as session:
        import_pupils(session, read_rows(csv_path))

    for statement in (update(AuditEvent).values(reason="переписано"), delete(AuditEvent)):
        with pytest.raises(DBAPIError, match="append-only"), \
                session_scope(database_url) as session:
            session.execute(statement)
    assert len(_events(database_url)) == 2

"""Authentication, scoping and error shape of the API, against a real database."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.asyncio


async def test_health_needs_no_token(api_client) -> None:
    response = await api_client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


async def test_missing_token_is_401_in_russian(api_client, demo_region) -> None:
    response = await api_client.get("/organizations")
    assert response.status_code == 401
    body = response.json()
    assert body["error"] == "unauthorized"
    assert "токен" in body["message"]


async def test_forged_token_is_401(api_client, demo_region, token_for) -> None:
    header = token_for("admissions_officer", "SEV-0801")["Authorization"]
    forged = header[:-4] + ("AAAA" if not header.endswith("AAAA") else "BBBB")
    response = await api_client.get("/organizations", headers={"Authorization": forged})
    assert response.status_code == 401


async def test_school_token_sees_only_its_school(api_client, token_for) -> None:
    headers = token_for("admissions_officer", "SEV-0801")

    own = await api_client.get("/organizations", headers=headers)
    assert own.status_code == 200
    assert [o["code"] for o in own.json()["items"]] == ["SEV-0801"]

    other = await api_client.get("/organizations/SEV-0802", headers=headers)
    assert other.status_code == 403
    assert other.json()["error"] == "forbidden"

    other_pupils = await api_client.get("/organizations/SEV-0802/pupils", headers=headers)
    assert other_pupils.status_code == 403


async def test_region_admin_sees_the_whole_region(api_client, token_for) -> None:
    response = await api_client.get("/organizations?limit=500",
                                    headers=token_for("region_admin"))
    assert response.status_code == 200
    assert response.json()["total"] == 70


async def test_bad_input_names_the_field_in_russian(api_client, token_for) -> None:
    headers = token_for("secretary", "SEV-0801")
    response = await api_client.post("/organizations/SEV-0801/pupils", headers=headers, json={
        "surname": "Тестов", "name": "Пётр", "birth_date": "2017-13-40", "grade": 2,
        "school_year": "2026/2027",
    })
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "invalid_input"
    assert body["fields"][0]["field"] == "birth_date"
    assert "дата рождения" in body["message"]
    assert "ГГГГ-ММ-ДД" in body["message"]


async def test_pupil_created_is_visible_to_its_school_only(api_client, token_for) -> None:
    secretary = token_for("secretary", "SEV-0801")
    created = await api_client.post("/organizations/SEV-0801/pupils", headers=secretary, json={
        "surname": "Тестов", "name": "Пётр", "birth_date": "2017-03-04", "grade": 3,
        "class_letter": "А", "school_year": "2026/2027",
    })
    assert created.status_code == 201, created.text
    pupil_id = created.json()["id"]

    same_school = await api_client.get(f"/pupils/{pupil_id}", headers=secretary)
    assert same_school.status_code == 200
    assert same_school.json()["surname"] == "Тестов"

    elsewhere = await api_client.get(f"/pupils/{pupil_id}",
                                     headers=token_for("secretary", "SEV-0802"))
    assert elsewhere.status_code == 403

    stranger_guardian = await api_client.get(f"/pupils/{pupil_id}",
                                             headers=token_for("guardian", "SEV-0801"))
    assert stranger_guardian.status_code == 403


async def test_teacher_cannot_create_pupils(api_client, token_for) -> None:
    response = await api_client.post(
        "/organizations/SEV-0801/pupils", headers=token_for("teacher", "SEV-0801"),
        json={"surname": "А", "name": "Б", "birth_date": "2017-01-01", "grade": 1,
              "school_year": "2026/2027"})
    assert response.status_code == 403

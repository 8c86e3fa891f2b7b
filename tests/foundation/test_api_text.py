"""What a person reads from the API: body errors in Russian, docs that work offline."""

from __future__ import annotations

import re


async def test_malformed_and_missing_bodies_are_named_in_russian(api_client,
                                                                 token_for) -> None:
    headers = {**token_for("secretary", "SEV-0801"), "Content-Type": "application/json"}

    broken = await api_client.post("/organizations/SEV-0801/pupils", headers=headers,
                                   content='{"surname": "Тестов",'.encode())
    assert broken.status_code == 422
    assert broken.json()["message"] == "Тело запроса не является корректным JSON."
    assert broken.json()["fields"][0]["field"] == "body"
    assert broken.json()["fields"][0]["name"] == "тело запроса"

    missing = await api_client.post("/organizations/SEV-0801/pupils", headers=headers)
    assert missing.status_code == 422
    assert missing.json()["message"] == "Тело запроса не передано (ожидается JSON)."

    a_list = await api_client.post("/organizations/SEV-0801/pupils", headers=headers,
                                   json=[1, 2])
    assert a_list.status_code == 422
    assert a_list.json()["message"].startswith("Тело запроса: ")


async def test_the_docs_load_nothing_from_another_host(api_client) -> None:
    for page in ("/docs", "/redoc"):
        html = (await api_client.get(page)).text
        assert not re.search(r"(src|href)=\"?(https?:)?//", html), page
        assets = re.findall(r"(?:src|href)=\"([^\"]+)\"", html)
        assert assets, page
        for asset in assets:
            loaded = await api_client.get(asset)
            assert loaded.status_code == 200 and len(loaded.content) > 1000, asset
    assert "/openapi.json" in (await api_client.get("/docs")).text

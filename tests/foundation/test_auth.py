"""Tokens: the demo login, the provider's (OIDC) tokens and malformed ones, through the API."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import jwt
import pytest
import pytest_asyncio
from cryptography.hazmat.primitives.asymmetric import rsa
from pydantic import ValidationError

from api.app import create_app
from tsos.settings import DEVELOPMENT_JWT_SECRET, Settings

ISSUER = "https://sso.region.test/realms/tsos"
AUDIENCE = "tsos-portal"


@pytest_asyncio.fixture
async def client_with(database_url, temporal_env, queue_names):  # type: ignore[no-untyped-def]
    """client_with(settings) -> an API client of an app made with these settings."""
    clients: list[httpx.AsyncClient] = []

    async def make(settings: Settings) -> httpx.AsyncClient:
        app = create_app(settings, database_url, temporal_client=temporal_env.client,
                         queue_names=queue_names)
        client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                   base_url="http://tsos.test")
        clients.append(client)
        return client

    yield make
    for client in clients:
        await client.aclose()


async def test_demo_login_issues_a_working_token(api_client, demo_region) -> None:
    login = await api_client.post("/auth/demo-login", json={
        "role": "admissions_officer", "organization_code": "SEV-0801"})
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]

    own = await api_client.get("/organizations",
                               headers={"Authorization": f"Bearer {token}"})
    assert [o["code"] for o in own.json()["items"]] == ["SEV-0801"]


async def test_demo_login_is_refused_when_demo_auth_is_off(client_with, settings,
                                                           demo_region) -> None:
    client = await client_with(settings.model_copy(update={"demo_auth": False}))
    refused = await client.post("/auth/demo-login", json={
        "role": "admissions_officer", "organization_code": "SEV-0801"})
    assert refused.status_code == 403
    assert refused.json()["error"] == "forbidden"
    assert "Демо-вход отключён" in refused.json()["message"]


async def test_a_signed_token_with_a_malformed_subject_is_401(api_client, settings,
                                                              demo_region) -> None:
    now = int(time.time())
    for subject in ("admin", "12a", "99999999999999999999", ""):
        token = jwt.encode({"sub": subject, "iss": settings.jwt_issuer,
                            "aud": settings.jwt_audience, "iat": now, "exp": now + 600},
                           settings.jwt_secret, algorithm="HS256")
        response = await api_client.get("/auth/me",
                                        headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401, subject


# --- OIDC ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def provider_key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@pytest.fixture
def jwks_url(provider_key) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """The provider's JWKS, served on loopback as an identity provider would."""
    jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(provider_key.public_key()))
    body = json.dumps({"keys": [{**jwk, "kid": "k1", "use": "sig", "alg": "RS256"}]}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/certs"
    server.shutdown()
    server.server_close()


@pytest_asyncio.fixture
async def oidc_client(client_with, settings, jwks_url) -> AsyncIterator[httpx.AsyncClient]:  # type: ignore[no-untyped-def]
    yield await client_with(settings.model_copy(update={
        "oidc_jwks_url": jwks_url, "oidc_issuer": ISSUER, "oidc_audience": AUDIENCE}))


def _provider_token(key, **overrides) -> str:  # type: ignore[no-untyped-def]
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "f3c1-user-uuid",
              "preferred_username": "secretary.1.sev-0801", "iat": now, "exp": now + 300}
    claims.update(overrides)
    return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "k1"})


async def test_provider_token_of_a_known_user_is_accepted(oidc_client, provider_key,
                                                          demo_region) -> None:
    response = await oidc_client.get("/auth/me", headers={
        "Authorization": f"Bearer {_provider_token(provider_key)}"})
    assert response.status_code == 200, response.text
    assert response.json()["login"] == "secretary.1.sev-0801"
    assert response.json()["organization_code"] == "SEV-0801"


@pytest.mark.parametrize("claims", [
    {"iss": "https://elsewhere.test/realms/tsos"},
    {"aud": "another-client"},
    {"exp": int(time.time()) - 3600, "iat": int(time.time()) - 7200},
    {"preferred_username": "nobody.we.know"},
    {"preferred_username": None},
], ids=["wrong issuer", "wrong audience", "expired", "unknown user", "no username"])
async def test_provider_token_is_refused(oidc_client, provider_key, demo_region,
                                         claims) -> None:
    token = _provider_token(provider_key, **claims)
    response = await oidc_client.get("/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"


async def test_a_token_signed_by_another_key_is_refused(oidc_client, demo_region) -> None:
    stranger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    response = await oidc_client.get("/auth/me", headers={
        "Authorization": f"Bearer {_provider_token(stranger)}"})
    assert response.status_code == 401


# --- settings -----------------------------------------------------------------------


def test_production_refuses_the_development_key_and_demo_login() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(TSOS_ENV="production", TSOS_DEMO_AUTH=False)
    assert "TSOS_JWT_SECRET" in str(refused.value)
    assert DEVELOPMENT_JWT_SECRET not in str(refused.value)

    with pytest.raises(ValidationError) as refused:
        Settings(TSOS_ENV="production", TSOS_JWT_SECRET="s" * 40, TSOS_DEMO_AUTH=True)
    assert "TSOS_DEMO_AUTH" in str(refused.value)

    production = Settings(TSOS_ENV="production", TSOS_JWT_SECRET="s" * 40,
                          TSOS_DEMO_AUTH=False)
    assert production.environment == "production"


def test_a_provider_is_trusted_only_with_its_issuer() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(TSOS_OIDC_JWKS_URL="http://127.0.0.1:1/certs")
    assert "TSOS_OIDC_ISSUER" in str(refused.value)

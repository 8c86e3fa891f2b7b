"""Bearer tokens: JWTs signed with the deployment's key, or an OIDC provider's (by JWKS)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from tsos.settings import Settings


class TokenInvalid(Exception):
    pass


def issue_token(settings: Settings, *, user_id: int, login: str, role: str,
                now: datetime | None = None) -> str:
    issued = now or datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "login": login,
        "role": role,
        "iss": settings.jwt_issuer,
        "aud": settings.jwt_audience,
        "iat": int(issued.timestamp()),
        "exp": int((issued + timedelta(minutes=settings.jwt_ttl_minutes)).timestamp()),
    }
    return jwt.encode(claims, settings.jwt_secret, algorithm="HS256")


@lru_cache(maxsize=4)
def _jwks_client(url: str) -> jwt.PyJWKClient:
    return jwt.PyJWKClient(url, cache_keys=True)


def decode_token(settings: Settings, token: str) -> dict[str, Any]:
    """Our own HS256 tokens; with an OIDC JWKS configured, also the provider's RS/ES tokens."""
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") == "HS256":
            return jwt.decode(token, settings.jwt_secret, algorithms=["HS256"],
                              audience=settings.jwt_audience, issuer=settings.jwt_issuer)
        if settings.oidc_jwks_url:
            key = _jwks_client(settings.oidc_jwks_url).get_signing_key_from_jwt(token)
            return jwt.decode(token, key.key, algorithms=["RS256", "ES256"],
                              audience=settings.jwt_audience)
    except jwt.PyJWTError as exc:
        raise TokenInvalid(str(exc)) from exc
    raise TokenInvalid(f"unsupported algorithm {header.get('alg')}")

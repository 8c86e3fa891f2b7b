"""Bearer tokens: JWTs signed with the deployment's key, or an OIDC provider's (by JWKS)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

import jwt

from tsos.settings import Settings

# Claims without which a token is refused, whoever issued it.
REQUIRED_CLAIMS = ["exp", "iss", "aud"]


class TokenInvalid(Exception):
    pass


@dataclass(frozen=True)
class VerifiedToken:
    """A token whose signature, issuer, audience and lifetime were checked."""

    claims: dict[str, Any]
    # True for our own HS256 tokens (`sub` is a user id), False for the OIDC provider's
    # (the user is found by `preferred_username`).
    own: bool


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
    return jwt.PyJWKClient(url, cache_keys=True, timeout=10)


def decode_token(settings: Settings, token: str) -> VerifiedToken:
    """Our own HS256 tokens; with an OIDC provider configured, also its RS/ES tokens, of
    its issuer and for our audience only."""
    options = {"require": REQUIRED_CLAIMS}
    try:
        header = jwt.get_unverified_header(token)
        if header.get("alg") == "HS256":
            claims = jwt.decode(token, settings.jwt_secret, algorithms=["HS256"],
                                audience=settings.jwt_audience, issuer=settings.jwt_issuer,
                                options=options)
            return VerifiedToken(claims, own=True)
        if settings.oidc_jwks_url and settings.oidc_issuer:
            key = _jwks_client(settings.oidc_jwks_url).get_signing_key_from_jwt(token)
            claims = jwt.decode(token, key.key, algorithms=["RS256", "ES256"],
                                audience=settings.oidc_audience or settings.jwt_audience,
                                issuer=settings.oidc_issuer, options=options)
            return VerifiedToken(claims, own=False)
    except jwt.PyJWTError as exc:
        raise TokenInvalid(str(exc)) from exc
    raise TokenInvalid(f"unsupported algorithm {header.get('alg')}")

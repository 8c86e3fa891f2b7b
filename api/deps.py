"""Request-scoped dependencies: settings, database session, the caller."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import Forbidden, Unauthorized
from domain.access import Principal
from tsos.db.models import GuardianLink, Organization, User
from tsos.db.session import session_scope
from tsos.settings import Settings
from tsos.tokens import TokenInvalid, VerifiedToken, decode_token

_bearer = HTTPBearer(auto_error=False, description="Токен доступа (JWT)")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


def get_session(request: Request) -> Iterator[Session]:
    with session_scope(request.app.state.database_url) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]


def current_principal(
    settings: SettingsDep,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Principal:
    if credentials is None:
        raise Unauthorized()
    try:
        token = decode_token(settings, credentials.credentials)
    except TokenInvalid:
        raise Unauthorized() from None

    # The user is read on every request: a deactivated user or a revoked link stops at once.
    user = _user_of(session, token)
    if user is None or not user.is_active:
        raise Unauthorized()

    children: frozenset[int] = frozenset()
    if user.role == "guardian" and user.person_id is not None:
        children = frozenset(session.scalars(
            select(GuardianLink.child_person_id).where(
                GuardianLink.guardian_person_id == user.person_id,
                GuardianLink.revoked_at.is_(None),
            )
        ))
    org_code = None
    if user.organization_id is not None:
        org_code = session.scalar(
            select(Organization.code).where(Organization.id == user.organization_id)
        )
    return Principal(
        user_id=user.id, login=user.login, role=str(user.role),
        organization_id=user.organization_id, organization_code=org_code,
        person_id=user.person_id, children_person_ids=children,
    )


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def _user_of(session: Session, token: VerifiedToken) -> User | None:
    if token.own:
        subject = str(token.claims.get("sub", ""))
        # A signed token with a malformed subject is still nobody we know.
        if not (subject.isascii() and subject.isdigit() and int(subject) < 2**31):
            return None
        return session.get(User, int(subject))
    login = token.claims.get("preferred_username")
    if not isinstance(login, str) or not login:
        return None
    return session.scalar(select(User).where(User.login == login))


def require_roles(*roles: str):  # type: ignore[no-untyped-def]
    allowed = frozenset(roles)

    def check(principal: PrincipalDep) -> Principal:
        if principal.role not in allowed:
            raise Forbidden("Эта операция недоступна для вашей роли.")
        return principal

    return Depends(check)

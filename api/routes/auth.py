"""Demo login and the caller's own profile."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import Forbidden, InvalidInput
from tsos.db.models import Organization, Person, Pupil
from tsos.demo.users import DemoUserError, ensure_demo_user
from tsos.tokens import issue_token

router = APIRouter(prefix="/auth", tags=["Вход"])


class DemoLogin(BaseModel):
    role: str = Field(description="Роль: region_admin, admissions_officer, secretary, …")
    organization_code: str | None = Field(None, description="Код организации, например SEV-0801")


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    login: str
    role: str


@router.post("/demo-login", response_model=TokenOut, summary="Вход демо-пользователя")
def demo_login(body: DemoLogin, settings: SettingsDep, session: SessionDep) -> TokenOut:
    if not settings.demo_auth:
        raise Forbidden("Демо-вход отключён в этой установке.")
    try:
        user = ensure_demo_user(session, body.role, body.organization_code)
    except DemoUserError as exc:
        raise InvalidInput(str(exc), fields=[{"field": "role", "name": "роль",
                                              "message": str(exc)}]) from None
    token = issue_token(settings, user_id=user.id, login=user.login, role=str(user.role))
    return TokenOut(access_token=token, login=user.login, role=str(user.role))


class MyPupil(BaseModel):
    pupil_id: int
    surname: str
    name: str
    organization_code: str
    grade: int
    class_letter: str | None


class Me(BaseModel):
    user_id: int
    login: str
    role: str
    organization_code: str | None
    pupils: list[MyPupil] = Field(
        default_factory=list,
        description="Чей дневник доступен: свой — ученику, детей — родителю")


@router.get("/me", response_model=Me, summary="Кто я")
def me(principal: PrincipalDep, session: SessionDep) -> Me:
    persons = set(principal.children_person_ids) if principal.role == "guardian" else (
        {principal.person_id} if principal.role == "pupil" and principal.person_id else set())
    rows = session.execute(
        select(Pupil, Person, Organization.code)
        .join(Person, Person.id == Pupil.person_id)
        .join(Organization, Organization.id == Pupil.organization_id)
        .where(Pupil.person_id.in_(persons), Pupil.left_on.is_(None))
        .order_by(Person.surname, Person.name)) if persons else []
    return Me(user_id=principal.user_id, login=principal.login, role=principal.role,
              organization_code=principal.organization_code,
              pupils=[MyPupil(pupil_id=pupil.id, surname=person.surname, name=person.name,
                              organization_code=code, grade=pupil.grade,
                              class_letter=pupil.class_letter)
                      for pupil, person, code in rows])

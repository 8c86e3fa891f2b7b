"""The region's organizations and their pupils, scoped to what the caller may see."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Generic, TypeVar

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import exists, func, select

from api.deps import PrincipalDep, SessionDep, require_roles
from api.errors import Conflict, Forbidden, NotFound, register_field_names
from domain.access import can_see_organization, can_see_pupil, visible_organization_ids
from tsos.contingent import PupilRecord, save_pupil
from tsos.db.gradebook import ClassMembership
from tsos.db.models import Organization, Person, Pupil
from tsos.gradebook.access import pupils_taught_by

router = APIRouter(tags=["Организации и контингент"])

T = TypeVar("T")

register_field_names({
    "surname": "фамилия", "name": "имя", "patronymic": "отчество",
    "birth_date": "дата рождения", "grade": "параллель", "class_letter": "буква класса",
    "school_year": "учебный год", "address": "адрес",
})


class OrganizationOut(BaseModel):
    code: str
    name: str
    kind: str
    address: str
    oktmo: str
    inn: str | None
    ogrn: str | None
    kpp: str | None
    founder_name: str | None


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    offset: int
    limit: int


def _org_out(org: Organization) -> OrganizationOut:
    return OrganizationOut(code=org.code, name=org.name, kind=str(org.kind),
                           address=org.address, oktmo=org.oktmo, inn=org.inn, ogrn=org.ogrn,
                           kpp=org.kpp, founder_name=org.founder_name)


def load_visible_organization(session: SessionDep, principal: PrincipalDep,
                              code: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.code == code))
    if org is None:
        raise NotFound(f"Организация с кодом «{code}» не найдена.")
    if not can_see_organization(principal, org.id):
        raise Forbidden("Нет доступа к данным этой организации.")
    return org


@router.get("/organizations", response_model=Page[OrganizationOut],
            summary="Организации, доступные пользователю")
def list_organizations(
    session: SessionDep, principal: PrincipalDep,
    kind: str | None = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[OrganizationOut]:
    query = select(Organization)
    visible = visible_organization_ids(principal)
    if visible is not None:
        query = query.where(Organization.id.in_(visible))
    if kind:
        query = query.where(Organization.kind == kind)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(query.order_by(Organization.code).offset(offset).limit(limit))
    return Page(items=[_org_out(o) for o in rows], total=total, offset=offset, limit=limit)


@router.get("/organizations/{code}", response_model=OrganizationOut,
            summary="Карточка организации")
def get_organization(code: str, session: SessionDep,
                     principal: PrincipalDep) -> OrganizationOut:
    return _org_out(load_visible_organization(session, principal, code))


class PupilOut(BaseModel):
    id: int
    surname: str
    name: str
    patronymic: str | None
    birth_date: date | None
    grade: int
    class_letter: str | None
    school_year: str
    organization_code: str
    left_on: date | None


def _pupil_out(pupil: Pupil) -> PupilOut:
    person = pupil.person
    return PupilOut(id=pupil.id, surname=person.surname, name=person.name,
                    patronymic=person.patronymic, birth_date=person.birth_date,
                    grade=pupil.grade, class_letter=pupil.class_letter,
                    school_year=pupil.school_year, organization_code=pupil.organization.code,
                    left_on=pupil.left_on)


@router.get("/organizations/{code}/pupils", response_model=Page[PupilOut],
            summary="Обучающиеся организации")
def list_pupils(
    code: str, session: SessionDep, principal: PrincipalDep,
    grade: Annotated[int | None, Query(ge=0, le=11)] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> Page[PupilOut]:
    org = load_visible_organization(session, principal, code)
    query = select(Pupil).join(Person).where(Pupil.organization_id == org.id)
    if principal.role == "teacher":
        query = query.where(Pupil.id.in_(pupils_taught_by(principal.user_id)))
    if grade is not None:
        query = query.where(Pupil.grade == grade)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = session.scalars(
        query.order_by(Pupil.grade, Pupil.class_letter, Person.surname, Person.name)
        .offset(offset).limit(limit)
    )
    return Page(items=[_pupil_out(p) for p in rows], total=total, offset=offset, limit=limit)


class PupilIn(BaseModel):
    surname: str = Field(min_length=1, max_length=100)
    name: str = Field(min_length=1, max_length=100)
    patronymic: str | None = Field(None, max_length=100)
    birth_date: date
    grade: int = Field(ge=0, le=11)
    class_letter: str | None = Field(None, max_length=4)
    school_year: str = Field(pattern=r"^\d{4}/\d{4}$")
    address: str | None = Field(None, max_length=500)

    @field_validator("birth_date")
    @classmethod
    def _plausible(cls, value: date) -> date:
        if value > date.today():
            raise ValueError("дата рождения не может быть в будущем")
        if value.year < 1900:
            raise ValueError("дата рождения раньше 1900 года")
        return value


@router.post("/organizations/{code}/pupils", response_model=PupilOut, status_code=201,
             summary="Добавить обучающегося (или обновить по ФИО и дате рождения)",
             dependencies=[require_roles("region_admin", "school_head", "deputy_head",
                                         "secretary")])
def create_pupil(code: str, body: PupilIn, session: SessionDep,
                 principal: PrincipalDep) -> PupilOut:
    org = load_visible_organization(session, principal, code)
    record = PupilRecord(school_code=org.code, **body.model_dump())
    outcome, pupil = save_pupil(session, org, record, actor=principal)
    if outcome == "unchanged":
        raise Conflict("Такой обучающийся уже есть в контингенте школы.")
    return _pupil_out(pupil)


@router.get("/pupils/{pupil_id}", response_model=PupilOut, summary="Карточка обучающегося")
def get_pupil(pupil_id: int, session: SessionDep, principal: PrincipalDep) -> PupilOut:
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise NotFound("Обучающийся не найден.")
    taught = principal.role == "teacher" and session.scalar(
        select(exists(pupils_taught_by(principal.user_id).where(
            ClassMembership.pupil_id == pupil.id))))
    if not can_see_pupil(principal, organization_id=pupil.organization_id,
                         person_id=pupil.person_id, taught=bool(taught)):
        raise Forbidden("Нет доступа к данным этого обучающегося.")
    return _pupil_out(pupil)

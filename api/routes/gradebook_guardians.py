"""Guardian links: who reads a child's diary, and correcting a link made from wrong data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import register_field_names
from api.routes.gradebook_common import GradebookRoute
from domain.enrollment.application import ApplicantKind
from tsos.db.models import GuardianLink, Person, Pupil
from tsos.gradebook import guardians
from tsos.gradebook.errors import NotFound

router = APIRouter(prefix="/gradebook", tags=["Родители и дневник"], route_class=GradebookRoute)

register_field_names({"replacement": "исправленная связь", "guardian_person_id": "родитель",
                      "child_pupil_id": "обучающийся", "kind": "кем приходится"})


class GuardianLinkOut(BaseModel):
    id: int
    guardian_person_id: int
    guardian_name: str
    child_person_id: int
    kind: str
    kind_title: str
    active: bool
    revoked_at: datetime | None


class ReplacementIn(BaseModel):
    guardian_person_id: int | None = None
    child_pupil_id: int | None = None
    kind: ApplicantKind | None = None


class LinkCorrectionIn(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)
    # The link as it should have been; without it the wrong link is only revoked.
    replacement: ReplacementIn | None = None


class LinkCorrectionOut(BaseModel):
    revoked: GuardianLinkOut
    corrected: GuardianLinkOut | None


def _out(session: SessionDep, link: GuardianLink) -> GuardianLinkOut:
    person = session.get(Person, link.guardian_person_id)
    assert person is not None
    name = " ".join(part for part in (person.surname, person.name, person.patronymic) if part)
    kind = ApplicantKind(link.kind)
    return GuardianLinkOut(id=link.id, guardian_person_id=link.guardian_person_id,
                           guardian_name=name, child_person_id=link.child_person_id,
                           kind=kind.value, kind_title=guardians.KIND_TITLES_RU[kind],
                           active=link.revoked_at is None, revoked_at=link.revoked_at)


def _child(session: SessionDep, pupil_id: int) -> int:
    pupil = session.get(Pupil, pupil_id)
    if pupil is None:
        raise NotFound("Обучающийся не найден")
    return pupil.person_id


@router.get("/pupils/{pupil_id}/guardian-links", response_model=list[GuardianLinkOut],
            summary="Родители обучающегося (и отозванные связи)")
def guardian_links(pupil_id: int, session: SessionDep,
                   principal: PrincipalDep) -> list[GuardianLinkOut]:
    links = guardians.links_of_child(session, principal, _child(session, pupil_id))
    return [_out(session, link) for link in links]


@router.post("/guardian-links/{link_id}/correction", response_model=LinkCorrectionOut,
             summary="Исправить связь родителя с обучающимся: отозвать (и создать верную)")
def correct_guardian_link(link_id: int, body: LinkCorrectionIn, session: SessionDep,
                          settings: SettingsDep,
                          principal: PrincipalDep) -> LinkCorrectionOut:
    replacement = None
    if body.replacement is not None:
        wanted = body.replacement
        replacement = guardians.Replacement(
            guardian_person_id=wanted.guardian_person_id,
            child_person_id=None if wanted.child_pupil_id is None
            else _child(session, wanted.child_pupil_id),
            kind=wanted.kind)
    revoked, corrected = guardians.correct_link(
        session, principal, link_id, reason=body.reason,
        at=datetime.now(ZoneInfo(settings.region_time_zone)), replacement=replacement)
    return LinkCorrectionOut(revoked=_out(session, revoked),
                             corrected=None if corrected is None else _out(session, corrected))

"""Who may see what: the scoping rules every endpoint applies, as plain functions."""

from __future__ import annotations

from dataclasses import dataclass, field

REGION_ROLES = frozenset({"region_admin", "founder_officer"})
SCHOOL_STAFF_ROLES = frozenset(
    {"school_head", "deputy_head", "admissions_officer", "secretary", "teacher"}
)
# Staff who see every pupil of their school, not only the ones they teach.
SCHOOL_WIDE_ROLES = frozenset({"school_head", "deputy_head", "admissions_officer", "secretary"})


@dataclass(frozen=True)
class Principal:
    user_id: int
    login: str
    role: str
    organization_id: int | None = None
    organization_code: str | None = None
    person_id: int | None = None
    # For guardians: the persons of their children (active links only).
    children_person_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def is_region_wide(self) -> bool:
        return self.role in REGION_ROLES


def can_see_organization(principal: Principal, organization_id: int) -> bool:
    if principal.is_region_wide:
        return True
    return principal.organization_id == organization_id and (
        principal.role in SCHOOL_STAFF_ROLES
    )


def can_see_pupil(principal: Principal, *, organization_id: int, person_id: int,
                  taught: bool = False) -> bool:
    """`taught`: the pupil is on the roster of a class the caller (a teacher) teaches or
    leads, by the gradebook's teaching loads."""
    if principal.is_region_wide:
        return True
    if principal.role in SCHOOL_WIDE_ROLES:
        return principal.organization_id == organization_id
    if principal.role == "teacher":
        return principal.organization_id == organization_id and taught
    if principal.role == "guardian":
        return person_id in principal.children_person_ids
    if principal.role == "pupil":
        return principal.person_id == person_id
    return False


def visible_organization_ids(principal: Principal) -> set[int] | None:
    """None means every organization of the region."""
    if principal.is_region_wide:
        return None
    if principal.organization_id is not None and principal.role in SCHOOL_STAFF_ROLES:
        return {principal.organization_id}
    return set()

"""Who may see and act on first-grade applications, and how a person signs a workflow step."""

from __future__ import annotations

from sqlalchemy.orm import Session

from api.errors import Forbidden
from domain.access import Principal, can_see_organization
from tsos.db.models import User
from tsos.demo.users import ROLE_TITLES_RU

# The school's admissions staff and the region's roles (all schools).
VIEW_ROLES = ("admissions_officer", "school_head", "deputy_head", "region_admin",
              "founder_officer")
# Steps the school takes on an application, and its early close of wave 1.
SCHOOL_STEP_ROLES = ("admissions_officer", "school_head", "deputy_head")
# The founder's permission for a child under 6 y 6 m or 8 and over (region acts as founder).
FOUNDER_ROLES = ("founder_officer", "region_admin")
# An enrollment order is a decision of the school's head (or the deputy acting for them).
ORDER_SIGN_ROLES = ("school_head", "deputy_head")
# Names, documents and addresses of children and applicants. Every viewing role decides on
# applications today; a role added to VIEW_ROLES later sees no personal data until listed.
PERSONAL_DATA_ROLES = frozenset(VIEW_ROLES)

# Event actors and signers are stored in columns of these widths.
_ACTOR_WIDTH = 120


def may_see_personal_data(principal: Principal) -> bool:
    return principal.role in PERSONAL_DATA_ROLES


def check_school(principal: Principal, organization_id: int) -> None:
    """403 unless the caller works at this school or for the whole region."""
    if not can_see_organization(principal, organization_id):
        raise Forbidden("Нет доступа к заявлениям и приёму этой школы.")


def actor_of(session: Session, principal: Principal) -> str:
    """«Директор Иванов И. И.»: the role title and the person, as the history shows them."""
    user = session.get(User, principal.user_id)
    name = (user.display_name if user is not None else "") or principal.login
    title = ROLE_TITLES_RU.get(principal.role, principal.role)
    # Demo users are named after their role already («Директор (SEV-0801)»).
    actor = name if name.startswith(title) else f"{title} {name}"
    return actor[:_ACTOR_WIDTH]

"""Demo and test users: created on demand, one per role and organization."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.access import REGION_ROLES
from tsos.db.models import Organization, Role, User

ROLE_TITLES_RU = {
    "region_admin": "Администратор региона",
    "founder_officer": "Специалист учредителя",
    "school_head": "Директор",
    "deputy_head": "Заместитель директора",
    "admissions_officer": "Специалист по приёму",
    "secretary": "Секретарь",
    "teacher": "Учитель",
    "social_agency": "Специалист органа соцзащиты",
    "guardian": "Родитель",
    "pupil": "Обучающийся",
}


class DemoUserError(ValueError):
    pass


def ensure_demo_user(session: Session, role: str, organization_code: str | None) -> User:
    try:
        Role(role)
    except ValueError:
        raise DemoUserError(
            f"Неизвестная роль «{role}». Допустимые: {', '.join(r.value for r in Role)}."
        ) from None

    org: Organization | None = None
    if role not in REGION_ROLES and role != "social_agency":
        if not organization_code:
            raise DemoUserError(f"Для роли «{role}» нужен код организации (--org).")
        org = session.scalar(select(Organization).where(Organization.code == organization_code))
        if org is None:
            raise DemoUserError(f"Организация с кодом «{organization_code}» не найдена.")

    login = f"demo.{role}" + (f".{org.code.lower()}" if org else "")
    user = session.scalar(select(User).where(User.login == login))
    if user is None:
        title = ROLE_TITLES_RU[role] + (f" ({org.code})" if org else "")
        user = User(login=login, display_name=title, role=Role(role),
                    organization_id=org.id if org else None, is_demo=True, is_active=True)
        session.add(user)
        session.flush()
    return user

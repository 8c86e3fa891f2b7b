"""What the certificate routes share: who may act, rule errors as API errors, the context."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError

from activities.certificates.context import CertContext, CertificateRuleError
from api.errors import ApiError, Forbidden
from api.workflow_errors import translating_route, update_refused
from domain.access import Principal
from tsos.db.models import Organization
from tsos.settings import Settings

# The secretary runs the process; the head may do all the secretary does.
STAFF_ROLES = frozenset({"secretary", "school_head"})
# The deputy head answers mark issues and may read the wizard.
READ_ROLES = frozenset({"secretary", "school_head", "deputy_head"})

FIELD_NAMES_RU = {
    "school_class_id": "класс",
    "graduation_year": "год выпуска",
    "pupil_ids": "обучающиеся",
    "certificate_id": "документ",
    "line_code": "строка аттестата",
    "description": "описание ошибки",
    "confirm_warnings": "подтверждение предупреждений",
    "with_supplements": "бланки приложений",
    "issue_date": "дата выдачи",
    "head_name": "руководитель",
    "act_number": "номер акта",
    "act_date": "дата акта",
    "reason": "причина",
    "method": "способ выдачи",
    "handed_over_on": "дата передачи",
    "order_number": "номер приказа",
    "order_date": "дата приказа",
    "proxy_name": "доверенное лицо",
    "proxy_document": "доверенность",
    "postal_item_number": "номер почтового отправления",
    "posted_on": "дата отправления",
    "ground": "основание",
    "disposition": "судьба оригинала",
    "corrections": "исправления отметок",
    "kind": "вид бланков",
    "first_number": "первый номер",
    "last_number": "последний номер",
    "received_on": "дата поступления",
    "document": "документ поступления",
    "file": "файл",
    "offset_x_mm": "смещение по горизонтали",
    "offset_y_mm": "смещение по вертикали",
    "scale": "масштаб",
    "resolution": "ответ",
    "correction_request_id": "запрос на исправление",
    "frdo": "выгрузка ФРДО",
    "blank_number": "номер бланка",
    "mapping": "соответствие строк",
}


def rule_error(error: CertificateRuleError) -> ApiError:
    fields = []
    if error.field:
        fields.append({"field": error.field,
                       "name": FIELD_NAMES_RU.get(error.field, error.field),
                       "message": error.message})
    fields += [{"field": error.field or "body", "name": "строка", "message": d}
               for d in error.details]
    result = ApiError(error.message, code=error.code, fields=fields)
    result.status_code = error.status
    return result


def update_error(error: WorkflowUpdateFailedError) -> ApiError:
    """The workflow's refusal (a step out of turn, a rule) as 409/422/404; else 503."""
    return update_refused(error, render=lambda refusal: rule_error(CertificateRuleError(
        refusal.message, code=refusal.code or "step_not_allowed", status=refusal.status,
        field=refusal.field, details=refusal.details)),
        unavailable="Шаг не выполнен: сервис временно недоступен, повторите попытку.")


# Routes whose services raise CertificateRuleError: rendered as {error, message, fields}.
CertificateRoute = translating_route(CertificateRuleError, rule_error)


def require_staff(principal: Principal, organization_id: int | None = None,
                  roles: frozenset[str] = STAFF_ROLES) -> int:
    """The caller's school, if their role runs certificates there; 403 otherwise."""
    if principal.role not in roles or principal.organization_id is None:
        raise Forbidden("Аттестаты оформляют секретарь и директор своей школы.")
    if organization_id is not None and organization_id != principal.organization_id:
        raise Forbidden("Документы другой школы недоступны.")
    return principal.organization_id


def school_zone(session: Session, settings: Settings, organization_id: int) -> str:
    zone = session.scalar(select(Organization.time_zone).where(
        Organization.id == organization_id))
    return zone or settings.region_time_zone


def organization_code(session: Session, organization_id: int) -> str:
    code = session.scalar(select(Organization.code).where(Organization.id == organization_id))
    assert code is not None
    return code


def cert_context(session: Session, settings: Settings, principal: Principal,
                 roles: frozenset[str] = STAFF_ROLES) -> CertContext:
    organization_id = require_staff(principal, roles=roles)
    zone = ZoneInfo(school_zone(session, settings, organization_id))
    return CertContext(session, organization_id, principal.user_id, principal.role,
                       datetime.now(zone))

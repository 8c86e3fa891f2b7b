"""What the certificate routes share: who may act, rule errors as API errors, the context."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi.exceptions import RequestValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session
from temporalio.client import WorkflowUpdateFailedError

from activities.certificates.context import CertContext, CertificateRuleError
from api.errors import ApiError, Forbidden, InvalidInput, validation_fields
from api.workflow_errors import translating_route, update_refused
from domain.access import Principal
from domain.certificates.blanks import BlankKind
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
    "kind": "вид бланка",
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
    "level": "уровень образования",
    "fmt": "формат файла",
    "status": "состояние",
    "term_kind": "периоды 10–11 классов",
    "mapping_name": "соответствие строк",
    "value": "отметка",
    "subject": "предмет",
    "form": "форма экзамена",
    "mark": "отметка",
    "score": "тестовый балл",
    "primary_points": "первичный балл",
    "minimum": "минимальный балл",
    "is_retake": "пересдача",
    "exam_date": "дата экзамена",
    "pupil_id": "обучающийся",
    "as_of": "дата сверки",
    "counted": "пересчитанные бланки",
    "corrected_inputs": "исправленные отметки",
    "grade": "класс",
    "period": "период",
    "issue_ids": "замечания к отметкам",
}

# Codes the API takes, with what they mean: an error lists them with these words.
VALUE_LABELS_RU = {
    **{kind.value: kind.label for kind in BlankKind},
    "in_person": "лично", "proxy": "по доверенности", "post": "почтой",
    "loss": "утрата", "damage": "порча", "error_after_issue": "ошибка после выдачи",
    "name_change": "изменение ФИО",
    "lost": "утрачен", "exchanged": "обменян", "destroyed": "уничтожен",
    "half_year": "полугодия", "quarter": "четверти", "trimester": "триместры",
    "open": "без ответа", "corrected": "исправлено", "rejected": "отклонено",
    "pdf": "PDF", "xlsx": "XLSX", "passed": "зачтено",
    "oge": "ОГЭ", "ege": "ЕГЭ", "gve": "ГВЭ",
    "h1": "1 полугодие", "h2": "2 полугодие", "q1": "1 четверть", "q2": "2 четверть",
    "q3": "3 четверть", "q4": "4 четверть", "t1": "1 триместр", "t2": "2 триместр",
    "t3": "3 триместр", "year": "год",
}
# "basic" is both a blank kind and a level: the level's meaning is given by the field.
_LEVEL_LABELS_RU = {"basic": "основное общее образование (9 класс)",
                    "secondary": "среднее общее образование (11 класс)"}
_EXPECTED = re.compile(r"'([^']*)'")


def _allowed_ru(field: str, expected: str) -> str:
    labels = _LEVEL_LABELS_RU if field == "level" else VALUE_LABELS_RU
    codes = _EXPECTED.findall(expected)
    return "; ".join(f"{code} — {labels[code]}" if code in labels else code
                     for code in codes)


def validation_error(error: RequestValidationError) -> ApiError:
    """Pydantic's refusal in this area's words: Russian field names and allowed values."""
    raw = list(error.errors())
    fields = validation_fields(raw)
    for item, found in zip(fields, raw, strict=True):
        leaf = item["field"].split(".")[-1]
        item["name"] = FIELD_NAMES_RU.get(leaf, item["name"])
        if found.get("type") in ("enum", "literal_error"):
            expected = str((found.get("ctx") or {}).get("expected", ""))
            item["message"] = f"допустимые значения: {_allowed_ru(leaf, expected)}"
    first = fields[0] if fields else {"name": "запрос", "message": "ошибка"}
    return InvalidInput(f"Ошибка в поле «{first['name']}»: {first['message']}.",
                        fields=fields)


def rule_error(error: CertificateRuleError) -> ApiError:
    fields = []
    if error.field:
        fields.append({"field": error.field,
                       "name": FIELD_NAMES_RU.get(error.field, error.field),
                       "message": error.message})
    detail_name = FIELD_NAMES_RU.get(error.field or "", "замечание")
    fields += [{"field": error.field or "body", "name": detail_name, "message": d}
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
CertificateRoute = translating_route(CertificateRuleError, rule_error,
                                     validation=validation_error)


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

"""One error base class, rendered by one handler as {error, message, fields}."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from temporalio.service import RPCError, RPCStatusCode

log = logging.getLogger(__name__)


class ApiError(Exception):
    status_code = 400
    code = "bad_request"
    default_message = "Некорректный запрос."

    def __init__(self, message: str | None = None, *, fields: list[dict[str, str]] | None = None,
                 code: str | None = None) -> None:
        self.message = message or self.default_message
        self.fields = fields or []
        if code:
            self.code = code
        super().__init__(self.message)


class Unauthorized(ApiError):
    status_code = 401
    code = "unauthorized"
    default_message = "Требуется вход в систему: токен доступа отсутствует или недействителен."


class Forbidden(ApiError):
    status_code = 403
    code = "forbidden"
    default_message = "Недостаточно прав для доступа к этим данным."


class NotFound(ApiError):
    status_code = 404
    code = "not_found"
    default_message = "Объект не найден."


class Conflict(ApiError):
    status_code = 409
    code = "conflict"
    default_message = "Действие невозможно в текущем состоянии."


class InvalidInput(ApiError):
    status_code = 422
    code = "invalid_input"
    default_message = "Данные не прошли проверку."


class ServiceUnavailable(ApiError):
    status_code = 503
    code = "unavailable"
    default_message = ("Сервис процессов (Temporal) временно недоступен. Повторите попытку "
                       "через несколько минут.")


# Path and query parameters shared by several routers; each router adds its own fields.
_FIELD_NAMES_RU: dict[str, str] = {
    "class_id": "класс", "lesson_id": "урок", "mark_id": "отметка",
    "period_mark_id": "отметка за период", "request_id": "запрос на исправление",
    "certificate_id": "документ об образовании", "wizard_id": "мастер выдачи",
    "issue_id": "замечание к отметке", "export_id": "выгрузка ФИС ФРДО",
    "enrollment_order_id": "приказ о зачислении", "code": "код организации",
    "start": "начало периода", "end": "конец периода", "study_group_id": "группа",
    "year": "год", "page": "страница", "page_size": "размер страницы",
}


def register_field_names(names: dict[str, str]) -> None:
    """Russian names of API fields, for error messages (each router registers its own)."""
    _FIELD_NAMES_RU.update(names)


def _problem_ru(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": "обязательное поле не заполнено",
        "string_too_short": f"слишком короткое значение (минимум {ctx.get('min_length')})",
        "string_too_long": f"слишком длинное значение (максимум {ctx.get('max_length')})",
        "string_pattern_mismatch": "значение не соответствует формату",
        "string_type": "ожидается строка",
        "int_parsing": "ожидается целое число",
        "int_type": "ожидается целое число",
        "bool_parsing": "ожидается true или false",
        "date_parsing": "ожидается дата в формате ГГГГ-ММ-ДД",
        "date_from_datetime_parsing": "ожидается дата в формате ГГГГ-ММ-ДД",
        "datetime_parsing": "ожидается дата и время в формате ISO 8601",
        "datetime_from_date_parsing": "ожидается дата и время в формате ISO 8601",
        "greater_than_equal": f"значение должно быть не меньше {ctx.get('ge')}",
        "less_than_equal": f"значение должно быть не больше {ctx.get('le')}",
        "greater_than": f"значение должно быть больше {ctx.get('gt')}",
        "less_than": f"значение должно быть меньше {ctx.get('lt')}",
        "enum": f"допустимые значения: {ctx.get('expected')}",
        "literal_error": f"допустимые значения: {ctx.get('expected')}",
        "json_invalid": "тело запроса не является корректным JSON",
        "model_attributes_type": "ожидается объект",
        "dict_type": "ожидается объект",
        "list_type": "ожидается список",
        "extra_forbidden": "неизвестное поле",
    }
    if kind == "value_error":
        # Our validators raise ValueError with a Russian message already.
        return str(ctx.get("error") or error.get("msg", "")).removeprefix("Value error, ")
    return messages.get(kind, "недопустимое значение")


BODY = "body"
BODY_RU = "тело запроса"


def _field_path(error: dict[str, Any]) -> str:
    # A JSON syntax error is located by its character position, not by a field.
    if error.get("type") == "json_invalid":
        return BODY
    parts = [str(p) for p in error.get("loc", ()) if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or BODY


def _body_problem_ru(error: dict[str, Any]) -> str:
    if error.get("type") == "missing":
        return f"{BODY_RU} не передано (ожидается JSON)"
    problem = _problem_ru(error)
    return problem if problem.startswith(BODY_RU) else f"{BODY_RU}: {problem}"


def validation_fields(errors: list[dict[str, Any]]) -> list[dict[str, str]]:
    fields = []
    for error in errors:
        path = _field_path(error)
        if path == BODY:
            fields.append({"field": BODY, "name": BODY_RU, "message": _body_problem_ru(error)})
            continue
        leaf = path.split(".")[-1]
        fields.append({
            "field": path,
            "name": _FIELD_NAMES_RU.get(leaf, leaf),
            "message": _problem_ru(error),
        })
    return fields


def validation_message(fields: list[dict[str, str]]) -> str:
    """The one sentence of a 422: the first problem, named in Russian."""
    if not fields:
        return "Запрос не прошёл проверку."
    first = fields[0]
    if first["field"] == BODY:
        return first["message"][:1].upper() + first["message"][1:] + "."
    return f"Ошибка в поле «{first['name']}»: {first['message']}."


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": exc.code, "message": exc.message, "fields": exc.fields},
            headers={"WWW-Authenticate": "Bearer"} if exc.status_code == 401 else None,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        fields = validation_fields(list(exc.errors()))
        message = validation_message(fields)
        return JSONResponse(
            status_code=422,
            content={"error": "invalid_input", "message": message, "fields": fields},
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        texts = {404: "Адрес не найден.", 405: "Метод не поддерживается для этого адреса."}
        return JSONResponse(
            status_code=exc.status_code,
            content={"error": f"http_{exc.status_code}",
                     "message": texts.get(exc.status_code, "Ошибка запроса."), "fields": []},
        )

    @app.exception_handler(RPCError)
    async def _engine(request: Request, exc: RPCError) -> JSONResponse:
        # The engine being away is an outage to wait out, not a bug: 503 and a warning.
        if exc.status not in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
            return await _unexpected(request, exc)
        log.warning("Temporal unavailable: %s", exc.status.name,
                    extra={"path": request.url.path})
        return await _api_error(request, ServiceUnavailable())

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error", extra={"path": request.url.path})
        return JSONResponse(
            status_code=500,
            content={"error": "internal", "message": "Внутренняя ошибка сервера. "
                     "Повторите попытку позже.", "fields": []},
        )

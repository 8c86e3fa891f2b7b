"""What the gradebook routes share: domain errors as API errors, the write context, periods."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from pydantic import AfterValidator, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.errors import ApiError
from api.workflow_errors import translating_route
from domain.access import Principal
from domain.gradebook.audit import Actor
from domain.gradebook.computation import NOT_ASSESSED
from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import MarkValue
from domain.gradebook.policy import PolicyError
from tsos.db import gradebook as db
from tsos.gradebook import structure
from tsos.gradebook.context import WriteContext
from tsos.gradebook.errors import NotFound
from tsos.gradebook.term_marks import Period
from tsos.settings import Settings


def _a_mark(text: str) -> str:
    # A GradebookError is a ValueError: the field is named in the 422 answer.
    MarkValue.parse(text)
    return text


def _a_mark_or_not_assessed(text: str) -> str:
    return text if text.strip() == NOT_ASSESSED else _a_mark(text)


# A mark as typed: checked where it is read, so a bad one is refused naming its field.
MarkText = Annotated[str, Field(min_length=1, max_length=16,
                                description="«5», «зачёт», «незачёт»"),
                     AfterValidator(_a_mark)]
PeriodMarkText = Annotated[str, Field(min_length=1, max_length=16,
                                      description="«5», «зачёт» или «н/а»"),
                           AfterValidator(_a_mark_or_not_assessed)]


def api_error(error: GradebookError) -> ApiError:
    """The domain's Russian message, its code and its HTTP status (409 for a refused write)."""
    fields = []
    if isinstance(error, PolicyError):
        fields = [{"field": "policy", "name": "политика оценивания", "message": problem}
                  for problem in error.problems]
    result = ApiError(error.message, code=error.code, fields=fields)
    result.status_code = error.http_status
    return result


# Routes whose rules raise GradebookError: rendered as {error, message, fields}.
GradebookRoute = translating_route(GradebookError, api_error)


def zone_of(session: Session, settings: Settings, organization_id: int) -> str:
    return structure.school_zone(session, organization_id, settings.region_time_zone)


def write_context(session: Session, settings: Settings, principal: Principal,
                  organization_id: int) -> WriteContext:
    """The caller acting now, on the school's clock (its local date is what terms compare)."""
    zone = ZoneInfo(zone_of(session, settings, organization_id))
    return WriteContext(session, Actor(principal.user_id, principal.role),
                        datetime.now(zone), organization_id)


def today_at(session: Session, settings: Settings, organization_id: int) -> date:
    zone = ZoneInfo(zone_of(session, settings, organization_id))
    return datetime.now(zone).date()


def resolve_period(session: Session, settings: Settings, school_class: db.SchoolClass, *,
                   term_id: int | None, start: date | None, end: date | None
                   ) -> tuple[date, date, int | None]:
    """(start, end, term id): a term, explicit dates, or the term of today at the school."""
    if term_id is not None:
        term = next((t for t in structure.terms_of_class(session, school_class)
                     if t.id == term_id), None)
        if term is None:
            raise NotFound("Период не найден для этого класса")
        return term.start, term.end, term.id
    if start is not None and end is not None:
        if start > end:
            raise GradebookError("Начало периода позже его конца")
        return start, end, None

    today = today_at(session, settings, school_class.organization_id)
    term = structure.term_for(session, school_class, today)
    if term is not None:
        return term.start, term.end, term.id
    year = structure.domain_school_year(session, school_class.school_year_id)
    return year.start, year.end, None


def period_of(session: Session, school_class: db.SchoolClass, term_id: int | None,
              year: bool) -> Period:
    if year:
        return Period(school_class.school_year_id)
    if term_id is None:
        raise GradebookError("Укажите четверть (полугодие) или год")
    if session.scalar(select(db.Term.school_year_id).where(db.Term.id == term_id)) != \
            school_class.school_year_id:
        raise NotFound("Период не найден для этого класса")
    return Period(school_class.school_year_id, term_id)

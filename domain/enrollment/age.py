"""The child's age on the reference date (1 September) and whether the founder must permit."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.enrollment import legal
from domain.enrollment.errors import BirthAfterReferenceDateError

# ч. 1 ст. 67 273-ФЗ: from 6 years 6 months, no later than 8 years; the founder may permit
# otherwise. Both limits are read inclusively (enrollment.md §3.5): exactly 6 y 6 m needs no
# permission, exactly 8 y does.
YOUNGEST = (6, 6, 0)
OLDEST_EXCLUSIVE = (8, 0, 0)


@dataclass(frozen=True, order=True)
class Age:
    """An exact age in whole years, months and days."""

    years: int
    months: int
    days: int

    def __str__(self) -> str:
        return format_age_ru(self)


class AgeCategory(StrEnum):
    """Where an age stands against the limits of admission to first grade."""

    WITHIN_LIMITS = "within_limits"
    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"

    @property
    def needs_founder_permission(self) -> bool:
        return self is not AgeCategory.WITHIN_LIMITS

    @property
    def label_ru(self) -> str:
        return {
            AgeCategory.WITHIN_LIMITS: "в пределах возраста приёма",
            AgeCategory.TOO_YOUNG: "младше 6 лет 6 месяцев",
            AgeCategory.TOO_OLD: "8 лет и старше",
        }[self]


@dataclass(frozen=True)
class AgeAssessment:
    """The age on the reference date, its category, and the clause it was judged by."""

    age: Age
    category: AgeCategory
    reference_date: date
    clause: str = legal.AGE

    @property
    def needs_founder_permission(self) -> bool:
        return self.category.needs_founder_permission


def age_on(birth_date: date, on_date: date) -> Age:
    """Return the exact age on a date by calendar arithmetic.

    A month or year that ends on a day the month lacks ends on the month's last day
    (ст. 192 ГК РФ): a child born on 29 February is one year old on 28 February of a
    common year, and a child born on 31 January is one month old on 28 (29) February.
    """
    if birth_date > on_date:
        raise BirthAfterReferenceDateError(
            f"дата рождения {birth_date:%d.%m.%Y} позже даты расчёта возраста "
            f"{on_date:%d.%m.%Y}"
        )

    months = (on_date.year - birth_date.year) * 12 + on_date.month - birth_date.month
    if _add_months(birth_date, months) > on_date:
        months -= 1
    days = (on_date - _add_months(birth_date, months)).days
    return Age(months // 12, months % 12, days)


def assess_age(birth_date: date, reference_date: date) -> AgeAssessment:
    """Judge the age on the reference date (1 September of the admission year)."""
    age = age_on(birth_date, reference_date)
    exact = (age.years, age.months, age.days)
    if exact < YOUNGEST:
        category = AgeCategory.TOO_YOUNG
    elif exact >= OLDEST_EXCLUSIVE:
        category = AgeCategory.TOO_OLD
    else:
        category = AgeCategory.WITHIN_LIMITS
    return AgeAssessment(age, category, reference_date)


def format_age_ru(age: Age) -> str:
    """Write an age in Russian: «6 лет 5 месяцев 30 дней»; zero parts are left out."""
    parts = [
        f"{value} {plural_ru(value, forms)}"
        for value, forms in (
            (age.years, ("год", "года", "лет")),
            (age.months, ("месяц", "месяца", "месяцев")),
            (age.days, ("день", "дня", "дней")),
        )
        if value
    ]
    return " ".join(parts) if parts else "0 дней"


def plural_ru(number: int, forms: tuple[str, str, str]) -> str:
    """Choose the Russian plural form for a number: (1 год, 2 года, 5 лет)."""
    last_two = abs(number) % 100
    last = last_two % 10
    if 11 <= last_two <= 14:
        return forms[2]
    if last == 1:
        return forms[0]
    if 2 <= last <= 4:
        return forms[1]
    return forms[2]


def _add_months(start: date, months: int) -> date:
    year, month_index = divmod(start.month - 1 + months, 12)
    year += start.year
    month = month_index + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)

"""Values for status comment templates, written the way a parent reads them."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo

_MOSCOW = ZoneInfo("Europe/Moscow")

# Zones whose civil time is Moscow time by law, whatever their offset was at a moment
# (Moscow was UTC+4 in 2011–2014; Crimea keeps Moscow time since 2014).
_MOSCOW_TIME_ZONES = frozenset({"Europe/Moscow", "Europe/Simferopol"})


def format_date(value: date) -> str:
    """«01.04.2026»."""
    return value.strftime("%d.%m.%Y")


def format_moment(moment: datetime, zone: ZoneInfo | str) -> str:
    """«01.04.2026 00:00:05 (МСК)»: the moment in the region's time, with its zone named."""
    if moment.utcoffset() is None:
        raise ValueError("a moment shown to a parent must be timezone-aware")

    zone_info = ZoneInfo(zone) if isinstance(zone, str) else zone
    local = moment.astimezone(zone_info)
    return f"{local.strftime('%d.%m.%Y %H:%M:%S')} ({zone_abbreviation(moment, zone_info)})"


def zone_abbreviation(moment: datetime, zone: ZoneInfo) -> str:
    """Name a zone as Russian law does, relative to Moscow time: «МСК», «МСК+4», «МСК−1»."""
    if zone.key in _MOSCOW_TIME_ZONES:
        return "МСК"

    zone_offset = moment.astimezone(zone).utcoffset()
    moscow_offset = moment.astimezone(_MOSCOW).utcoffset()
    assert zone_offset is not None and moscow_offset is not None
    minutes = int((zone_offset - moscow_offset).total_seconds()) // 60
    if minutes == 0:
        return "МСК"

    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"МСК{sign}{hours}" if rest == 0 else f"МСК{sign}{hours}:{rest:02d}"


def age_parts(birth_date: date, on_date: date) -> tuple[int, int, int]:
    """Full years, months and days of age on a date.

    A month is counted when the same day of the month is reached; a birthday on the 31st
    is reached on the last day of a shorter month.
    """
    if on_date < birth_date:
        raise ValueError("the date is before the birth date")

    months = (on_date.year - birth_date.year) * 12 + on_date.month - birth_date.month
    if _add_months(birth_date, months) > on_date:
        months -= 1
    anniversary = _add_months(birth_date, months)
    return months // 12, months % 12, (on_date - anniversary).days


def format_age(birth_date: date, on_date: date) -> str:
    """«6 лет 5 месяцев 30 дней»; parts equal to zero are left out."""
    years, months, days = age_parts(birth_date, on_date)
    parts = [
        _count(years, ("год", "года", "лет")),
        _count(months, ("месяц", "месяца", "месяцев")),
        _count(days, ("день", "дня", "дней")),
    ]
    text = " ".join(part for part in parts if part)
    return text or "0 дней"


def plural_ru(number: int, forms: tuple[str, str, str]) -> str:
    """Pick the Russian form for a count: (1 год, 2 года, 5 лет)."""
    tens, units = abs(number) % 100, abs(number) % 10
    if 11 <= tens <= 14:
        return forms[2]
    if units == 1:
        return forms[0]
    if 2 <= units <= 4:
        return forms[1]
    return forms[2]


def _count(number: int, forms: tuple[str, str, str]) -> str:
    return f"{number} {plural_ru(number, forms)}" if number else ""


def _add_months(start: date, months: int) -> date:
    year, month_index = divmod(start.month - 1 + months, 12)
    year += start.year
    month = month_index + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return date(year, month, day)

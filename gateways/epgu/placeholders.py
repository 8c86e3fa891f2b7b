"""Values for status comment templates, written the way a parent reads them."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from domain.enrollment.age import age_on, format_age_ru, plural_ru  # noqa: F401

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
    """Full years, months and days of age on a date (the domain's calendar arithmetic)."""
    if on_date < birth_date:
        raise ValueError("the date is before the birth date")
    age = age_on(birth_date, on_date)
    return age.years, age.months, age.days


def format_age(birth_date: date, on_date: date) -> str:
    """«6 лет 5 месяцев 30 дней»; parts equal to zero are left out."""
    return format_age_ru(age_on(birth_date, on_date))

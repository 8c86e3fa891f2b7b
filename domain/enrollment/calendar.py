"""Working days of the Russian production calendar, and the enrollment deadlines in them.

The federal calendar comes from the `holidays` library (`country_holidays("RU")`): public
holidays, the Government's transfers of days off, and the Saturdays and Sundays those
transfers make working days (`weekend_workdays`, e.g. 27.04.2024, 01.11.2025). The library
carries each year's transfer decree, and the days off in lieu of holidays falling on a
weekend (ст. 112 ТК РФ), as data per year: for a year whose decree it does not carry yet,
only the fixed holidays are known — no transfer, no day in lieu, no working Saturday.
`transfer_decree_known(year)` tells which case a year is in. A region's own days off (a
republic's holidays) and any correction are added through CalendarSettings.

A deadline of N working days counts from the next working day after the event (enrollment.md
§3.10, [I]): wave 1 closing on Tuesday 30.06.2026 gives Friday 03.07.2026.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

import holidays

if TYPE_CHECKING:
    from domain.enrollment.campaign import CampaignSettings

_SATURDAY = 5


@lru_cache(maxsize=32)
def _federal_year(year: int) -> tuple[frozenset[date], frozenset[date]]:
    """The federal days off and the weekend days made working, of one year."""
    calendar = holidays.country_holidays("RU", years=year)
    return frozenset(calendar), frozenset(calendar.weekend_workdays)


def transfer_decree_known(year: int) -> bool:
    """Whether the installed `holidays` carries the Government's transfer decree of a year."""
    try:
        from holidays.countries.russia import RussiaStaticHolidays
    except ImportError:
        return False
    return year in getattr(RussiaStaticHolidays, "special_public_holidays", {})


@dataclass(frozen=True)
class WorkingCalendar:
    """The production calendar of a region: the federal one plus regional corrections."""

    extra_days_off: frozenset[date] = field(default_factory=frozenset)
    extra_working_days: frozenset[date] = field(default_factory=frozenset)

    @classmethod
    def of(
        cls,
        *,
        extra_days_off: Iterable[date] = (),
        extra_working_days: Iterable[date] = (),
    ) -> WorkingCalendar:
        return cls(frozenset(extra_days_off), frozenset(extra_working_days))

    @classmethod
    def for_campaign(cls, settings: CampaignSettings) -> WorkingCalendar:
        """The calendar a campaign file describes (its `campaign.calendar` section)."""
        return cls.of(
            extra_days_off=settings.calendar.extra_days_off,
            extra_working_days=settings.calendar.extra_working_days,
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_working_days:
            return True
        if day in self.extra_days_off:
            return False

        days_off, weekend_workdays = _federal_year(day.year)
        if day.weekday() >= _SATURDAY:
            return day in weekend_workdays
        return day not in days_off

    def add_working_days(self, start: date, working_days: int) -> date:
        """The working day that ends a period of N working days after `start`.

        The day of `start` is not counted; with N = 0, `start` itself if it is a working
        day, otherwise the next working day.
        """
        if working_days < 0:
            raise ValueError("the number of working days cannot be negative")

        day = start
        counted = 0
        while counted < working_days:
            day += timedelta(days=1)
            if self.is_working_day(day):
                counted += 1
        while not self.is_working_day(day):
            day += timedelta(days=1)
        return day


RUSSIA = WorkingCalendar()


def is_working_day(day: date, calendar: WorkingCalendar = RUSSIA) -> bool:
    """Whether the day is a working day of the (federal, by default) production calendar."""
    return calendar.is_working_day(day)


def add_working_days(
    start: date, working_days: int, calendar: WorkingCalendar = RUSSIA
) -> date:
    """The last day of a period of N working days counted from the day after `start`."""
    return calendar.add_working_days(start, working_days)


def wave1_enrollment_order_due(
    wave1_closed_on: date, *, calendar: WorkingCalendar = RUSSIA, working_days: int = 3
) -> date:
    """Enrollment order of wave 1: within 3 working days after wave 1 closes (п. 17)."""
    return calendar.add_working_days(wave1_closed_on, working_days)


def wave2_enrollment_order_due(
    documents_received_on: date,
    *,
    calendar: WorkingCalendar = RUSSIA,
    working_days: int = 5,
) -> date:
    """Enrollment order of wave 2: within 5 working days after the documents arrive."""
    return calendar.add_working_days(documents_received_on, working_days)


def documents_due(
    invited_on: date, documents_due_days: int, *, calendar: WorkingCalendar = RUSSIA
) -> date:
    """Last day to present the originals after an invitation (campaign.documents_due_days)."""
    return calendar.add_working_days(invited_on, documents_due_days)


def foreign_documents_check_due(
    received_on: date, *, calendar: WorkingCalendar = RUSSIA, working_days: int = 5
) -> date:
    """Completeness check of a foreign citizen's package: 5 working days (§3.12)."""
    return calendar.add_working_days(received_on, working_days)

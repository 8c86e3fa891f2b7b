"""Dates, moments with their zone, and ages, written the way a parent reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from gateways.epgu.placeholders import (
    age_parts,
    format_age,
    format_date,
    format_moment,
    plural_ru,
)

# 1 April 2026, 00:00:05 Moscow time.
CAMPAIGN_START = datetime(2026, 3, 31, 21, 0, 5, tzinfo=UTC)


class TestDates:
    def test_date_is_day_month_year_with_dots(self) -> None:
        assert format_date(date(2026, 4, 1)) == "01.04.2026"


class TestMoments:
    @pytest.mark.parametrize(
        ("zone", "expected"),
        [
            ("Europe/Moscow", "01.04.2026 00:00:05 (МСК)"),
            ("Europe/Simferopol", "01.04.2026 00:00:05 (МСК)"),
            ("Europe/Volgograd", "01.04.2026 00:00:05 (МСК)"),
            ("Europe/Kaliningrad", "31.03.2026 23:00:05 (МСК\u22121)"),
            ("Europe/Samara", "01.04.2026 01:00:05 (МСК+1)"),
            ("Asia/Yekaterinburg", "01.04.2026 02:00:05 (МСК+2)"),
            ("Asia/Novosibirsk", "01.04.2026 04:00:05 (МСК+4)"),
            ("Asia/Kamchatka", "01.04.2026 09:00:05 (МСК+9)"),
        ],
    )
    def test_moment_in_the_region_s_time_named_against_moscow(
        self, zone: str, expected: str
    ) -> None:
        assert format_moment(CAMPAIGN_START, zone) == expected

    def test_the_offset_the_moment_was_sent_with_does_not_matter(self) -> None:
        sent = CAMPAIGN_START.astimezone(timezone(timedelta(hours=-5)))

        assert format_moment(sent, "Europe/Moscow") == "01.04.2026 00:00:05 (МСК)"

    def test_moscow_time_was_utc_plus_4_in_2012_and_still_msk(self) -> None:
        moment = datetime(2012, 6, 1, 8, 0, tzinfo=UTC)

        assert format_moment(moment, "Europe/Moscow") == "01.06.2012 12:00:00 (МСК)"

    def test_zone_with_half_hours_is_named_with_minutes(self) -> None:
        assert format_moment(CAMPAIGN_START, "Asia/Kolkata").endswith("(МСК+2:30)")

    def test_naive_moment_is_refused(self) -> None:
        with pytest.raises(ValueError, match="timezone-aware"):
            format_moment(datetime(2026, 4, 1), "Europe/Moscow")


class TestAges:
    @pytest.mark.parametrize(
        ("birth", "expected"),
        [
            # The boundary examples of enrollment.md §3.5 for 1 September 2026.
            (date(2020, 3, 1), "6 лет 6 месяцев"),
            (date(2020, 3, 2), "6 лет 5 месяцев 30 дней"),
            (date(2018, 9, 2), "7 лет 11 месяцев 30 дней"),
            (date(2018, 9, 1), "8 лет"),
            # The examples 05 and 06 of the contract.
            (date(2020, 5, 20), "6 лет 3 месяца 12 дней"),
            (date(2018, 7, 25), "8 лет 1 месяц 7 дней"),
            (date(2026, 8, 31), "1 день"),
            (date(2026, 7, 30), "1 месяц 2 дня"),
            (date(2005, 8, 10), "21 год 22 дня"),
        ],
    )
    def test_age_on_1_september(self, birth: date, expected: str) -> None:
        assert format_age(birth, date(2026, 9, 1)) == expected

    def test_birthday_on_the_31st_is_reached_at_the_end_of_a_shorter_month(
        self,
    ) -> None:
        assert age_parts(date(2020, 1, 31), date(2020, 2, 29)) == (0, 1, 0)
        assert age_parts(date(2020, 1, 31), date(2020, 3, 1)) == (0, 1, 1)

    def test_age_on_the_birth_day_is_zero(self) -> None:
        assert format_age(date(2020, 1, 1), date(2020, 1, 1)) == "0 дней"

    def test_date_before_birth_is_refused(self) -> None:
        with pytest.raises(ValueError):
            age_parts(date(2020, 1, 2), date(2020, 1, 1))

    @pytest.mark.parametrize(
        ("number", "form"),
        [
            (1, "год"),
            (2, "года"),
            (4, "года"),
            (5, "лет"),
            (11, "лет"),
            (12, "лет"),
            (14, "лет"),
            (21, "год"),
            (22, "года"),
            (25, "лет"),
            (101, "год"),
            (111, "лет"),
            (0, "лет"),
        ],
    )
    def test_russian_plural(self, number: int, form: str) -> None:
        assert plural_ru(number, ("год", "года", "лет")) == form

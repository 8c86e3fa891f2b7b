from __future__ import annotations

from datetime import date

import pytest

from domain.enrollment.calendar import (
    WorkingCalendar,
    add_working_days,
    documents_due,
    foreign_documents_check_due,
    is_working_day,
    transfer_decree_known,
    wave1_enrollment_order_due,
    wave2_enrollment_order_due,
)
from domain.enrollment.campaign import CampaignConfig, parse_campaign
from tests.domain.enrollment.conftest import CAMPAIGN_YAML


class TestFederalCalendar2026:
    @pytest.mark.parametrize(
        "day",
        [
            date(2026, 1, 1),
            date(2026, 1, 8),
            date(2026, 1, 9),  # Saturday 3 January moved here
            date(2026, 2, 23),
            date(2026, 3, 9),  # 8 March falls on a Sunday
            date(2026, 5, 1),
            date(2026, 5, 11),  # 9 May falls on a Saturday
            date(2026, 6, 12),
            date(2026, 11, 4),
            date(2026, 12, 31),  # Sunday 4 January moved here
            date(2026, 9, 5),  # the last day of wave 2 is a Saturday
        ],
    )
    def test_days_off(self, day: date) -> None:
        assert not is_working_day(day)

    @pytest.mark.parametrize(
        "day",
        [date(2026, 1, 12), date(2026, 5, 4), date(2026, 5, 8), date(2026, 6, 11)],
    )
    def test_working_days(self, day: date) -> None:
        assert is_working_day(day)

    def test_working_saturdays_made_by_transfers_are_working_days(self) -> None:
        # 2026 has none; 2025 and 2024 had them.
        assert is_working_day(date(2025, 11, 1))
        assert is_working_day(date(2024, 4, 27))
        assert is_working_day(date(2024, 12, 28))
        assert not is_working_day(date(2025, 11, 8))

    def test_transfer_decrees_are_known_for_the_campaign_years(self) -> None:
        assert transfer_decree_known(2025)
        assert transfer_decree_known(2026)
        assert not transfer_decree_known(2040)


class TestCounting:
    def test_counting_starts_on_the_next_working_day(self) -> None:
        assert add_working_days(date(2026, 6, 30), 1) == date(2026, 7, 1)
        assert add_working_days(date(2026, 7, 3), 1) == date(2026, 7, 6)

    def test_zero_days_is_the_day_itself_or_the_next_working_day(self) -> None:
        assert add_working_days(date(2026, 7, 3), 0) == date(2026, 7, 3)
        assert add_working_days(date(2026, 7, 4), 0) == date(2026, 7, 6)

    def test_an_event_on_a_day_off_counts_from_the_next_working_day(self) -> None:
        assert add_working_days(date(2026, 7, 4), 5) == date(2026, 7, 10)

    def test_across_the_new_year_holidays(self) -> None:
        # 31.12.2025 and 1–11.01.2026 are days off.
        assert add_working_days(date(2025, 12, 30), 3) == date(2026, 1, 14)

    def test_across_may_holidays(self) -> None:
        # 1 May (Fri), 9 May (Sat) → 11 May (Mon).
        assert add_working_days(date(2026, 4, 30), 10) == date(2026, 5, 18)

    def test_a_working_saturday_counts(self) -> None:
        assert add_working_days(date(2025, 10, 31), 1) == date(2025, 11, 1)

    def test_negative_days_are_refused(self) -> None:
        with pytest.raises(ValueError):
            add_working_days(date(2026, 7, 1), -1)


class TestDeadlines:
    def test_t26_wave1_closing_on_tuesday_30_june_2026_gives_friday_3_july(
        self,
    ) -> None:
        assert wave1_enrollment_order_due(date(2026, 6, 30)) == date(2026, 7, 3)

    def test_t26_a_holiday_inside_the_window_moves_it(self) -> None:
        # A school closing wave 1 early on Wednesday 10 June: 12 June is Russia Day.
        assert wave1_enrollment_order_due(date(2026, 6, 10)) == date(2026, 6, 16)

    def test_wave1_2025_example_of_the_domain_document(self) -> None:
        assert wave1_enrollment_order_due(date(2025, 6, 30)) == date(2025, 7, 3)

    def test_t27_wave2_documents_on_friday_10_july_give_friday_17_july(self) -> None:
        assert wave2_enrollment_order_due(date(2026, 7, 10)) == date(2026, 7, 17)

    def test_documents_due_after_an_invitation(self) -> None:
        assert documents_due(date(2026, 6, 1), 10) == date(2026, 6, 16)

    def test_foreign_documents_check_in_five_working_days(self) -> None:
        assert foreign_documents_check_due(date(2026, 5, 7)) == date(2026, 5, 15)


class TestRegionalCalendar:
    def test_a_regional_day_off_and_a_regional_working_day(self) -> None:
        regional = WorkingCalendar.of(
            extra_days_off=[date(2026, 7, 1)], extra_working_days=[date(2026, 7, 4)]
        )

        assert not regional.is_working_day(date(2026, 7, 1))
        assert regional.is_working_day(date(2026, 7, 4))
        # 1 July off, 2 and 3 July, then the working Saturday 4 July.
        assert wave1_enrollment_order_due(date(2026, 6, 30), calendar=regional) == date(
            2026, 7, 4
        )
        assert regional.add_working_days(date(2026, 6, 30), 4) == date(2026, 7, 6)

    def test_the_campaign_file_carries_the_regional_calendar(self) -> None:
        text = CAMPAIGN_YAML.replace(
            "  documents_due_days: 10\n",
            "  documents_due_days: 10\n  calendar:\n    extra_days_off: [2026-07-02]\n",
        )
        config: CampaignConfig = parse_campaign(text)

        regional = WorkingCalendar.for_campaign(config.campaign)

        assert wave1_enrollment_order_due(date(2026, 6, 30), calendar=regional) == date(
            2026, 7, 6
        )

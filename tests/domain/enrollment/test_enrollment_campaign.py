from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from domain.enrollment.campaign import CampaignConfig, load_campaign, parse_campaign
from domain.enrollment.errors import (
    CampaignConfigError,
    CampaignDeploymentMismatchError,
    EnrollmentError,
    NaiveMomentError,
)
from domain.enrollment.ranking import PriorityRight, QueueTimeRule
from domain.enrollment.territory import is_resident
from tests.domain.enrollment.conftest import CAMPAIGN_YAML, first_grade_reference

MSK = timezone(timedelta(hours=3))


def _problems(yaml_text: str) -> tuple[str, ...]:
    with pytest.raises(CampaignConfigError) as caught:
        parse_campaign(yaml_text)
    return caught.value.problems


class TestReferenceExample:
    def test_the_contracts_example_loads_with_everything_it_has(self) -> None:
        text = first_grade_reference("campaign-example.yaml").read_text(
            encoding="utf-8"
        )

        config = load_campaign(
            text,
            deployment_region_oktmo="67000000",
            deployment_time_zone="Europe/Simferopol",
        )

        assert config.region.name == "г. Севастополь"
        assert config.region.support_phone == "+78690000002"
        assert config.campaign.year == 2026
        assert config.campaign.age_reference_date == date(2026, 9, 1)
        assert config.campaign.documents_due_days == 10
        first, second = config.schools
        assert (first.code, first.first_grade_places, first.boarding) == (
            "SEV-0801",
            75,
            False,
        )
        assert first.reception_hours == "пн–пт 09:00–17:00"
        assert config.founder_of(first).name == "Департамент образования (пример)"
        assert config.founder_of(second).name == "Управление образования (пример)"
        assert second.boarding is True
        assert is_resident("ул. Садовая", "8а", first.assigned_territory).resident
        assert not is_resident("ул. Садовая", "8", first.assigned_territory).resident

    def test_the_example_is_refused_by_another_regions_deployment(self) -> None:
        text = first_grade_reference("campaign-example.yaml").read_text(
            encoding="utf-8"
        )

        with pytest.raises(CampaignDeploymentMismatchError) as caught:
            load_campaign(
                text,
                deployment_region_oktmo="45000000",
                deployment_time_zone="Europe/Moscow",
            )

        assert len(caught.value.problems) == 2
        assert "region.oktmo" in caught.value.problems[0]
        assert "45000000" in caught.value.problems[0]
        assert "region.time_zone" in caught.value.problems[1]


class TestLoad:
    def test_defaults_of_optional_settings(self, campaign: CampaignConfig) -> None:
        settings = campaign.campaign

        assert settings.enrollment_order.wave1_working_days == 3
        assert settings.enrollment_order.wave2_working_days == 5
        assert settings.foreign_documents_check_days == 5
        assert settings.ranking.queue_time is QueueTimeRule.FILING_DATE
        assert settings.ranking.category_precedence == (
            PriorityRight.EXTRAORDINARY,
            PriorityRight.FIRST_PRIORITY,
            PriorityRight.SIBLING,
        )
        assert settings.one_active_application_per_child is False

    def test_a_file_for_another_time_zone_is_refused_even_in_the_same_region(
        self,
    ) -> None:
        with pytest.raises(CampaignDeploymentMismatchError) as caught:
            load_campaign(
                CAMPAIGN_YAML,
                deployment_region_oktmo="45000000",
                deployment_time_zone="Asia/Yekaterinburg",
            )

        assert caught.value.problems == (
            "поле «region.time_zone»: в файле часовой пояс Europe/Moscow, "
            "а в системе — Asia/Yekaterinburg",
        )

    def test_region_precedence_and_queue_time_are_read(self) -> None:
        text = CAMPAIGN_YAML.replace(
            "  documents_due_days: 10\n",
            "  documents_due_days: 10\n"
            "  ranking:\n"
            "    category_precedence: [first_priority, extraordinary, sibling]\n"
            "    queue_time: received_at\n",
        )

        settings = parse_campaign(text).campaign

        assert settings.ranking.category_precedence[0] is PriorityRight.FIRST_PRIORITY
        assert settings.ranking.queue_time is QueueTimeRule.RECEIVED_AT

    def test_dates_are_not_tied_to_the_campaign_year(self) -> None:
        # The file is authoritative: a region may open on 29 March (Kuzbass 2024).
        text = CAMPAIGN_YAML.replace("start: 2026-04-01", "start: 2026-03-29")

        assert parse_campaign(text).campaign.wave1.start == date(2026, 3, 29)

    def test_a_stored_config_reads_back_equal(self, campaign: CampaignConfig) -> None:
        stored = campaign.model_dump_json()

        restored = CampaignConfig.model_validate_json(stored)

        assert restored == campaign
        assert (
            restored.schools[0].assigned_territory
            == campaign.schools[0].assigned_territory
        )

    def test_unknown_school_is_a_russian_error(self, campaign: CampaignConfig) -> None:
        with pytest.raises(EnrollmentError, match="школа с кодом «X-9» не участвует"):
            campaign.school("X-9")


class TestValidation:
    def test_wave1_must_end_before_wave2_starts(self) -> None:
        text = CAMPAIGN_YAML.replace("end: 2026-06-30", "end: 2026-07-06")

        assert _problems(text) == (
            "поле «campaign»: первый этап (по 06.07.2026) должен закончиться раньше начала "
            "второго (06.07.2026)",
        )

    def test_a_wave_cannot_end_before_it_starts(self) -> None:
        text = CAMPAIGN_YAML.replace("end: 2026-09-05", "end: 2026-07-01")

        problems = _problems(text)

        assert problems[0].startswith(
            "поле «campaign.wave2»: начало (06.07.2026) позже"
        )

    def test_unquoted_oktmo_names_the_field_and_asks_for_quotes(self) -> None:
        text = CAMPAIGN_YAML.replace('oktmo: "45000000"', "oktmo: 45000000")

        assert _problems(text) == (
            "поле «region.oktmo»: ожидается текст; числа, коды и телефоны пишите в кавычках",
        )

    def test_unknown_time_zone(self) -> None:
        text = CAMPAIGN_YAML.replace("Europe/Moscow", "Europe/Atlantis")

        assert "неизвестный часовой пояс «Europe/Atlantis»" in _problems(text)[0]

    def test_every_problem_is_listed_with_its_field_and_school(self) -> None:
        text = (
            CAMPAIGN_YAML.replace("first_grade_places: 1", "first_grade_places: -1")
            .replace("documents_due_days: 10", "documents_due_day: 10")
            .replace('houses: "2, 4, 6, 8а"', 'houses: "2, 4, 8-2"')
        )

        problems = _problems(text)

        assert (
            "поле «campaign.documents_due_days»: обязательное поле не заполнено"
            in problems
        )
        assert (
            "поле «campaign.documents_due_day»: неизвестное поле (проверьте написание)"
            in (problems)
        )
        assert (
            "поле «schools[1].first_grade_places» (школа T-0002): должно быть не меньше 0"
            in problems
        )
        assert (
            "поле «schools[0].territory» (школа T-0001): школа T-0001, пр-т Мира: элемент "
            "списка домов «8-2» — начало диапазона (8) больше его конца (2)" in problems
        )
        assert len(problems) == 4

    def test_a_phone_must_be_digits(self) -> None:
        text = CAMPAIGN_YAML.replace('"+74950000002"', "звоните")

        assert _problems(text) == (
            'поле «region.support_phone»: телефон записывается цифрами, например "+78690000001"',
        )

    def test_repeated_school_codes(self) -> None:
        text = CAMPAIGN_YAML.replace("code: T-0002", "code: T-0001")

        assert _problems(text) == ("поле «schools»: коды школ повторяются: T-0001",)

    def test_early_closing_must_fall_before_wave2(self) -> None:
        text = CAMPAIGN_YAML.replace("2026-06-20 12:00:00", "2026-07-06 00:00:00")

        assert "schools[1].wave1_closed_at" in _problems(text)[0]

    def test_broken_yaml_is_reported_with_its_line(self) -> None:
        assert _problems("region: [\n  oktmo: 1\n") == (
            "файл не читается как YAML (строка 3, позиция 1)",
        )

    def test_a_file_without_sections(self) -> None:
        assert _problems("- 1\n- 2\n") == (
            "файл должен содержать разделы region, campaign и schools",
        )


class TestWindow:
    def test_the_window_is_wave1_start_to_wave2_end_in_local_whole_days(
        self, campaign: CampaignConfig
    ) -> None:
        assert campaign.window_contains(datetime(2026, 4, 1, 0, 0, tzinfo=MSK))
        assert campaign.window_contains(datetime(2026, 9, 5, 23, 59, 59, tzinfo=MSK))
        assert campaign.window_contains(date(2026, 7, 2))
        assert not campaign.window_contains(
            datetime(2026, 3, 31, 23, 59, 59, tzinfo=MSK)
        )
        assert not campaign.window_contains(datetime(2026, 9, 6, 0, 0, tzinfo=MSK))

    def test_a_utc_moment_counts_by_the_regions_day(
        self, campaign: CampaignConfig
    ) -> None:
        # 2026-03-31T21:30:00Z is 1 April 00:30 in Moscow; 2026-09-05T21:00Z is 6 September.
        assert campaign.window_contains(datetime(2026, 3, 31, 21, 30, tzinfo=UTC))
        assert not campaign.window_contains(datetime(2026, 9, 5, 21, 0, tzinfo=UTC))

    def test_a_naive_moment_is_refused(self, campaign: CampaignConfig) -> None:
        with pytest.raises(NaiveMomentError):
            campaign.window_contains(datetime(2026, 4, 1, 10, 0))

    def test_school_wave2_opening_and_wave1_closing(
        self, campaign: CampaignConfig
    ) -> None:
        ordinary, early = campaign.schools

        assert campaign.wave2_opens_at(ordinary) == datetime(2026, 7, 6, tzinfo=MSK)
        assert campaign.wave2_opens_at(early) == datetime(2026, 6, 20, 12, tzinfo=MSK)
        assert campaign.wave1_closes_on(ordinary) == date(2026, 6, 30)
        assert campaign.wave1_closes_on(early) == date(2026, 6, 20)

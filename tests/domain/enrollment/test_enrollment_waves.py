from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.enrollment.campaign import CampaignConfig, load_campaign
from domain.enrollment.errors import NaiveMomentError
from domain.enrollment.waves import WaveDecision, WaveOutcome, decide_wave
from tests.domain.enrollment.conftest import CAMPAIGN_YAML

MSK = timezone(timedelta(hours=3))
YEKT = timezone(timedelta(hours=5))


def _decide(
    campaign: CampaignConfig,
    moment: datetime,
    *,
    right: bool = False,
    resident: bool = False,
    school: str = "T-0001",
    opens_at: datetime | None = None,
) -> WaveDecision:
    return decide_wave(
        moment,
        campaign=campaign,
        school=campaign.school(school),
        has_priority_right=right,
        resident=resident,
        wave2_opens_at=opens_at,
    )


class TestOutsideTheCampaign:
    def test_before_wave1_the_campaign_has_not_started(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(
            campaign, datetime(2026, 3, 31, 23, 59, 59, tzinfo=MSK), right=True
        )

        assert decision.outcome is WaveOutcome.CAMPAIGN_NOT_OPEN
        assert decision.when == "ещё не начался"

    def test_after_wave2_the_campaign_is_finished(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(campaign, datetime(2026, 9, 6, 0, 0, tzinfo=MSK))

        assert decision.outcome is WaveOutcome.CAMPAIGN_NOT_OPEN
        assert decision.when == "завершён"

    def test_a_naive_filing_date_is_refused(self, campaign: CampaignConfig) -> None:
        with pytest.raises(NaiveMomentError):
            _decide(campaign, datetime(2026, 4, 1, 10, 0))


class TestTimeZoneBoundary:
    def test_utc_2130_on_31_march_is_0030_on_1_april_in_moscow(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(
            campaign, datetime(2026, 3, 31, 21, 30, tzinfo=UTC), resident=True
        )

        assert decision.outcome is WaveOutcome.WAVE1
        assert decision.filed_at_local == datetime(2026, 4, 1, 0, 30, tzinfo=MSK)

    def test_utc_2059_on_31_march_is_still_before_the_start(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(
            campaign, datetime(2026, 3, 31, 20, 59, 59, tzinfo=UTC), resident=True
        )

        assert decision.outcome is WaveOutcome.CAMPAIGN_NOT_OPEN

    def test_a_region_east_of_moscow_opens_at_its_own_midnight(self) -> None:
        # T12: the portal sends +03:00; the region lives at +05:00. 1 April 00:10 local is
        # 31 March 22:10 in Moscow, and the campaign is open.
        yekaterinburg = load_campaign(
            CAMPAIGN_YAML.replace("Europe/Moscow", "Asia/Yekaterinburg"),
            deployment_region_oktmo="45000000",
            deployment_time_zone="Asia/Yekaterinburg",
        )

        opened = _decide(
            yekaterinburg, datetime(2026, 3, 31, 22, 10, tzinfo=MSK), resident=True
        )
        not_yet = _decide(
            yekaterinburg, datetime(2026, 3, 31, 21, 50, tzinfo=MSK), resident=True
        )

        assert opened.outcome is WaveOutcome.WAVE1
        assert opened.filed_at_local == datetime(2026, 4, 1, 0, 10, tzinfo=YEKT)
        assert not_yet.outcome is WaveOutcome.CAMPAIGN_NOT_OPEN


class TestWave1:
    @pytest.mark.parametrize(
        ("right", "resident"), [(True, False), (False, True), (True, True)]
    )
    def test_a_right_or_the_territory_is_wave1(
        self, campaign: CampaignConfig, right: bool, resident: bool
    ) -> None:
        decision = _decide(
            campaign,
            datetime(2026, 6, 30, 23, 59, tzinfo=MSK),
            right=right,
            resident=resident,
        )

        assert decision.outcome is WaveOutcome.WAVE1
        assert decision.clause.startswith("п. 17 Порядка приёма")

    def test_t21_no_right_and_not_resident_on_15_april_is_held_for_wave2(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(campaign, datetime(2026, 4, 15, 10, 0, tzinfo=MSK))

        assert decision.outcome is WaveOutcome.DEFERRED_TO_WAVE2
        assert decision.wave2_opens_at == datetime(2026, 7, 6, tzinfo=MSK)
        assert decision.deferral_reason == (
            "ребёнок не проживает на закреплённой за школой территории и не имеет права "
            "внеочередного, первоочередного или преимущественного приёма"
        )

    def test_anyone_filing_between_the_waves_is_held(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(
            campaign, datetime(2026, 7, 1, 9, 0, tzinfo=MSK), right=True, resident=True
        )

        assert decision.outcome is WaveOutcome.DEFERRED_TO_WAVE2
        assert (
            decision.deferral_reason
            == "приём заявлений первого этапа завершён 30.06.2026"
        )


class TestWave2:
    def test_t22_outside_the_territory_on_7_july_is_wave2(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(campaign, datetime(2026, 7, 7, 9, 0, tzinfo=MSK))

        assert decision.outcome is WaveOutcome.WAVE2
        assert decision.clause.startswith("п. 17")

    def test_wave2_opens_at_local_midnight(self, campaign: CampaignConfig) -> None:
        just_before = _decide(campaign, datetime(2026, 7, 5, 23, 59, 59, tzinfo=MSK))
        at_opening = _decide(campaign, datetime(2026, 7, 5, 21, 0, tzinfo=UTC))

        assert just_before.outcome is WaveOutcome.DEFERRED_TO_WAVE2
        assert at_opening.outcome is WaveOutcome.WAVE2

    def test_t22_a_school_that_closed_wave1_early_on_20_june_opens_wave2_then(
        self, campaign: CampaignConfig
    ) -> None:
        before = _decide(
            campaign, datetime(2026, 6, 20, 11, 59, tzinfo=MSK), school="T-0002"
        )
        after = _decide(
            campaign, datetime(2026, 6, 20, 12, 0, tzinfo=MSK), school="T-0002"
        )
        resident_after = _decide(
            campaign,
            datetime(2026, 6, 25, 9, 0, tzinfo=MSK),
            school="T-0002",
            resident=True,
        )

        assert before.outcome is WaveOutcome.DEFERRED_TO_WAVE2
        assert before.wave2_opens_at == datetime(2026, 6, 20, 12, 0, tzinfo=MSK)
        assert after.outcome is WaveOutcome.WAVE2
        assert after.clause.startswith("п. 18 Порядка приёма")
        assert resident_after.outcome is WaveOutcome.WAVE2

    def test_an_early_opening_decided_at_run_time(
        self, campaign: CampaignConfig
    ) -> None:
        opens_at = datetime(2026, 6, 25, 15, 0, tzinfo=MSK)

        held = _decide(
            campaign, datetime(2026, 6, 25, 14, 0, tzinfo=MSK), opens_at=opens_at
        )
        open_ = _decide(
            campaign, datetime(2026, 6, 25, 15, 0, tzinfo=MSK), opens_at=opens_at
        )

        assert held.outcome is WaveOutcome.DEFERRED_TO_WAVE2
        assert open_.outcome is WaveOutcome.WAVE2

    def test_a_run_time_opening_cannot_delay_wave2(
        self, campaign: CampaignConfig
    ) -> None:
        decision = _decide(
            campaign,
            datetime(2026, 7, 6, 9, 0, tzinfo=MSK),
            opens_at=datetime(2026, 7, 10, tzinfo=MSK),
        )

        assert decision.outcome is WaveOutcome.WAVE2

    def test_the_last_day_of_wave2_is_included(self, campaign: CampaignConfig) -> None:
        decision = _decide(campaign, datetime(2026, 9, 5, 23, 59, 59, tzinfo=MSK))

        assert decision.outcome is WaveOutcome.WAVE2

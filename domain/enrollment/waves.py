"""Which wave an application belongs to, from its FilingDate in the region's time.

- before wave 1's first day or after wave 2's last day: the campaign is not open (334);
- during wave 1, with an admission right or living on the assigned territory: wave 1;
- during wave 1 otherwise, or between the waves: held for wave 2 (315);
- from the school's wave-2 opening (wave2.start, or the moment the school closed wave 1
  early, п. 18 of Order 458) to wave 2's last day: wave 2, ranked by time only. A resident
  filing after an early closing is in wave 2 too: the school has closed its wave 1.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from domain.enrollment import legal
from domain.enrollment.campaign import CampaignConfig, School


class WaveOutcome(StrEnum):
    """Where a filing stands against the campaign's waves."""

    CAMPAIGN_NOT_OPEN = "campaign_not_open"
    WAVE1 = "wave1"
    DEFERRED_TO_WAVE2 = "deferred_to_wave2"
    WAVE2 = "wave2"

    @property
    def label_ru(self) -> str:
        return {
            WaveOutcome.CAMPAIGN_NOT_OPEN: "приёмная кампания не идёт",
            WaveOutcome.WAVE1: "первый этап",
            WaveOutcome.DEFERRED_TO_WAVE2: "отложено до второго этапа",
            WaveOutcome.WAVE2: "второй этап",
        }[self]


NOT_STARTED_RU = "ещё не начался"
FINISHED_RU = "завершён"

NOT_ELIGIBLE_FOR_WAVE1_RU = (
    "ребёнок не проживает на закреплённой за школой территории и не имеет права "
    "внеочередного, первоочередного или преимущественного приёма"
)
BETWEEN_WAVES_RU = "приём заявлений первого этапа завершён {wave1_end}"


@dataclass(frozen=True)
class WaveDecision:
    """The wave of a filing, with what the status message needs to say about it."""

    outcome: WaveOutcome
    filed_at_local: datetime
    clause: str
    # CAMPAIGN_NOT_OPEN: «ещё не начался» or «завершён» (the `when` placeholder of 334).
    when: str | None = None
    # DEFERRED_TO_WAVE2: why, in words, and when the school's wave 2 opens.
    deferral_reason: str | None = None
    wave2_opens_at: datetime | None = None


def decide_wave(
    filing_date: datetime,
    *,
    campaign: CampaignConfig,
    school: School,
    has_priority_right: bool,
    resident: bool,
    wave2_opens_at: datetime | None = None,
) -> WaveDecision:
    """Place a filing in a wave.

    Args:
        filing_date: the portal's FilingDate, with its offset.
        has_priority_right: an extraordinary, first-priority or sibling right that applies
            to this school (ranking.effective_right).
        resident: the address lies on the school's assigned territory.
        wave2_opens_at: the school's wave-2 opening when it was decided outside the campaign
            file (the school closed wave 1 early today); by default the file's.
    """
    local = campaign.local(filing_date)
    day = local.date()
    dates = campaign.campaign

    if day < dates.wave1.start:
        return WaveDecision(
            WaveOutcome.CAMPAIGN_NOT_OPEN, local, legal.WAVE1, when=NOT_STARTED_RU
        )
    if day > dates.wave2.end:
        return WaveDecision(
            WaveOutcome.CAMPAIGN_NOT_OPEN, local, legal.WAVE2, when=FINISHED_RU
        )

    # A school may open wave 2 earlier than the file says, never later (п. 17, 18).
    opens_at = campaign.wave2_opens_at(school)
    if wave2_opens_at is not None:
        opens_at = min(opens_at, campaign.local(wave2_opens_at))
    early = opens_at < campaign.default_wave2_opens_at
    if local >= opens_at:
        clause = f"{legal.EARLY_WAVE2}; {legal.WAVE2}" if early else legal.WAVE2
        return WaveDecision(WaveOutcome.WAVE2, local, clause, wave2_opens_at=opens_at)

    if dates.wave1.contains(day):
        if has_priority_right or resident:
            return WaveDecision(WaveOutcome.WAVE1, local, legal.WAVE1)
        reason = NOT_ELIGIBLE_FOR_WAVE1_RU
    else:
        reason = BETWEEN_WAVES_RU.format(wave1_end=_ru_date(dates.wave1.end))
    return WaveDecision(
        WaveOutcome.DEFERRED_TO_WAVE2,
        local,
        legal.WAVE2,
        deferral_reason=reason,
        wave2_opens_at=opens_at,
    )


def _ru_date(day: date) -> str:
    return f"{day:%d.%m.%Y}"

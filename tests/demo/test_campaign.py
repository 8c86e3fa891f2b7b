"""The demo campaign file: valid for the demo region, wave 1 open on the day it is made."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from domain.enrollment.campaign import load_campaign
from domain.enrollment.territory import is_resident
from tsos.demo.campaign import (
    ADDRESS_PREFIX,
    OUTSIDE_STREETS,
    demo_campaign_dates,
    demo_campaign_yaml,
    demo_schools,
)
from tsos.demo.organizations import demo_organizations

DAYS = (date(2026, 12, 3), date(2027, 1, 1), date(2026, 6, 30), date(2026, 8, 31),
        date(2028, 2, 29), date(2026, 4, 1))


@pytest.mark.parametrize("today", DAYS)
def test_the_file_loads_for_the_demo_region_with_wave_1_open_today(today: date) -> None:
    config = load_campaign(demo_campaign_yaml(today), deployment_region_oktmo="67000000",
                           deployment_time_zone="Europe/Simferopol")

    c = config.campaign
    assert c.wave1.start < today < c.wave1.end
    assert c.wave1.end < c.wave2.start < c.wave2.end
    assert c.age_reference_date.month == 9 and c.age_reference_date.day == 1
    assert 0 < (c.age_reference_date - c.wave1.end).days <= 366
    assert c.year == c.age_reference_date.year
    assert config.window_contains(today)


def test_ten_schools_of_the_demo_region_with_small_ones_among_them() -> None:
    schools = demo_schools()
    organizations = {o.code: o for o in demo_organizations()}

    codes = [s.code for s in schools]
    assert len(codes) == 10 and {"SEV-0801", "SEV-0802"} <= set(codes)
    for school in schools:
        org = organizations[school.code]
        # Loading the campaign must not rename or move a demo organization.
        assert school.name == org.name
        assert school.address == ADDRESS_PREFIX + org.address
        assert school.territory
    assert sum(1 for s in schools if s.places <= 25) >= 3
    assert any(s.boarding for s in schools)


def test_outside_streets_are_on_no_territory() -> None:
    territories = [t for s in demo_schools() for t in s.assigned]
    for street in OUTSIDE_STREETS:
        assert not is_resident(street, "1", territories).resident, street


def test_dates_move_with_today() -> None:
    first, later = demo_campaign_dates(date(2026, 12, 3)), demo_campaign_dates(
        date(2026, 12, 13))
    assert (later.wave1_start - first.wave1_start).days == 10
    assert first.reference_date == date(2027, 9, 1)
    assert demo_campaign_dates(date(2026, 3, 1)).reference_date == date(2026, 9, 1)


def test_preparing_twice_changes_nothing(settings, database_url, demo_region) -> None:
    from tsos.db.enrollment import AdmissionCampaign, CampaignSchool
    from tsos.db.models import Pupil
    from tsos.db.session import session_scope
    from tsos.demo.stream import prepare_demo_campaign

    today = date(2026, 12, 3)
    with session_scope(database_url) as session:
        first = prepare_demo_campaign(session, settings, today)
    with session_scope(database_url) as session:
        again = prepare_demo_campaign(session, settings, date(2026, 12, 10))
        campaigns = session.scalar(select(func.count()).select_from(AdmissionCampaign))
        schools = session.scalar(select(func.count()).select_from(CampaignSchool))
        pupils = session.scalar(select(func.count()).select_from(Pupil))
        stored = session.get(AdmissionCampaign, first.campaign_id)

    assert again.campaign_id == first.campaign_id and campaigns == 1
    # Wave 1 is still open: the campaign keeps the dates its workflows were started with.
    assert again.dates == first.dates and stored.wave1_start == date(2026, 11, 28)
    assert schools == 10
    assert pupils == len(first.contingent) == len(again.contingent)
    assert [i.school_code for i in again.inputs] == [i.school_code for i in first.inputs]

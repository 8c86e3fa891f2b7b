"""An invented campaign for the enrollment rules' tests, and the shared reference folder."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from domain.enrollment.campaign import CampaignConfig, load_campaign

REPO_ROOT = Path(__file__).resolve().parents[3]
SHARED_DIR = Path(os.environ.get("TSOS_SHARED_DIR", REPO_ROOT.parent / "shared"))
FIRST_GRADE_DIR = SHARED_DIR / "reference" / "epgu" / "first-grade"

# Moscow time, the time of the portal's FilingDate offsets: 1 April 00:30 MSK is still
# 31 March in UTC.
CAMPAIGN_YAML = """\
region:
  name: Тестовая область
  oktmo: "45000000"
  time_zone: Europe/Moscow
  education_authority:
    name: Управление образования (тест)
    address: ул. Учебная, д. 1
    phone: "+74950000001"
  support_phone: "+74950000002"

campaign:
  year: 2026
  age_reference_date: 2026-09-01
  wave1: {start: 2026-04-01, end: 2026-06-30}
  wave2: {start: 2026-07-06, end: 2026-09-05}
  documents_due_days: 10

schools:
  - code: T-0001
    name: Школа № 1 (тест)
    address: ул. Первая, д. 1
    first_grade_places: 2
    reception_hours: пн–пт 09:00–17:00
    territory:
      - {street: ул. Первая, houses: "1-60"}
      - {street: пр-т Мира, houses: "2, 4, 6, 8а"}
      - {street: Речной пер., houses: odd}
  - code: T-0002
    name: Гимназия № 2 (тест)
    address: ул. Вторая, д. 2
    boarding: true
    first_grade_places: 1
    reception_hours: пн–пт 10:00–16:00
    wave1_closed_at: 2026-06-20 12:00:00
    founder:
      name: Министерство (тест)
      address: ул. Министерская, д. 3
    territory:
      - {street: ул. Вторая, houses: all}
"""


@pytest.fixture(scope="session")
def campaign() -> CampaignConfig:
    return load_campaign(
        CAMPAIGN_YAML,
        deployment_region_oktmo="45000000",
        deployment_time_zone="Europe/Moscow",
    )


def first_grade_reference(*parts: str) -> Path:
    """A file of the shared first-grade contract, or a skip saying it is absent."""
    path = FIRST_GRADE_DIR.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference material absent: {path} (set TSOS_SHARED_DIR)")
    return path

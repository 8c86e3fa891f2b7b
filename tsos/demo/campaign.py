"""The demo first-grade campaign: ten schools of the demo region, placed around today.

Wave 1 is open on the day the demo starts (it began five days ago and lasts forty days
more), wave 2 follows. Schools, names and addresses are those of the demo organizations,
so loading the campaign changes nothing in them; territories and places are invented, with
a few small schools so that places run out and refusals happen.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import yaml

from domain.enrollment.territory import StreetTerritory
from tsos.demo.organizations import FOUNDER, demo_organizations

REGION_NAME = "г. Севастополь"
REGION_OKTMO = "67000000"
REGION_TIME_ZONE = "Europe/Simferopol"
SUPPORT_PHONE = "+78690000002"
ADDRESS_PREFIX = "299000, г. Севастополь, "

WAVE1_BEGAN_DAYS_AGO = 5
WAVE1_DAYS_LEFT = 40
DAYS_BETWEEN_WAVES = 6
WAVE2_DAYS = 60
DOCUMENTS_DUE_DAYS = 10

# The school that, in the demo stream, admits all its wave-1 applicants, closes wave 1
# early and signs an enrollment order.
CLOSING_SCHOOL = "SEV-0802"


@dataclass(frozen=True)
class TerritoryLine:
    """One line of a school's assigned territory, as the campaign file writes it."""

    street: str
    houses: str


@dataclass(frozen=True)
class DemoSchool:
    """A school of the demo campaign."""

    code: str
    name: str
    address: str
    places: int
    territory: tuple[TerritoryLine, ...]
    boarding: bool = False
    reception_hours: str = "пн–пт 09:00–17:00"
    assigned: tuple[StreetTerritory, ...] = field(default=(), compare=False, repr=False)

    def __post_init__(self) -> None:
        parsed = tuple(StreetTerritory.parse(line.street, line.houses, school_code=self.code)
                       for line in self.territory)
        object.__setattr__(self, "assigned", parsed)


# code: (places, boarding, territory). Streets are those of the demo organizations; some
# streets are split between schools by side or by range, as real territories are.
_CAMPAIGN_SCHOOLS: dict[str, tuple[int, bool, tuple[tuple[str, str], ...]]] = {
    "SEV-0801": (60, False, (("ул. Примерная", "1-60"), ("ул. Садовая", "2, 4, 6, 8а"),
                             ("ул. Речная", "odd"))),
    "SEV-0802": (15, True, (("ул. Парковая", "all"),)),
    "SEV-0001": (75, False, (("ул. Острякова", "61-140"), ("ул. Морская", "all"))),
    "SEV-0002": (50, False, (("ул. Хрусталёва", "all"), ("ул. Гагарина", "1-40"))),
    "SEV-0003": (50, False, (("ул. Щербака", "81-150"), ("пр-т Победы", "odd"))),
    "SEV-0004": (100, False, (("ул. Садовая", "10-100"), ("ул. Ленина", "41-120"))),
    "SEV-0005": (75, False, (("ул. Щербака", "1-80"), ("ул. Большая Морская", "all"))),
    "SEV-0006": (50, False, (("ул. Ленина", "1-40"), ("ул. Руднева", "all"),
                             ("ул. Острякова", "1-60"))),
    "SEV-0007": (25, False, (("ул. Речная", "even"), ("ул. Гагарина", "41-120"),
                             ("ул. Степаняна", "even"))),
    "SEV-0009": (20, False, (("ул. Примерная", "61-120"), ("ул. Кесаева", "all"),
                             ("пр-т Октябрьской Революции", "1-30, 32, 34а"))),
}

# Streets of the city on no school's territory: children living there are residents of
# none of the demo schools (so are the houses of territory streets outside every range).
OUTSIDE_STREETS = ("ул. Вакуленчука", "ул. Героев Бреста", "ул. Адмирала Октябрьского",
                   "ул. Колобова", "Камышовое ш.", "ул. Генерала Мельника")


def demo_schools() -> tuple[DemoSchool, ...]:
    """The schools of the demo campaign, named and addressed as the demo organizations."""
    organizations = {org.code: org for org in demo_organizations()}
    schools = []
    for code, (places, boarding, territory) in _CAMPAIGN_SCHOOLS.items():
        org = organizations[code]
        schools.append(DemoSchool(
            code=code, name=org.name, address=ADDRESS_PREFIX + org.address, places=places,
            boarding=boarding,
            territory=tuple(TerritoryLine(street, houses) for street, houses in territory)))
    return tuple(schools)


@dataclass(frozen=True)
class CampaignDates:
    """The dates of a demo campaign placed around a day."""

    wave1_start: date
    wave1_end: date
    wave2_start: date
    wave2_end: date
    reference_date: date

    @property
    def year(self) -> int:
        return self.reference_date.year


def demo_campaign_dates(today: date) -> CampaignDates:
    """Wave 1 open on `today`; the reference date is the first 1 September after wave 1."""
    wave1_start = today - timedelta(days=WAVE1_BEGAN_DAYS_AGO)
    wave1_end = today + timedelta(days=WAVE1_DAYS_LEFT)
    wave2_start = wave1_end + timedelta(days=DAYS_BETWEEN_WAVES)
    wave2_end = wave2_start + timedelta(days=WAVE2_DAYS)

    reference = date(wave1_end.year, 9, 1)
    if reference <= wave1_end:
        reference = date(wave1_end.year + 1, 9, 1)
    return CampaignDates(wave1_start, wave1_end, wave2_start, wave2_end, reference)


def demo_campaign_yaml(today: date, schools: Sequence[DemoSchool] | None = None) -> str:
    """The campaign file of the demo region, in the shape `tsos campaign load` reads."""
    dates = demo_campaign_dates(today)
    schools = demo_schools() if schools is None else schools
    founder_name, founder_address, founder_phone = FOUNDER
    document = {
        "region": {
            "name": REGION_NAME,
            "oktmo": REGION_OKTMO,
            "time_zone": REGION_TIME_ZONE,
            "education_authority": {"name": founder_name, "address": founder_address,
                                    "phone": founder_phone},
            "support_phone": SUPPORT_PHONE,
        },
        "campaign": {
            "year": dates.year,
            "age_reference_date": dates.reference_date,
            "wave1": {"start": dates.wave1_start, "end": dates.wave1_end},
            "wave2": {"start": dates.wave2_start, "end": dates.wave2_end},
            "documents_due_days": DOCUMENTS_DUE_DAYS,
        },
        "schools": [
            {
                "code": school.code,
                "name": school.name,
                "address": school.address,
                "boarding": school.boarding,
                "first_grade_places": school.places,
                "reception_hours": school.reception_hours,
                "territory": [{"street": line.street, "houses": line.houses}
                              for line in school.territory],
            }
            for school in schools
        ],
    }
    header = (f"# Demo first-grade campaign of the demo region, placed around {today}.\n"
              "# Generated by `tsos demo --stream`; every name and address is invented.\n")
    return header + yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=99)

"""The first-grade campaign file: region, dates, settings and schools with their territory.

The file is prepared by the region's education authority (the shape of
reference/epgu/first-grade/campaign-example.yaml) and is authoritative: no date in it is
checked against a calendar year, only against the others (wave 1 ends before wave 2 starts).
Dates and times in it are local to `region.time_zone`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.enrollment.errors import (
    CampaignConfigError,
    CampaignDeploymentMismatchError,
    EnrollmentError,
    NaiveMomentError,
    TerritoryGrammarError,
)
from domain.enrollment.ranking import (
    DEFAULT_PRECEDENCE,
    PriorityRight,
    QueueTimeRule,
    check_precedence,
)
from domain.enrollment.territory import StreetTerritory

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]

_OKTMO = re.compile(r"^\d{8}(\d{3})?$")
_PHONE = re.compile(r"^\+?[\d\s()\-]+$")


def _check_phone(value: str | None) -> str | None:
    if value is not None and (
        not _PHONE.match(value) or sum(char.isdigit() for char in value) < 3
    ):
        raise ValueError('телефон записывается цифрами, например "+78690000001"')
    return value


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Contact(_Model):
    """An authority (education authority, founder): name, address, phone."""

    name: Text
    address: Text
    phone: Text | None = None

    @field_validator("phone")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        return _check_phone(value)


class Region(_Model):
    """The region the campaign belongs to."""

    name: Text
    oktmo: Text
    time_zone: Text
    education_authority: Contact
    support_phone: Text | None = None

    @field_validator("oktmo")
    @classmethod
    def _oktmo(cls, value: str) -> str:
        if not _OKTMO.match(value):
            raise ValueError('ОКТМО — 8 или 11 цифр в кавычках, например "67000000"')
        return value

    @field_validator("time_zone")
    @classmethod
    def _time_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"неизвестный часовой пояс «{value}»; укажите его имя из базы IANA, "
                "например Europe/Moscow"
            ) from None
        return value

    @field_validator("support_phone")
    @classmethod
    def _support_phone(cls, value: str | None) -> str | None:
        return _check_phone(value)


class Period(_Model):
    """A period of whole days, both ends included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start > self.end:
            raise ValueError(
                f"начало ({self.start:%d.%m.%Y}) позже окончания ({self.end:%d.%m.%Y})"
            )
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


class EnrollmentOrderSettings(_Model):
    """Working days within which the enrollment order is issued (п. 17 of Order 458)."""

    wave1_working_days: int = Field(default=3, ge=1)
    wave2_working_days: int = Field(default=5, ge=1)


class RankingSettings(_Model):
    """The region's published ranking choices (enrollment.md §3.6, §3.8)."""

    category_precedence: tuple[PriorityRight, ...] = DEFAULT_PRECEDENCE
    queue_time: QueueTimeRule = QueueTimeRule.FILING_DATE

    @field_validator("category_precedence")
    @classmethod
    def _precedence(cls, value: tuple[PriorityRight, ...]) -> tuple[PriorityRight, ...]:
        return check_precedence(value)


class CalendarSettings(_Model):
    """Regional days off and working days the federal production calendar does not know."""

    extra_days_off: tuple[date, ...] = ()
    extra_working_days: tuple[date, ...] = ()

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarSettings:
        both = sorted(set(self.extra_days_off) & set(self.extra_working_days))
        if both:
            listed = ", ".join(f"{day:%d.%m.%Y}" for day in both)
            raise ValueError(f"дни указаны и как выходные, и как рабочие: {listed}")
        return self


class CampaignSettings(_Model):
    """The `campaign` section: year, reference date, waves and timers."""

    year: int = Field(ge=2000, le=2100)
    age_reference_date: date
    wave1: Period
    wave2: Period
    documents_due_days: int = Field(ge=1)
    foreign_documents_check_days: int = Field(default=5, ge=1)
    enrollment_order: EnrollmentOrderSettings = Field(
        default_factory=EnrollmentOrderSettings
    )
    ranking: RankingSettings = Field(default_factory=RankingSettings)
    calendar: CalendarSettings = Field(default_factory=CalendarSettings)
    # A regional rule (enrollment.md §3.9): when true, an active application to one school
    # makes an application to another school for the same child a duplicate.
    one_active_application_per_child: bool = False

    @model_validator(mode="after")
    def _waves_in_order(self) -> CampaignSettings:
        if not self.wave1.end < self.wave2.start:
            raise ValueError(
                f"первый этап (по {self.wave1.end:%d.%m.%Y}) должен закончиться раньше "
                f"начала второго ({self.wave2.start:%d.%m.%Y})"
            )
        return self


class TerritoryEntry(_Model):
    """One line of a school's assigned territory as written in the file."""

    street: Text
    houses: Text

    @field_validator("houses", mode="before")
    @classmethod
    def _houses_as_text(cls, value: Any) -> Any:
        # `houses: 5` and `houses: [2, 4, 8а]` are read as the list they mean.
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return str(value)
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return value


class School(_Model):
    """A school that admits to first grade in the campaign."""

    code: Text
    name: Text
    address: Text
    boarding: bool = False
    first_grade_places: int = Field(ge=0)
    reception_hours: Text
    founder: Contact | None = None
    territory: tuple[TerritoryEntry, ...] = ()
    # The moment the school closed wave 1 early, having admitted every wave-1 child; its
    # wave 2 opens then (п. 18 of Order 458). Local time unless an offset is given.
    wave1_closed_at: datetime | None = None

    _assigned: tuple[StreetTerritory, ...] = PrivateAttr(default=())

    @field_validator("territory")
    @classmethod
    def _territory_grammar(
        cls, value: tuple[TerritoryEntry, ...], info: ValidationInfo
    ) -> tuple[TerritoryEntry, ...]:
        code = info.data.get("code")
        problems = []
        for entry in value:
            try:
                StreetTerritory.parse(entry.street, entry.houses, school_code=code)
            except TerritoryGrammarError as error:
                problems.append(error.message)
        if problems:
            raise ValueError("; ".join(problems))
        return value

    def model_post_init(self, context: Any) -> None:
        self._assigned = tuple(
            StreetTerritory.parse(entry.street, entry.houses, school_code=self.code)
            for entry in self.territory
        )

    @property
    def assigned_territory(self) -> tuple[StreetTerritory, ...]:
        """The territory, parsed, for territory.is_resident."""
        return self._assigned


class CampaignConfig(_Model):
    """A whole campaign file."""

    region: Region
    campaign: CampaignSettings
    schools: tuple[School, ...] = Field(min_length=1)

    @field_validator("schools")
    @classmethod
    def _unique_codes(cls, value: tuple[School, ...]) -> tuple[School, ...]:
        seen: set[str] = set()
        repeated = []
        for school in value:
            if school.code in seen:
                repeated.append(school.code)
            seen.add(school.code)
        if repeated:
            raise ValueError(
                "коды школ повторяются: " + ", ".join(sorted(set(repeated)))
            )
        return value

    @model_validator(mode="after")
    def _early_closings_within_campaign(self) -> CampaignConfig:
        problems = []
        for index, school in enumerate(self.schools):
            if school.wave1_closed_at is None:
                continue
            closed = self._localize(school.wave1_closed_at)
            if not self.wave1_opens_at <= closed < self.default_wave2_opens_at:
                problems.append(
                    f"поле «schools[{index}].wave1_closed_at» (школа {school.code}): "
                    f"досрочно закрыть первый этап можно между "
                    f"{self.wave1_opens_at:%d.%m.%Y} и началом второго этапа "
                    f"{self.campaign.wave2.start:%d.%m.%Y}"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def time_zone(self) -> ZoneInfo:
        return ZoneInfo(self.region.time_zone)

    @property
    def wave1_opens_at(self) -> datetime:
        return datetime.combine(self.campaign.wave1.start, time(0), self.time_zone)

    @property
    def default_wave1_closes_at(self) -> datetime:
        """The end of wave 1's last day by the calendar: midnight after it, local time."""
        return datetime.combine(self.campaign.wave1.end + timedelta(days=1), time(0),
                                self.time_zone)

    @property
    def default_wave2_opens_at(self) -> datetime:
        return datetime.combine(self.campaign.wave2.start, time(0), self.time_zone)

    def school(self, code: str) -> School:
        """The school with this code; EnrollmentError if the campaign has none."""
        for school in self.schools:
            if school.code == code:
                return school
        raise EnrollmentError(
            f"школа с кодом «{code}» не участвует в приёмной кампании"
        )

    def founder_of(self, school: School) -> Contact:
        """The school's founder: its own, or the region's education authority."""
        return school.founder or self.region.education_authority

    def wave2_opens_at(self, school: School) -> datetime:
        """When the school's wave 2 opens: its early closing of wave 1, or wave2.start."""
        if school.wave1_closed_at is not None:
            return self._localize(school.wave1_closed_at)
        return self.default_wave2_opens_at

    def wave1_closes_on(self, school: School) -> date:
        """The last day of the school's wave 1: the day it closed early, or wave1.end."""
        if school.wave1_closed_at is not None:
            return self._localize(school.wave1_closed_at).date()
        return self.campaign.wave1.end

    def local(self, moment: datetime) -> datetime:
        """The moment in the region's time zone; a naive moment is refused."""
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise NaiveMomentError("время подачи заявления")
        return moment.astimezone(self.time_zone)

    def window_contains(self, filing_date: datetime | date) -> bool:
        """Whether a filing falls from wave 1's first day to wave 2's last, in local days."""
        if isinstance(filing_date, datetime):
            day = self.local(filing_date).date()
        else:
            day = filing_date
        return self.campaign.wave1.start <= day <= self.campaign.wave2.end

    def _localize(self, moment: datetime) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            return moment.replace(tzinfo=self.time_zone)
        return moment.astimezone(self.time_zone)


def parse_campaign(yaml_text: str) -> CampaignConfig:
    """Read a campaign file; CampaignConfigError lists every problem in Russian."""
    try:
        data = yaml.safe_load(yaml_text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" (строка {mark.line + 1}, позиция {mark.column + 1})" if mark else ""
        raise CampaignConfigError([f"файл не читается как YAML{where}"]) from None
    if not isinstance(data, Mapping):
        raise CampaignConfigError(
            ["файл должен содержать разделы region, campaign и schools"]
        )

    try:
        return CampaignConfig.model_validate(data)
    except ValidationError as error:
        problems = error.errors()
        raise CampaignConfigError(
            [
                _problem_ru(problem, data)
                for problem in problems
                if _reported(problem, problems)
            ]
        ) from None


def load_campaign(
    yaml_text: str, *, deployment_region_oktmo: str, deployment_time_zone: str
) -> CampaignConfig:
    """Read a campaign file and refuse one made for another region or time zone."""
    config = parse_campaign(yaml_text)

    problems = []
    if config.region.oktmo != deployment_region_oktmo.strip():
        problems.append(
            f"поле «region.oktmo»: файл составлен для региона с ОКТМО {config.region.oktmo}, "
            f"а система обслуживает регион с ОКТМО {deployment_region_oktmo.strip()}"
        )
    if config.region.time_zone != deployment_time_zone.strip():
        problems.append(
            f"поле «region.time_zone»: в файле часовой пояс {config.region.time_zone}, "
            f"а в системе — {deployment_time_zone.strip()}"
        )
    if problems:
        raise CampaignDeploymentMismatchError(problems)
    return config


_TYPE_TEXTS = {
    "missing": "обязательное поле не заполнено",
    "extra_forbidden": "неизвестное поле (проверьте написание)",
    "string_type": "ожидается текст; числа, коды и телефоны пишите в кавычках",
    "string_too_short": "не заполнено",
    "int_type": "ожидается целое число",
    "int_parsing": "ожидается целое число",
    "int_from_float": "ожидается целое число",
    "bool_type": "ожидается true или false",
    "bool_parsing": "ожидается true или false",
    "date_type": "ожидается дата в виде ГГГГ-ММ-ДД",
    "date_parsing": "ожидается дата в виде ГГГГ-ММ-ДД",
    "date_from_datetime_parsing": "ожидается дата в виде ГГГГ-ММ-ДД",
    "date_from_datetime_inexact": "ожидается дата без времени, в виде ГГГГ-ММ-ДД",
    "datetime_type": "ожидаются дата и время в виде ГГГГ-ММ-ДД чч:мм:сс",
    "datetime_parsing": "ожидаются дата и время в виде ГГГГ-ММ-ДД чч:мм:сс",
    "datetime_from_date_parsing": "ожидаются дата и время в виде ГГГГ-ММ-ДД чч:мм:сс",
    "model_type": "ожидается раздел с полями",
    "model_attributes_type": "ожидается раздел с полями",
    "dict_type": "ожидается раздел с полями",
    "list_type": "ожидается список",
    "tuple_type": "ожидается список",
}


def _reported(
    problem: Mapping[str, Any], problems: Sequence[Mapping[str, Any]]
) -> bool:
    # A list whose every item failed is also reported as empty: the items' own problems
    # say it better.
    if problem["type"] != "too_short":
        return True
    location = tuple(problem["loc"])
    return not any(
        tuple(other["loc"])[: len(location)] == location and other is not problem
        for other in problems
    )


def _problem_ru(problem: Mapping[str, Any], data: Any) -> str:
    kind = problem["type"]
    context = problem.get("ctx") or {}
    if kind in ("value_error", "assertion_error") and "error" in context:
        text = str(context["error"])
    elif kind == "greater_than_equal":
        text = f"должно быть не меньше {context.get('ge')}"
    elif kind == "less_than_equal":
        text = f"должно быть не больше {context.get('le')}"
    elif kind == "too_short":
        text = "список пуст"
    elif kind == "enum":
        text = f"допустимые значения: {context.get('expected')}"
    else:
        text = _TYPE_TEXTS.get(kind, "недопустимое значение")

    path, school_code = _path_ru(problem.get("loc", ()), data)
    if not path:
        return text
    school = f" (школа {school_code})" if school_code else ""
    return f"поле «{path}»{school}: {text}"


def _path_ru(location: Sequence[Any], data: Any) -> tuple[str, str | None]:
    """The YAML path of a problem, and the code of the school it is in, if any."""
    parts: list[str] = []
    node = data
    school_code = None
    for step in location:
        if isinstance(step, int):
            parts.append(f"[{step}]")
        else:
            parts.append(f".{step}" if parts else str(step))
        node = _child(node, step)
        if parts == ["schools", f"[{step}]"] and isinstance(node, Mapping):
            school_code = node.get("code")
    return "".join(parts), school_code


def _child(node: Any, step: Any) -> Any:
    if isinstance(step, int) and isinstance(node, list) and 0 <= step < len(node):
        return node[step]
    if isinstance(node, Mapping):
        return node.get(step)
    return None

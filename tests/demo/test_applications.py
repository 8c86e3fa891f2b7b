"""Generated applications: valid against the contract (or invalid as intended), realistic."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from lxml import etree

from domain.enrollment.age import assess_age
from domain.enrollment.duplicates import ChildIdentity, duplicate_key
from domain.enrollment.territory import is_resident
from domain.people.snils import SnilsProblem, is_valid_snils, snils_problem
from gateways.epgu import InvalidPayload, ParsedApplication, ParsedCancel, parse
from gateways.epgu.first_grade.v1_0_0.reader import NAMESPACE
from tsos.demo.applications import (
    ApplicationGenerator,
    GeneratedApplication,
    Kind,
    demo_contingent,
)
from tsos.demo.campaign import demo_campaign_dates, demo_schools

FILED_FROM = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
NS = {"fg": NAMESPACE}
SCHOOLS = demo_schools()
DATES = demo_campaign_dates(date(2026, 12, 3))
CONTINGENT = demo_contingent(SCHOOLS, DATES.year)


@dataclass
class Context:
    """The intake's view of the world: the demo region, every demo school admitting."""

    region_oktmo: str = "67000000"
    now: datetime = FILED_FROM + timedelta(days=2)

    def school_admits_first_grade(self, school_code: str, filing_date: datetime) -> bool:
        return school_code in {s.code for s in SCHOOLS}


def generate(count: int, seed: int = 5, **kwargs) -> list[GeneratedApplication]:
    generator = ApplicationGenerator(SCHOOLS, DATES.reference_date, seed=seed,
                                     contingent=CONTINGENT, **kwargs)
    return [generator.next(FILED_FROM + timedelta(seconds=7 * i)) for i in range(count)]


@pytest.fixture(scope="module")
def sample() -> list[GeneratedApplication]:
    return generate(2000)


@pytest.fixture(scope="module")
def parsed(sample) -> dict[int, object]:
    return {a.order_id: parse(a.payload, Context()) for a in sample}


def identity(result: ParsedApplication) -> ChildIdentity:
    child = result.application.child
    return ChildIdentity(
        surname=child.name.surname, name=child.name.name, middle_name=child.name.middle_name,
        birth_date=child.birth_date,
        birth_document_series=getattr(child.birth_document, "series", None),
        birth_document_number=child.birth_document.number,
        russian_birth_document=child.citizenship == "643", snils=child.snils)


def test_every_message_parses_as_valid_or_as_the_intended_invalid(sample, parsed) -> None:
    for app in sample:
        result = parsed[app.order_id]
        if app.kind in (Kind.VALID, Kind.DUPLICATE):
            assert isinstance(result, ParsedApplication), (app.kind, result)
            data = result.application
            assert data.order_id == app.order_id
            assert data.school_code == app.school_code
            assert data.filing_date == app.filed_at.replace(microsecond=0)
            assert (data.child.citizenship != "643") == app.foreign
            assert (data.foreign_citizen_info is not None) == app.foreign_info
        else:
            assert isinstance(result, InvalidPayload), (app.kind, result)
            assert result.order_id == app.order_id
    invalid = {a.kind: parsed[a.order_id] for a in sample
               if a.kind in (Kind.BAD_SNILS, Kind.NO_CONSENT)}
    assert invalid[Kind.BAD_SNILS].field == "СНИЛС ребёнка"
    assert invalid[Kind.BAD_SNILS].problem == SnilsProblem.CHECK_NUMBER.text_ru
    assert "Согласие" in invalid[Kind.NO_CONSENT].field


def test_same_seed_same_messages_other_seed_others() -> None:
    first, again, other = generate(50), generate(50), generate(50, seed=6)

    assert [a.payload for a in first] == [a.payload for a in again]
    assert [a.payload for a in first] != [a.payload for a in other]
    assert first[0].order_id != other[0].order_id


def test_order_ids_are_unique_and_filing_dates_carry_moscow_offset(sample) -> None:
    assert len({a.order_id for a in sample}) == len(sample)
    for app in sample[:200]:
        text = etree.fromstring(app.payload).findtext(".//fg:FilingDate", namespaces=NS)
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+03:00", text), text


def test_duplicates_are_the_same_child_to_the_same_school(sample, parsed) -> None:
    by_order = {a.order_id: a for a in sample}
    duplicates = [a for a in sample if a.kind is Kind.DUPLICATE]
    assert 0.04 <= len(duplicates) / len(sample) <= 0.08

    spelled_differently = Counter()
    for dup in duplicates:
        original = by_order[dup.duplicate_of]
        assert original.kind is Kind.VALID and original.order_id < dup.order_id
        assert dup.school_code == original.school_code
        dup_key = duplicate_key(identity(parsed[dup.order_id]), dup.school_code)
        assert dup_key == duplicate_key(identity(parsed[original.order_id]),
                                        original.school_code)
        assert duplicate_key(dup.child, dup.school_code) == dup_key

        dup_name = parsed[dup.order_id].application.child.name
        name = parsed[original.order_id].application.child.name
        if "ё" in (name.surname + name.name).lower() and "ё" not in (
                dup_name.surname + dup_name.name).lower():
            spelled_differently["yo"] += 1
        elif dup_name.surname.isupper() or dup_name.surname.islower():
            spelled_differently["case"] += 1
        elif dup_name.surname != dup_name.surname.strip():
            spelled_differently["space"] += 1
    assert set(spelled_differently) == {"yo", "case", "space"}


def test_snils_are_valid_except_where_meant_to_be_wrong(sample, parsed) -> None:
    with_snils = without = 0
    for app in sample:
        snils = app.child.snils
        if app.kind is Kind.BAD_SNILS:
            assert snils_problem(snils) is SnilsProblem.CHECK_NUMBER
        elif snils is None:
            without += 1
        else:
            assert is_valid_snils(snils)
            with_snils += 1
    assert with_snils > 1500 and 100 < without < 400


def test_the_mix_looks_like_a_campaign_start(sample, parsed) -> None:
    valid = [a for a in sample if a.kind is Kind.VALID]
    apps = {a.order_id: parsed[a.order_id].application for a in valid}
    kinds = Counter(a.kind for a in sample)
    assert kinds[Kind.BAD_SNILS] >= 10 and kinds[Kind.NO_CONSENT] >= 5

    genders = Counter(app.child.gender.value for app in apps.values())
    assert min(genders.values()) > 0.4 * len(valid)
    names = [app.child.name for app in apps.values()]
    assert sum("ё" in (n.surname + n.name + (n.middle_name or "")).lower()
               for n in names) > 0.1 * len(valid)
    assert sum(n.middle_name is None for n in names) > 0

    rights = Counter(a.right for a in valid)
    assert {"extraordinary", "first_priority", "sibling"} <= set(rights)
    assert rights[None] > 0.8 * len(valid)
    foreign = [a for a in valid if a.foreign]
    assert foreign and all(apps[a.order_id].child.citizenship == "860" for a in foreign)
    assert 0 < sum(a.foreign_info for a in foreign) < len(foreign)

    residents = Counter(a.resident for a in valid)
    assert residents[True] > residents[False] > 0.2 * len(valid)
    assert {a.school_code for a in valid} == {s.code for s in SCHOOLS}


def test_ages_mostly_within_the_limits_a_few_outside(sample, parsed) -> None:
    valid = [a for a in sample if a.kind is Kind.VALID]
    categories = Counter()
    for app in valid:
        birth = parsed[app.order_id].application.child.birth_date
        assessment = assess_age(birth, DATES.reference_date)
        assert assessment.needs_founder_permission == app.needs_age_permission
        categories[assessment.category.value] += 1
    assert categories["within_limits"] > 0.9 * len(valid)
    assert categories["too_young"] > 0 and categories["too_old"] > 0


def test_residence_labels_agree_with_the_territory_rules(sample, parsed) -> None:
    schools = {s.code: s for s in SCHOOLS}
    for app in sample:
        if app.kind is not Kind.VALID:
            continue
        data = parsed[app.order_id].application
        resident = any(
            is_resident(a.street, a.house, schools[app.school_code].assigned).resident
            for a in (data.residence_address, data.registration_address))
        assert resident == app.resident, app.order_id


def test_sibling_claims_name_pupils_of_the_contingent(sample, parsed) -> None:
    pupils = {(p.record.surname, p.record.name, p.record.patronymic, p.record.birth_date,
               p.record.school_code) for p in CONTINGENT}
    siblings = [a for a in sample if a.kind is Kind.VALID and a.right == "sibling"]
    assert any(a.sibling_in_contingent for a in siblings)
    assert any(not a.sibling_in_contingent for a in siblings)
    for app in siblings:
        data = parsed[app.order_id].application
        assert data.priority_right.kind.value == "sibling" and data.siblings
        sibling = data.siblings[0]
        found = (sibling.name.surname, sibling.name.name, sibling.name.middle_name,
                 sibling.birth_date, sibling.school_code) in pupils
        assert found == app.sibling_in_contingent
        assert sibling.school_code == app.school_code


def test_an_excluded_school_gets_nothing_not_even_a_duplicate() -> None:
    generator = ApplicationGenerator(SCHOOLS, DATES.reference_date, seed=9,
                                     contingent=CONTINGENT)
    for index in range(300):
        generator.next(FILED_FROM + timedelta(seconds=index))
    later = [generator.next(FILED_FROM + timedelta(hours=1, seconds=i),
                            exclude_schools={"SEV-0802", "SEV-0004"}) for i in range(500)]

    assert {a.school_code for a in later}.isdisjoint({"SEV-0802", "SEV-0004"})
    assert any(a.kind is Kind.DUPLICATE for a in later)


def test_a_cancel_request_is_valid() -> None:
    generator = ApplicationGenerator(SCHOOLS, DATES.reference_date, seed=1)
    result = parse(generator.cancel_request(30_000_000_123, "Выбрали другую школу"), Context())

    assert isinstance(result, ParsedCancel)
    assert result.request.order_id == 30_000_000_123


def test_a_naive_filing_moment_is_refused() -> None:
    generator = ApplicationGenerator(SCHOOLS, DATES.reference_date, seed=1)
    with pytest.raises(ValueError, match="timezone-aware"):
        generator.next(datetime(2026, 12, 1, 9, 0))

"""Duplicate applications: the same child to the same school while one is active (§3.9).

Child identity is the normalised full name (case, spaces, Ё/Е, Latin look-alikes and
invisible characters folded), the birth date and the birth document's series and number;
two applications whose SNILS are both given and equal are the same child as well. Names are
normalised only to build the key; they are stored and shown as submitted.

The application already registered stands: a duplicate status is sent instead of
registration, never after it (contract 1.0.0, status 331). So the application kept is an
active one even when the newcomer's FilingDate is earlier (a delivery delayed by the
portal); among several active ones for the same child (registered concurrently) the first
to arrive is kept: earliest FilingDate, then arrival sequence, then order number.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from domain.enrollment.ranking import order_id_key, to_utc
from domain.people.documents import birth_document_key
from domain.people.names import full_name_key
from domain.people.snils import strip_snils


@dataclass(frozen=True)
class ChildIdentity:
    """What identifies a child across applications, as submitted."""

    surname: str
    name: str
    middle_name: str | None
    birth_date: date
    birth_document_series: str | None
    birth_document_number: str
    # A Russian birth certificate (series «II-КМ»); a foreign document is compared as is.
    russian_birth_document: bool = True
    snils: str | None = None


@dataclass(frozen=True)
class DuplicateKey:
    """The matching key of a child at a school."""

    full_name: str
    birth_date: date
    birth_document: str
    school_code: str


@dataclass(frozen=True)
class ActiveApplication:
    """An application as duplicate detection sees it."""

    order_id: str
    school_code: str
    child: ChildIdentity
    filed_at: datetime
    arrival_sequence: int


def duplicate_key(child: ChildIdentity, school_code: str) -> DuplicateKey:
    """Build the matching key of a child's application to a school."""
    return DuplicateKey(
        full_name=full_name_key(child.surname, child.name, child.middle_name),
        birth_date=child.birth_date,
        birth_document=birth_document_key(
            child.birth_document_series,
            child.birth_document_number,
            russian=child.russian_birth_document,
        ),
        school_code=school_code.strip(),
    )


def same_child(first: ChildIdentity, second: ChildIdentity) -> bool:
    """Tell whether two applications are about the same child."""
    first_snils, second_snils = _snils(first), _snils(second)
    if first_snils and first_snils == second_snils:
        return True
    return duplicate_key(first, "") == duplicate_key(second, "")


def find_duplicate(
    candidate: ActiveApplication,
    active_applications: Iterable[ActiveApplication],
    *,
    any_school: bool = False,
) -> ActiveApplication | None:
    """Return the active application that stands against the candidate, or None.

    `active_applications` are this campaign's active ones; an application with the
    candidate's own order number is a repeated delivery, not a duplicate, and is skipped.
    `any_school` applies the regional rule of one active application per child
    (CampaignSettings.one_active_application_per_child).
    """
    matching = [
        application
        for application in active_applications
        if application.order_id != candidate.order_id
        and (
            any_school
            or application.school_code.strip() == candidate.school_code.strip()
        )
        and same_child(application.child, candidate.child)
    ]
    if not matching:
        return None
    return min(matching, key=arrival_key)


def arrival_key(
    application: ActiveApplication,
) -> tuple[datetime, int, tuple[int, int, str]]:
    """Order of arrival: FilingDate in UTC, arrival sequence, order number."""
    return (
        to_utc(application.filed_at, f"заявление № {application.order_id}"),
        application.arrival_sequence,
        order_id_key(application.order_id),
    )


def split_duplicates(
    applications: Iterable[ActiveApplication],
) -> tuple[list[ActiveApplication], dict[str, str]]:
    """Collapse a batch (a replayed intake) to the first of each child at each school.

    Returns the kept applications in order of arrival, and for each duplicate its order
    number mapped to the order number of the application kept instead of it.
    """
    kept: list[ActiveApplication] = []
    kept_orders: set[str] = set()
    duplicate_of: dict[str, str] = {}
    for application in sorted(applications, key=arrival_key):
        if application.order_id in kept_orders:
            # The same order delivered again is answered with its status, not as a duplicate.
            continue
        standing = find_duplicate(application, kept)
        if standing is None:
            kept.append(application)
            kept_orders.add(application.order_id)
        else:
            duplicate_of[application.order_id] = standing.order_id
    return kept, duplicate_of


def _snils(child: ChildIdentity) -> str:
    return strip_snils(child.snils) if child.snils else ""

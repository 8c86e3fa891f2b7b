"""The enrollment order (приказ о зачислении): numbered, rendered, its children made pupils."""

from __future__ import annotations

import logging
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.enrollment.common import campaign_config
from domain.people.names import full_name_key
from gateways.pdf.enrollment_order import (
    EnrollmentOrderDocument,
    OrderLine,
    render_order_pdf,
)
from tsos.contingent import PupilRecord, upsert_pupil
from tsos.db.enrollment import EnrollmentOrder, FirstGradeApplication
from tsos.db.models import Organization, Person, Pupil

log = logging.getLogger(__name__)


def _next_number(session: Session, org: Organization, year: int) -> str:
    count = session.scalar(select(func.count()).select_from(EnrollmentOrder).where(
        EnrollmentOrder.organization_id == org.id)) or 0
    return f"{count + 1}-1кл/{year}"


def _known_person(session: Session, record: PupilRecord, snils: str | None) -> Person | None:
    """The person the child already is: by SNILS, else the only one of that name and birth
    date (a namesake with another SNILS is someone else)."""
    if snils:
        person = session.scalar(select(Person).where(Person.snils == snils))
        if person is not None:
            return person
    found = list(session.scalars(select(Person).where(
        Person.match_key == full_name_key(record.surname, record.name, record.patronymic),
        Person.birth_date == record.birth_date).limit(2)))
    if len(found) == 1 and found[0].snils in (None, snils):
        return found[0]
    return None


def make_order(session: Session, *, org: Organization, campaign_id: int,
               apps: list[FirstGradeApplication], actor: str, number: str | None,
               order_date: date | None, wave: int, now: datetime) -> EnrollmentOrder:
    config = campaign_config(session, campaign_id)
    year = config.campaign.year
    order_date = order_date or config.local(now).date()
    order = EnrollmentOrder(campaign_id=campaign_id, organization_id=org.id,
                            number=number or _next_number(session, org, year),
                            order_date=order_date, wave=wave, signed_by=actor, signed_at=now)
    session.add(order)
    session.flush()

    lines = []
    school_year = f"{year}/{year + 1}"
    for position, app in enumerate(apps, start=1):
        child = app.data["child"]["name"]
        birth = date.fromisoformat(app.data["child"]["birth_date"])
        lines.append(OrderLine(position=position, surname=child["surname"],
                               name=child["name"], patronymic=child.get("middle_name"),
                               birth_date=birth, order_id=app.order_id))
        app.enrollment_order_id = order.id
        record = PupilRecord(
            school_year=school_year, school_code=org.code, grade=1, class_letter=None,
            surname=child["surname"], name=child["name"], patronymic=child.get("middle_name"),
            birth_date=birth, address=app.data.get("residence_address", {}).get("full_text"))
        person = _known_person(session, record, app.data["child"].get("snils"))
        if person is not None and session.scalar(select(Pupil.id).where(
                Pupil.person_id == person.id, Pupil.organization_id == org.id)) is None:
            # A child the region knows already (a kindergarten, another school): the same
            # person becomes this school's pupil, not a second person.
            session.add(Pupil(person_id=person.id, organization_id=org.id, grade=1,
                              class_letter=None, school_year=school_year))
        else:
            upsert_pupil(session, org, record)

    order.pdf = render_order_pdf(EnrollmentOrderDocument(
        school_name=org.name, number=order.number, order_date=order_date,
        school_year=school_year, signed_by=actor, lines=lines))
    log.info("enrollment order signed", extra={"organization_id": org.id,
                                              "enrollment_order_id": order.id,
                                              "applications": len(apps)})
    return order

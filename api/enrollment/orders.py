"""Enrollment orders of a school as the staff see them."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.enrollment.reading import birth_date_of, child_name
from api.enrollment.schemas import EnrollmentOrderOut, OrderLineOut
from api.errors import NotFound
from tsos.db.enrollment import AdmissionCampaign, EnrollmentOrder, FirstGradeApplication
from tsos.db.models import Organization

PREFIX = "/enrollment/first-grade"


def pdf_url(org: Organization, order: EnrollmentOrder) -> str:
    return f"{PREFIX}/schools/{org.code}/enrollment-orders/{order.id}.pdf"


def order_out(session: Session, org: Organization, order: EnrollmentOrder, *,
              personal: bool) -> EnrollmentOrderOut:
    campaign = session.get(AdmissionCampaign, order.campaign_id)
    assert campaign is not None
    # The order's own list is in FilingDate order, as the PDF prints it.
    apps = session.scalars(select(FirstGradeApplication)
                           .where(FirstGradeApplication.enrollment_order_id == order.id)
                           .order_by(FirstGradeApplication.filing_date))
    lines = [OrderLineOut(application_id=a.id, order_id=a.order_id,
                          child_name=child_name(a.data) if personal else None,
                          birth_date=birth_date_of(a.data)) for a in apps]
    return EnrollmentOrderOut(id=order.id, school_code=org.code, campaign_year=campaign.year,
                              number=order.number, order_date=order.order_date,
                              wave=order.wave, signed_by=order.signed_by,
                              signed_at=order.signed_at, applications=lines,
                              pdf_url=pdf_url(org, order))


def list_orders(session: Session, org: Organization, year: int | None) -> list[EnrollmentOrder]:
    query = select(EnrollmentOrder).where(EnrollmentOrder.organization_id == org.id)
    if year is not None:
        query = query.join(AdmissionCampaign).where(AdmissionCampaign.year == year)
    return list(session.scalars(query.order_by(EnrollmentOrder.signed_at,
                                               EnrollmentOrder.id)))


def load_order(session: Session, org: Organization, order_ref: int) -> EnrollmentOrder:
    order = session.get(EnrollmentOrder, order_ref)
    # Another school's order is "not found" here: its id says nothing to this school.
    if order is None or order.organization_id != org.id:
        raise NotFound(f"Приказ о зачислении с идентификатором {order_ref} у школы "
                       f"«{org.code}» не найден.")
    return order


def number_taken(session: Session, org: Organization, number: str) -> bool:
    return session.scalar(select(EnrollmentOrder.id).where(
        EnrollmentOrder.organization_id == org.id, EnrollmentOrder.number == number)) is not None

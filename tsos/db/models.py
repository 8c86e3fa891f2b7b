"""Tables of the foundation: the region's organizations, people, users and the audit log.

Each process (enrollment, gradebook, certificates) adds its own tables in its own module and
refers to these.
"""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tsos.db.base import Base, Timestamped

JsonDoc = JSON().with_variant(JSONB(), "postgresql")


class OrganizationKind(enum.StrEnum):
    school = "school"
    college = "college"
    kindergarten = "kindergarten"


class Role(enum.StrEnum):
    region_admin = "region_admin"
    founder_officer = "founder_officer"
    school_head = "school_head"
    deputy_head = "deputy_head"
    admissions_officer = "admissions_officer"
    secretary = "secretary"
    teacher = "teacher"
    social_agency = "social_agency"
    guardian = "guardian"
    pupil = "pupil"


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    return Enum(kind, name=name, native_enum=False, length=32,
                values_callable=lambda k: [m.value for m in k])


class Organization(Timestamped, Base):
    __tablename__ = "organizations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(500))
    short_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[OrganizationKind] = mapped_column(_enum(OrganizationKind, "organization_kind"))
    address: Mapped[str] = mapped_column(String(500))
    oktmo: Mapped[str] = mapped_column(String(11))
    inn: Mapped[str | None] = mapped_column(String(10))
    ogrn: Mapped[str | None] = mapped_column(String(13))
    kpp: Mapped[str | None] = mapped_column(String(9))
    phone: Mapped[str | None] = mapped_column(String(32))
    founder_name: Mapped[str | None] = mapped_column(String(500))
    founder_address: Mapped[str | None] = mapped_column(String(500))
    founder_phone: Mapped[str | None] = mapped_column(String(32))
    time_zone: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        CheckConstraint("inn IS NULL OR inn ~ '^[0-9]{10}$'", name="inn_digits"),
        CheckConstraint("ogrn IS NULL OR ogrn ~ '^[0-9]{13}$'", name="ogrn_digits"),
        CheckConstraint("kpp IS NULL OR kpp ~ '^[0-9]{9}$'", name="kpp_digits"),
    )


class SchoolYear(Base):
    __tablename__ = "school_years"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    name: Mapped[str] = mapped_column(String(9))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)

    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        CheckConstraint("starts_on < ends_on", name="dates_ordered"),
    )


class Person(Timestamped, Base):
    """A person known to the region: a pupil, a guardian, a teacher or an applicant."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    surname: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(100))
    patronymic: Mapped[str | None] = mapped_column(String(100))
    birth_date: Mapped[date | None] = mapped_column(Date)
    gender: Mapped[str | None] = mapped_column(String(6))
    snils: Mapped[str | None] = mapped_column(String(11), unique=True)
    inn: Mapped[str | None] = mapped_column(String(12))
    phone: Mapped[str | None] = mapped_column(String(32))
    email: Mapped[str | None] = mapped_column(String(200))
    address: Mapped[str | None] = mapped_column(String(500))
    # Name folded for matching (case, spaces, Ё/Е); never shown.
    match_key: Mapped[str] = mapped_column(String(320), index=True)

    documents: Mapped[list[PersonDocument]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    __table_args__ = (
        CheckConstraint("snils IS NULL OR snils ~ '^[0-9]{11}$'", name="snils_digits"),
    )


class PersonDocument(Base):
    __tablename__ = "person_documents"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    series: Mapped[str | None] = mapped_column(String(20))
    number: Mapped[str] = mapped_column(String(40))
    issued_on: Mapped[date | None] = mapped_column(Date)
    issued_by: Mapped[str | None] = mapped_column(String(500))

    person: Mapped[Person] = relationship(back_populates="documents")


class Pupil(Timestamped, Base):
    """A person's enrolment in one organization; leaving keeps the row (past registers)."""

    __tablename__ = "pupils"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    grade: Mapped[int] = mapped_column(Integer)
    class_letter: Mapped[str | None] = mapped_column(String(4))
    school_year: Mapped[str] = mapped_column(String(9))
    enrolled_on: Mapped[date | None] = mapped_column(Date)
    left_on: Mapped[date | None] = mapped_column(Date)

    person: Mapped[Person] = relationship()
    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        CheckConstraint("grade BETWEEN 0 AND 11", name="grade_range"),
        UniqueConstraint("person_id", "organization_id"),
    )


class GuardianLink(Base):
    __tablename__ = "guardian_links"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    guardian_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    child_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    # A link stops granting access the moment the data it came from is corrected.
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    # One active link per guardian and child; revoked ones stay as the record.
    __table_args__ = (
        Index("uq_guardian_links_active", "guardian_person_id", "child_person_id",
              unique=True, postgresql_where=text("revoked_at IS NULL")),
    )


class User(Timestamped, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    login: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_demo: Mapped[bool] = mapped_column(Boolean, default=False)

    organization: Mapped[Organization | None] = relationship()


class AuditEvent(Base):
    """Append-only: who changed what, when, on whose behalf, from which value to which."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    actor_kind: Mapped[str] = mapped_column(String(16))
    on_behalf_of: Mapped[str | None] = mapped_column(String(200))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    old_value: Mapped[Any | None] = mapped_column(JsonDoc)
    new_value: Mapped[Any | None] = mapped_column(JsonDoc)
    reason: Mapped[str | None] = mapped_column(Text)
    workflow_id: Mapped[str | None] = mapped_column(String(200))
    caused_by_event_id: Mapped[int | None] = mapped_column(BigInteger)

    __table_args__ = (Index(None, "object_type", "object_id"),)

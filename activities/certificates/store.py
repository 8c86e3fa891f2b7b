"""Certificate rows as `domain.certificates.lifecycle.Certificate`, saved back with events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from activities.certificates.context import CertContext, CertificateRuleError
from activities.certificates.records import (
    decision_json,
    decision_of,
    final_mark_json,
    final_marks_of,
    handover_json,
    handover_of,
)
from domain.certificates.blanks import Blank, BlankKind, SpoilageAct
from domain.certificates.final_marks import FinalMarks
from domain.certificates.honours import CertificateDecision
from domain.certificates.kinds import CertificateKind, Level
from domain.certificates.lifecycle import (
    Certificate,
    CertificateEvent,
    CertificateStatus,
    DuplicateGround,
    OriginalDisposition,
    SpoiledBlank,
)
from domain.certificates.registration_book import (
    BookEntry,
    EntryStatus,
    OrderRef,
    RegistrationBook,
    load_numbering,
)
from domain.certificates.rules import rule_set_digest
from tsos.db import certificates as db
from tsos.db.models import Person, Pupil


def load(ctx: CertContext, certificate_id: int, *, for_update: bool = True
         ) -> tuple[db.Certificate, Certificate]:
    row = ctx.session.get(db.Certificate, certificate_id, with_for_update=for_update)
    if row is None or row.organization_id != ctx.organization_id:
        raise CertificateRuleError("Документ не найден", code="not_found", status=404)
    return row, to_domain(ctx.session, row)


def to_domain(session: Session, row: db.Certificate) -> Certificate:
    version = session.get(db.FinalMarksVersion, row.final_marks_id)
    assert version is not None
    blanks = {b.number: b for b in session.scalars(
        select(db.Blank).where(db.Blank.certificate_id == row.id))}
    spoiled = []
    for blank in blanks.values():
        if blank.fate == "spoiled" and blank.spoilage_act_id is not None:
            act = session.get(db.SpoilageAct, blank.spoilage_act_id)
            assert act is not None
            spoiled.append(SpoiledBlank(blank.number, act.number, act.dated, None))
    replaced_by = tuple(str(i) for i in session.scalars(
        select(db.Certificate.id).where(db.Certificate.duplicate_of_id == row.id)
        .order_by(db.Certificate.id)))
    order = None
    if row.issue_order_number and row.issue_order_date:
        order = OrderRef(row.issue_order_number, row.issue_order_date)
    return Certificate(
        certificate_id=str(row.id),
        pupil_id=row.pupil_id,
        organization_id=row.organization_id,
        graduation_year=row.graduation_year,
        level=Level(row.level),
        final_marks=final_marks_of(version),
        decision=decision_of(version.decision),
        status=CertificateStatus(row.status),
        marks_version=row.marks_version,
        warnings_confirmed=row.warnings_confirmed,
        blank=_blank(blanks, row.blank_number),
        supplement_blank=_blank(blanks, row.supplement_blank_number),
        spoiled_blanks=tuple(spoiled),
        registration_number=row.registration_number,
        issue_date=row.issue_date,
        handover=handover_of(row.handover),
        handed_over_on=row.handed_over_on,
        issue_order=order,
        exported_batch_id=str(row.frdo_export_id) if row.frdo_export_id else None,
        duplicate_of=str(row.duplicate_of_id) if row.duplicate_of_id else None,
        original_registration_number=row.original_registration_number,
        duplicate_ground=DuplicateGround(row.duplicate_ground)
        if row.duplicate_ground else None,
        supplement_only=row.supplement_only,
        disposition=OriginalDisposition(row.disposition) if row.disposition else None,
        replaced_by=replaced_by,
        cancellation_reason=row.cancellation_reason,
    )


def _blank(blanks: dict[str, db.Blank], number: str | None) -> Blank | None:
    if number is None:
        return None
    row = blanks.get(number)
    kind = BlankKind(row.kind) if row is not None else None
    assert kind is not None, f"blank {number} of a certificate is not in stock records"
    return Blank(number, kind)


def save(ctx: CertContext, row: db.Certificate, before: Certificate,
         after: Certificate) -> None:
    """Write the domain state onto the row and store the events the step added."""
    row.status = after.status.value
    row.kind = after.kind.value if after.kind else None
    row.medal = after.medal.value if after.medal else None
    row.marks_version = after.marks_version
    row.warnings_confirmed = after.warnings_confirmed
    row.blank_number = after.blank.number if after.blank else None
    row.supplement_blank_number = (after.supplement_blank.number
                                   if after.supplement_blank else None)
    row.registration_number = after.registration_number
    row.issue_date = after.issue_date
    row.handover = handover_json(after.handover) if after.handover else None
    row.handed_over_on = after.handed_over_on
    row.issue_order_number = after.issue_order.number if after.issue_order else None
    row.issue_order_date = after.issue_order.dated if after.issue_order else None
    row.original_registration_number = after.original_registration_number
    row.duplicate_ground = after.duplicate_ground.value if after.duplicate_ground else None
    row.supplement_only = after.supplement_only
    row.disposition = after.disposition.value if after.disposition else None
    row.cancellation_reason = after.cancellation_reason
    if after.exported_batch_id is not None:
        row.frdo_export_id = int(after.exported_batch_id)
    ctx.session.flush()
    store_events(ctx, row.id, after.events[len(before.events):])


def store_events(ctx: CertContext, certificate_id: int,
                 events: Sequence[CertificateEvent]) -> None:
    for event in events:
        ctx.session.add(db.CertificateEvent(
            certificate_id=certificate_id, organization_id=ctx.organization_id,
            action=event.action, at=event.at, actor_user_id=event.actor_id,
            status_from=event.status_from.value if event.status_from else None,
            status_to=event.status_to.value, details=dict(event.details),
            reason=event.reason, workflow_id=ctx.workflow_id))
    ctx.session.flush()


def marks_json(final_marks: FinalMarks) -> list[dict[str, Any]]:
    return [final_mark_json(mark) for mark in final_marks.marks]


def add_version(ctx: CertContext, *, pupil_id: int, level: Level, graduation_year: int,
                final_marks: FinalMarks, decision: CertificateDecision | None,
                sources: dict[str, Any], origin: str = "computed",
                reason: str | None = None) -> db.FinalMarksVersion:
    """A new version of a graduate's final marks; earlier versions stay as they were."""
    latest = ctx.session.scalar(select(func.max(db.FinalMarksVersion.version)).where(
        db.FinalMarksVersion.pupil_id == pupil_id,
        db.FinalMarksVersion.level == level.value,
        db.FinalMarksVersion.graduation_year == graduation_year)) or 0
    row = db.FinalMarksVersion(
        organization_id=ctx.organization_id, pupil_id=pupil_id, level=level.value,
        graduation_year=graduation_year, version=latest + 1,
        rule_set_version=final_marks.rule_set_version,
        rule_set_digest=rule_set_digest(final_marks.rule_set_version),
        mapping_name=final_marks.mapping_name,
        term_kind=final_marks.term_kind.value if final_marks.term_kind else None,
        marks=marks_json(final_marks), problems=list(final_marks.problems),
        warnings=list(final_marks.warnings), decision=decision_json(decision),
        sources=sources, origin=origin, reason=reason, created_by=ctx.user_id,
        created_at=ctx.at)
    ctx.session.add(row)
    ctx.session.flush()
    return row


# The registration book.


def book_of(ctx: CertContext) -> tuple[RegistrationBook, dict[int, db.BookEntry]]:
    """The school's whole book as the domain sees it, and its rows by domain entry key."""
    rows = list(ctx.session.scalars(select(db.BookEntry).where(
        db.BookEntry.organization_id == ctx.organization_id).order_by(db.BookEntry.id)))
    entries = tuple(entry_of(ctx.session, row) for row in rows)
    return RegistrationBook(load_numbering(), entries), {row.id: row for row in rows}


def entry_of(session: Session, row: db.BookEntry) -> BookEntry:
    act = None
    if row.spoilage_act_id is not None:
        act_row = session.get(db.SpoilageAct, row.spoilage_act_id)
        assert act_row is not None
        act = act_of(act_row)
    order = None
    if row.issue_order_number and row.issue_order_date:
        order = OrderRef(row.issue_order_number, row.issue_order_date)
    return BookEntry(
        level=Level(row.level), year=row.year, sequence=row.sequence,
        registration_number=row.registration_number, recorded_on=row.recorded_on,
        document_kind=CertificateKind(row.document_kind),
        certificate_id=str(row.certificate_id) if row.certificate_id else None,
        pupil_id=row.pupil_id, blank_number=row.blank_number,
        supplement_blank_number=row.supplement_blank_number, issue_date=row.issue_date,
        status=EntryStatus(row.status), is_duplicate=row.is_duplicate,
        original_registration_number=row.original_registration_number,
        handover=handover_of(row.handover), handed_over_on=row.handed_over_on,
        issue_order=order, spoilage_act=act, void_reason=row.void_reason)


def act_of(row: db.SpoilageAct) -> SpoilageAct:
    return SpoilageAct(row.number, row.dated, tuple(row.blank_numbers), row.reason)


def add_entry(ctx: CertContext, entry: BookEntry, act_id: int | None = None
              ) -> db.BookEntry:
    level, year = load_numbering().book_key(entry.level, entry.recorded_on)
    row = db.BookEntry(
        organization_id=ctx.organization_id,
        book=f"{level.value if level else 'all'}:{year or 'all'}",
        level=entry.level.value, year=entry.year, sequence=entry.sequence,
        registration_number=entry.registration_number, recorded_on=entry.recorded_on,
        document_kind=entry.document_kind.value,
        certificate_id=int(entry.certificate_id) if entry.certificate_id else None,
        pupil_id=entry.pupil_id, blank_number=entry.blank_number,
        supplement_blank_number=entry.supplement_blank_number, issue_date=entry.issue_date,
        status=entry.status.value, is_duplicate=entry.is_duplicate,
        original_registration_number=entry.original_registration_number,
        spoilage_act_id=act_id)
    ctx.session.add(row)
    ctx.session.flush()
    return row


def reserved_entry(ctx: CertContext, certificate_id: int) -> db.BookEntry | None:
    return ctx.session.scalar(select(db.BookEntry).where(
        db.BookEntry.certificate_id == certificate_id,
        db.BookEntry.status == "reserved"))


def current_entry(ctx: CertContext, row: db.Certificate) -> db.BookEntry | None:
    if row.book_entry_id is None:
        return None
    return ctx.session.get(db.BookEntry, row.book_entry_id)


# People.


def person_of(session: Session, pupil_id: int) -> Person:
    person = session.scalar(select(Person).join(Pupil, Pupil.person_id == Person.id)
                            .where(Pupil.id == pupil_id))
    assert person is not None
    return person


@dataclass(frozen=True)
class Holder:
    """The graduate as a document names them: saved at print, or the person today."""

    surname: str
    name: str
    patronymic: str | None
    birth_date: date | None


def live_holder(session: Session, pupil_id: int) -> Holder:
    person = person_of(session, pupil_id)
    return Holder(person.surname, person.name, person.patronymic, person.birth_date)


def holder_of(session: Session, row: db.Certificate | db.BookEntry) -> Holder | None:
    """Who the document or book row was made out to; None for a row of a bare blank."""
    if row.holder_surname is not None and row.holder_name is not None:
        return Holder(row.holder_surname, row.holder_name, row.holder_patronymic,
                      row.holder_birth_date)
    # Not yet printed: the person as they are now.
    if row.pupil_id is None:
        return None
    return live_holder(session, row.pupil_id)


def save_holder(row: db.Certificate | db.BookEntry, holder: Holder) -> None:
    row.holder_surname, row.holder_name = holder.surname, holder.name
    row.holder_patronymic, row.holder_birth_date = holder.patronymic, holder.birth_date

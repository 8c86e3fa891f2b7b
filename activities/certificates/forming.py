"""Review, forming (the marks locked in the gradebook) and cancelling before issue."""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import date

from sqlalchemy import select

from activities.certificates import blank_stock, store
from activities.certificates.context import (
    CertContext,
    CertificateRuleError,
    as_rule_errors,
)
from activities.certificates.gradebook_port import GradebookMarkLocks
from activities.certificates.ports import LockScope, MarkLocks
from domain.certificates.lifecycle import Certificate, CertificateStatus
from tsos.db import certificates as db
from tsos.db import gradebook as gb

log = logging.getLogger(__name__)


def review(ctx: CertContext, certificate_ids: Collection[int], *,
           confirm_warnings: bool) -> None:
    """Every computed certificate reviewed at once; any refusal refuses them all."""
    ctx.require_staff("подтверждать проверку отметок")
    refused: dict[str, list[str]] = {}
    checked = 0
    for certificate_id in sorted(certificate_ids):
        row, before = store.load(ctx, certificate_id)
        if before.status is not CertificateStatus.COMPUTED:
            continue
        checked += 1
        try:
            with as_rule_errors():
                after = before.review(by=ctx.user_id, at=ctx.at,
                                      confirm_warnings=confirm_warnings)
        except CertificateRuleError as error:
            refused[_who(ctx, row)] = _review_items(before, confirm_warnings,
                                                    error.message)
            continue
        store.save(ctx, row, before, after)
    if refused:
        raise CertificateRuleError(review_summary(refused, checked),
                                   details=[f"{who}: {item}" for who, items in refused.items()
                                            for item in items])


def _review_items(certificate: Certificate, confirm_warnings: bool,
                  message: str) -> list[str]:
    """Each thing that stops one certificate's review, one line each."""
    marks = certificate.final_marks
    if marks.problems:
        return list(marks.problems)
    if marks.warnings and not confirm_warnings:
        return [f"предупреждение (нужно подтвердить): {w}" for w in marks.warnings]
    return [message]


_QUOTED = re.compile(r"«([^»]+)»")
_SHOWN = 5


def review_summary(refused: Mapping[str, Sequence[str]], checked: int) -> str:
    """A short answer for a refused review: counts per pupil and per subject; the full list
    goes with it as details."""
    total = sum(len(items) for items in refused.values())
    subjects = Counter(
        found.group(1) for items in refused.values() for item in items
        if (found := _QUOTED.search(item)) is not None)
    counts = {len(items) for items in refused.values()}
    if len(counts) == 1:
        per_pupil = f"у каждого по {counts.pop()}"
    else:
        top = sorted(refused.items(), key=lambda kv: (-len(kv[1]), kv[0]))[:_SHOWN]
        per_pupil = ", ".join(f"{who} — {len(items)}" for who, items in top)
        if len(refused) > _SHOWN:
            per_pupil += f" и ещё {len(refused) - _SHOWN}"
    text = (f"Проверку нельзя завершить: замечания у {len(refused)} из {checked} "
            f"обучающихся, всего {total} ({per_pupil}).")
    if subjects:
        common = ", ".join(f"{name} — {count}" for name, count in subjects.most_common(_SHOWN))
        more = len(subjects) - _SHOWN
        text += f" По предметам: {common}" + (f" и ещё {more}." if more > 0 else ".")
    return text + " Полный список — в полях ответа."


def form(ctx: CertContext, certificate_ids: Collection[int],
         locks: MarkLocks | None = None) -> None:
    """Form the reviewed certificates: their marks locked in the gradebook from now on."""
    ctx.require_staff("формировать аттестаты")
    locks = locks or GradebookMarkLocks(ctx.session)
    for certificate_id in sorted(certificate_ids):
        row, before = store.load(ctx, certificate_id)
        if before.status is not CertificateStatus.REVIEWED:
            continue
        with as_rule_errors():
            after = before.form(by=ctx.user_id, at=ctx.at)
        version = ctx.session.get(db.FinalMarksVersion, row.final_marks_id)
        assert version is not None
        if version.sources:
            with as_rule_errors():
                row.lock_id = locks.lock(certificate_id=row.id, pupil_id=row.pupil_id,
                                         scope=LockScope.from_json(version.sources),
                                         actor=ctx.lock_actor())
        store.save(ctx, row, before, after)
    log.info("certificates formed: %s", len(certificate_ids))


def cancel(ctx: CertContext, certificate_id: int, *, reason: str,
           act_number: str | None = None, act_date: date | None = None,
           locks: MarkLocks | None = None) -> None:
    """Cancel before issue: explicit, audited, the lock released, blanks accounted for."""
    ctx.require_staff("отменять документы")
    locks = locks or GradebookMarkLocks(ctx.session)
    if not reason.strip():
        raise CertificateRuleError("Укажите причину отмены", code="invalid_input",
                                   status=422, field="reason")
    ctx.serialise_school("blanks")
    row, before = store.load(ctx, certificate_id)
    entry = store.reserved_entry(ctx, row.id)
    needs_act = before.status is CertificateStatus.PRINTED or (
        before.status is CertificateStatus.BLANK_ASSIGNED and entry is not None)
    act = None
    if needs_act and before.assigned_blanks:
        if not act_number:
            raise CertificateRuleError(
                "На бланке уже напечатан документ с регистрационным номером: отмена "
                "возможно только со списанием бланков актом", code="invalid_input",
                status=422, field="act_number")
        act = blank_stock.new_act(ctx, act_number, act_date or ctx.today,
                                  [b.number for b in before.assigned_blanks], reason)
    current = before
    if act is not None and before.status is CertificateStatus.BLANK_ASSIGNED:
        # Spoil first (the domain cancels a printed document with its act; an assigned
        # blank that carries a registration number is spoiled the same way).
        with as_rule_errors():
            current = before.spoil_blanks(store.act_of(act), by=ctx.user_id, at=ctx.at)
    with as_rule_errors("reason"):
        after = current.cancel(reason=reason.strip(), by=ctx.user_id, at=ctx.at,
                               act=store.act_of(act) if act is not None else None)

    if act is not None:
        blank_stock.write_off(ctx, row.id, act, entry)
    else:
        blank_stock.return_to_stock(ctx, row.id)
        if entry is not None:
            # A number taken without a blank (a справка): registration_book.yaml wants
            # every number closed, never skipped; the row says why it was not issued.
            book, _ = store.book_of(ctx)
            with as_rule_errors("reason"):
                book.record_void(store.entry_of(ctx.session, entry), reason)
            entry.status, entry.void_reason = "spoiled", reason.strip()
    if row.lock_id is not None:
        lock = ctx.session.get(gb.CertificateLock, row.lock_id)
        if lock is not None and lock.released_at is None:
            with as_rule_errors():
                locks.release(row.lock_id, certificate_id=row.id, issued=False,
                              reason=reason.strip(), actor=ctx.lock_actor())
    row.book_entry_id = None
    store.save(ctx, row, before, after)
    log.info("certificate cancelled: %s", row.id)


def _who(ctx: CertContext, row: db.Certificate) -> str:
    person = store.person_of(ctx.session, row.pupil_id)
    return f"{person.surname} {person.name}"


def class_certificates(ctx: CertContext, school_class_id: int, graduation_year: int
                       ) -> list[db.Certificate]:
    return list(ctx.session.scalars(select(db.Certificate).where(
        db.Certificate.organization_id == ctx.organization_id,
        db.Certificate.school_class_id == school_class_id,
        db.Certificate.graduation_year == graduation_year,
        db.Certificate.duplicate_of_id.is_(None)).order_by(db.Certificate.id)))

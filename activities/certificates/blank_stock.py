"""The school's stock of blanks: receipts, assignment, write-off by act, reconciliation."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import date

from sqlalchemy import select

from activities.certificates import store
from activities.certificates.context import (
    CertContext,
    CertificateRuleError,
    as_rule_errors,
)
from domain.certificates.blank_accounting import BlankReconciliation, reconcile_blanks
from domain.certificates.blanks import (
    Blank,
    BlankKind,
    BlankReceipt,
    SpoilageAct,
    blank_kind_for,
    blank_number_range,
    supplement_kind_for,
)
from domain.certificates.kinds import CertificateKind, Level
from domain.certificates.lifecycle import Certificate, CertificateStatus
from tsos.db import certificates as db

log = logging.getLogger(__name__)


def receive(ctx: CertContext, *, kind: BlankKind, first_number: str, last_number: str,
            received_on: date, document: str = "") -> db.BlankReceipt:
    """Put a batch from the printing house (or the authority) into the school's stock."""
    ctx.require_staff("принимать бланки")
    with as_rule_errors("first_number"):
        numbers = blank_number_range(first_number, last_number)
    taken = list(ctx.session.scalars(select(db.Blank.number).where(
        db.Blank.number.in_(numbers)).limit(5)))
    if taken:
        raise CertificateRuleError(
            f"Бланки {', '.join(taken)} уже оприходованы", code="invalid_input",
            status=422, field="first_number")
    receipt = db.BlankReceipt(
        organization_id=ctx.organization_id, kind=kind.value, received_on=received_on,
        first_number=numbers[0], last_number=numbers[-1], quantity=len(numbers),
        document=document, received_by=ctx.user_id, created_at=ctx.at)
    ctx.session.add(receipt)
    ctx.session.flush()
    ctx.session.add_all(
        db.Blank(receipt_id=receipt.id, organization_id=ctx.organization_id, number=n,
                 kind=kind.value, fate="in_stock") for n in numbers)
    ctx.session.flush()
    log.info("blanks received: receipt %s quantity %s", receipt.id, len(numbers))
    return receipt


def take(ctx: CertContext, kind: BlankKind, count: int) -> list[db.Blank]:
    """The lowest numbers of a kind still in stock (the order they are used in)."""
    rows = list(ctx.session.scalars(select(db.Blank).where(
        db.Blank.organization_id == ctx.organization_id, db.Blank.kind == kind.value,
        db.Blank.fate == "in_stock").order_by(db.Blank.number).limit(count)
        .with_for_update()))
    if len(rows) < count:
        raise CertificateRuleError(
            f"Не хватает бланков: нужно {count} — «{kind.label}», на складе {len(rows)}. "
            "Оприходуйте новую партию", code="blanks")
    return rows


def assign(ctx: CertContext, certificate_ids: Collection[int], *,
           with_supplements: bool) -> None:
    """Blank numbers from stock for every formed attestat (a справка needs none)."""
    ctx.require_staff("назначать бланки")
    ctx.serialise_school("blanks")
    wanted: list[tuple[db.Certificate, Certificate, BlankKind, BlankKind | None]] = []
    for certificate_id in sorted(certificate_ids):
        row, before = store.load(ctx, certificate_id)
        if before.status is not CertificateStatus.FORMED or before.kind is None:
            continue
        if before.supplement_only:
            title: BlankKind | None = supplement_kind_for(before.level)
        else:
            title = blank_kind_for(before.kind)
        if title is None:
            continue
        supplement = (supplement_kind_for(before.level)
                      if with_supplements and not before.supplement_only else None)
        wanted.append((row, before, title, supplement))

    counts: dict[BlankKind, int] = {}
    for _, _, title, supplement in wanted:
        for kind in (title, supplement):
            if kind is not None:
                counts[kind] = counts.get(kind, 0) + 1
    stock = {kind: take(ctx, kind, count) for kind, count in counts.items()}

    for row, before, title, supplement in wanted:
        blank_row = stock[title].pop(0)
        supplement_row = stock[supplement].pop(0) if supplement is not None else None
        with as_rule_errors():
            after = before.assign_blank(
                Blank(blank_row.number, title),
                supplement=Blank(supplement_row.number, supplement)
                if supplement_row is not None and supplement is not None else None,
                by=ctx.user_id, at=ctx.at)
        for blank in (blank_row, supplement_row):
            if blank is not None:
                blank.fate, blank.certificate_id = "assigned", row.id
        ctx.session.flush()
        store.save(ctx, row, before, after)


def replacements_for(ctx: CertContext, spoiled: Sequence[Blank]) -> list[Blank]:
    rows = []
    for blank in spoiled:
        rows += take(ctx, blank.kind, 1)
    return [Blank(row.number, BlankKind(row.kind)) for row in rows]


def mark_assigned(ctx: CertContext, certificate_id: int, numbers: Collection[str]) -> None:
    for row in ctx.session.scalars(select(db.Blank).where(db.Blank.number.in_(numbers))):
        row.fate, row.certificate_id = "assigned", certificate_id
    ctx.session.flush()


def new_act(ctx: CertContext, number: str, dated: date, blank_numbers: Sequence[str],
            reason: str) -> db.SpoilageAct:
    if not number.strip():
        raise CertificateRuleError("Укажите номер акта списания", code="invalid_input",
                                   status=422, field="act_number")
    if dated > ctx.today:
        raise CertificateRuleError("Дата акта списания не может быть в будущем",
                                   code="invalid_input", status=422, field="act_date")
    exists = ctx.session.scalar(select(db.SpoilageAct.id).where(
        db.SpoilageAct.organization_id == ctx.organization_id,
        db.SpoilageAct.number == number.strip()))
    if exists is not None:
        raise CertificateRuleError(f"Акт списания № {number} уже есть", code="invalid_input",
                                   status=422, field="act_number")
    with as_rule_errors("act_number"):
        SpoilageAct(number.strip(), dated, tuple(blank_numbers), reason)
    act = db.SpoilageAct(organization_id=ctx.organization_id, number=number.strip(),
                         dated=dated, reason=reason.strip(), blank_numbers=list(blank_numbers),
                         created_by=ctx.user_id, created_at=ctx.at)
    ctx.session.add(act)
    ctx.session.flush()
    return act


def write_off(ctx: CertContext, certificate_id: int, act: db.SpoilageAct,
              entry: db.BookEntry | None) -> None:
    """Blanks of the act spoiled; the book row that carried them closed as «испорчен»."""
    domain_act = store.act_of(act)
    book, rows = store.book_of(ctx)
    if entry is not None:
        with as_rule_errors():
            book.record_spoiled(store.entry_of(ctx.session, entry), domain_act)
        entry.status, entry.spoilage_act_id = "spoiled", act.id
    else:
        for number in act.blank_numbers:
            blank = ctx.session.scalar(select(db.Blank).where(db.Blank.number == number))
            assert blank is not None
            certificate = ctx.session.get(db.Certificate, certificate_id)
            assert certificate is not None
            with as_rule_errors():
                book, added = book.add_spoiled_blank(
                    level=Level(certificate.level), blank_number=number,
                    act=domain_act,
                    document_kind=CertificateKind(certificate.kind or "basic"))
            store.add_entry(ctx, added, act.id)
    for blank in ctx.session.scalars(select(db.Blank).where(
            db.Blank.number.in_(list(act.blank_numbers)))):
        blank.fate, blank.spoilage_act_id = "spoiled", act.id
    ctx.session.flush()


def return_to_stock(ctx: CertContext, certificate_id: int) -> None:
    for blank in ctx.session.scalars(select(db.Blank).where(
            db.Blank.certificate_id == certificate_id, db.Blank.fate == "assigned")):
        blank.fate, blank.certificate_id = "in_stock", None
    ctx.session.flush()


def reconciliation(ctx: CertContext, as_of: date,
                   counted_in_stock: Collection[str] | None = None) -> BlankReconciliation:
    """The report that must balance: received = issued + duplicates + spoiled + stock."""
    receipts = []
    for row in ctx.session.scalars(select(db.BlankReceipt).where(
            db.BlankReceipt.organization_id == ctx.organization_id)
            .order_by(db.BlankReceipt.id)):
        # The receipt's range, whatever the stock table still holds of it.
        with as_rule_errors():
            numbers = blank_number_range(row.first_number, row.last_number)
        receipts.append(BlankReceipt(str(row.id), row.organization_id, BlankKind(row.kind),
                                     row.received_on, numbers, row.document, row.quantity))
    # The stock table holds the fates as they are now: checked against the book for today.
    stock = None
    if as_of >= ctx.today:
        stock = dict(ctx.session.execute(select(db.Blank.number, db.Blank.fate).where(
            db.Blank.organization_id == ctx.organization_id)).all())
    book, _ = store.book_of(ctx)
    with as_rule_errors():
        return reconcile_blanks(receipts, book.entries, organization_id=ctx.organization_id,
                                as_of=as_of, counted_in_stock=counted_in_stock,
                                stock_fates=stock)

"""Blank stock and reconciliation (§7.2): every blank has one fate, and the report balances."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.certificates.blanks import (
    BlankKind,
    BlankReceipt,
    blank_kind_for,
    supplement_kind_for,
)
from domain.certificates.errors import BlankAccountingError
from domain.certificates.registration_book import BookEntry, EntryStatus


class BlankFate(StrEnum):
    IN_STOCK = "in_stock"
    # Taken from the safe for a document, no registration number yet (not in the book).
    ASSIGNED = "assigned"
    AWAITING_ISSUE = "awaiting_issue"
    ISSUED = "issued"
    DUPLICATE = "duplicate"
    SPOILED = "spoiled"

    @property
    def label(self) -> str:
        return {
            BlankFate.IN_STOCK: "на складе",
            BlankFate.ASSIGNED: "назначен документу, не напечатан",
            BlankFate.AWAITING_ISSUE: "заполнен, ожидает выдачи",
            BlankFate.ISSUED: "выдан",
            BlankFate.DUPLICATE: "выдан дубликатом",
            BlankFate.SPOILED: "испорчен",
        }[self]


def fate_on(entry: BookEntry, as_of: date) -> BlankFate:
    """The fate of a book row's blanks on a date (a row may close after `as_of`)."""
    if entry.status is EntryStatus.SPOILED and entry.spoilage_act is not None:
        if entry.spoilage_act.dated <= as_of:
            return BlankFate.SPOILED
    if entry.status is EntryStatus.ISSUED and entry.handed_over_on is not None:
        if entry.handed_over_on <= as_of:
            return BlankFate.DUPLICATE if entry.is_duplicate else BlankFate.ISSUED
    if entry.recorded_on <= as_of:
        return BlankFate.AWAITING_ISSUE
    return BlankFate.IN_STOCK


def available_blanks(
    receipts: Iterable[BlankReceipt], entries: Iterable[BookEntry], kind: BlankKind
) -> tuple[str, ...]:
    """Blanks of a kind still in stock, lowest number first (the order they are used)."""
    used = {n for e in entries for n in e.blank_numbers}
    numbers = {
        n for r in receipts if r.kind is kind for n in r.numbers if n not in used
    }
    return tuple(sorted(numbers))


@dataclass(frozen=True)
class ReconciliationRow:
    """One batch (or the totals): received = issued + duplicates + spoiled + awaiting + stock."""

    batch_id: str
    kind: BlankKind | None
    received: int = 0
    issued: int = 0
    duplicates: int = 0
    spoiled: int = 0
    awaiting_issue: int = 0
    in_stock: int = 0
    assigned: int = 0

    @property
    def used(self) -> int:
        return (
            self.issued
            + self.duplicates
            + self.spoiled
            + self.awaiting_issue
            + self.assigned
        )

    @property
    def balances(self) -> bool:
        return self.received == self.used + self.in_stock


@dataclass(frozen=True)
class BlankReconciliation:
    organization_id: int
    as_of: date
    rows: tuple[ReconciliationRow, ...]
    totals: ReconciliationRow
    in_stock_numbers: tuple[str, ...]
    discrepancies: tuple[str, ...]

    @property
    def balanced(self) -> bool:
        """Closing the year is blocked unless this holds (§7.2)."""
        return not self.discrepancies and all(
            r.balances for r in (*self.rows, self.totals)
        )


def reconcile_blanks(
    receipts: Sequence[BlankReceipt],
    entries: Sequence[BookEntry],
    *,
    organization_id: int,
    as_of: date,
    counted_in_stock: Collection[str] | None = None,
    stock_fates: Mapping[str, str] | None = None,
) -> BlankReconciliation:
    """The reconciliation report of one school's blanks on a date.

    `received` of a batch is the quantity on its receipt; its blanks are counted by fate.
    `stock_fates` is what the stock table records for each blank now (in_stock, assigned,
    issued, duplicate, spoiled): each is checked against the book, a blank assigned to a
    document but not yet numbered is not in stock, and a batch whose blanks do not add up
    to its quantity does not balance. `counted_in_stock` is a physical count of the safe.
    """
    foreign = {r.batch_id for r in receipts if r.organization_id != organization_id}
    if foreign:
        raise BlankAccountingError(
            f"Партии {sorted(foreign)} оприходованы другой организацией"
        )
    receipts = [r for r in receipts if r.received_on <= as_of]
    discrepancies: list[str] = []

    batch_of: dict[str, BlankReceipt] = {}
    for receipt in receipts:
        for number in receipt.numbers:
            if number in batch_of:
                discrepancies.append(
                    f"Бланк № {number} оприходован дважды: партии "
                    f"{batch_of[number].batch_id} и {receipt.batch_id}"
                )
                continue
            batch_of[number] = receipt

    fates = _fates_from_book(entries, as_of, batch_of, discrepancies)
    if stock_fates is not None:
        fates = _check_stock(batch_of, fates, stock_fates, discrepancies)

    counts: dict[str, dict[BlankFate, int]] = {r.batch_id: {} for r in receipts}
    in_stock: list[str] = []
    for number, receipt in batch_of.items():
        if stock_fates is not None and number not in stock_fates:
            continue
        fate = fates.get(number, BlankFate.IN_STOCK)
        batch_counts = counts[receipt.batch_id]
        batch_counts[fate] = batch_counts.get(fate, 0) + 1
        if fate is BlankFate.IN_STOCK:
            in_stock.append(number)

    rows = tuple(
        _row(r.batch_id, r.kind, r.received, counts[r.batch_id]) for r in receipts
    )
    for row in rows:
        if not row.balances:
            discrepancies.append(
                f"Партия {row.batch_id}: получено {row.received}, а учтено "
                f"{row.used + row.in_stock}"
            )
    totals = ReconciliationRow(
        batch_id="Итого",
        kind=None,
        received=sum(r.received for r in receipts),
        issued=sum(r.issued for r in rows),
        duplicates=sum(r.duplicates for r in rows),
        spoiled=sum(r.spoiled for r in rows),
        awaiting_issue=sum(r.awaiting_issue for r in rows),
        in_stock=sum(r.in_stock for r in rows),
        assigned=sum(r.assigned for r in rows),
    )

    if counted_in_stock is not None:
        discrepancies += _count_discrepancies(
            set(in_stock), set(counted_in_stock), fates
        )

    return BlankReconciliation(
        organization_id=organization_id,
        as_of=as_of,
        rows=rows,
        totals=totals,
        in_stock_numbers=tuple(sorted(in_stock)),
        discrepancies=tuple(discrepancies),
    )


def _fates_from_book(
    entries: Sequence[BookEntry],
    as_of: date,
    batch_of: dict[str, BlankReceipt],
    discrepancies: list[str],
) -> dict[str, BlankFate]:
    fates: dict[str, BlankFate] = {}
    for entry in entries:
        fate = fate_on(entry, as_of)
        if fate is BlankFate.IN_STOCK:
            continue
        for number in entry.blank_numbers:
            if number in fates:
                discrepancies.append(
                    f"Бланк № {number} записан в книге регистрации больше одного раза"
                )
                continue
            fates[number] = fate
            receipt = batch_of.get(number)
            if receipt is None:
                discrepancies.append(
                    f"Бланк № {number} записан в книге регистрации "
                    f"(запись № {entry.registration_number}), но не поступал в школу"
                )
            elif receipt.kind not in _kinds_for(entry):
                discrepancies.append(
                    f"Бланк № {number} из партии {receipt.batch_id} ({receipt.kind.label}) "
                    f"использован для документа «{entry.document_kind.label}»"
                )
    return fates


# What the stock table records for a blank whose book fate is this.
_STOCK_OF_FATE = {
    BlankFate.IN_STOCK: "in_stock",
    BlankFate.ASSIGNED: "assigned",
    BlankFate.AWAITING_ISSUE: "assigned",
    BlankFate.ISSUED: "issued",
    BlankFate.DUPLICATE: "duplicate",
    BlankFate.SPOILED: "spoiled",
}
_STOCK_LABELS = {
    "in_stock": "на складе",
    "assigned": "назначен документу",
    "issued": "выдан",
    "duplicate": "выдан дубликатом",
    "spoiled": "испорчен",
}


def _check_stock(
    batch_of: Mapping[str, BlankReceipt],
    fates: dict[str, BlankFate],
    stock_fates: Mapping[str, str],
    discrepancies: list[str],
) -> dict[str, BlankFate]:
    """Each blank's fate in the stock table against the book; what the book does not
    know yet (a blank assigned, not numbered) is taken from the stock table."""
    checked = dict(fates)
    for number, receipt in sorted(batch_of.items()):
        recorded = stock_fates.get(number)
        if recorded is None:
            discrepancies.append(
                f"Бланк № {number} партии {receipt.batch_id} не числится на складе "
                "ни в каком состоянии"
            )
            continue
        book_fate = fates.get(number, BlankFate.IN_STOCK)
        if book_fate is BlankFate.IN_STOCK and recorded == "assigned":
            checked[number] = BlankFate.ASSIGNED
            continue
        if _STOCK_OF_FATE[book_fate] != recorded:
            discrepancies.append(
                f"Бланк № {number}: на складе он «{_STOCK_LABELS.get(recorded, recorded)}», "
                f"а по книге регистрации — «{book_fate.label}»"
            )
    for number in sorted(set(stock_fates) - set(batch_of)):
        discrepancies.append(
            f"Бланк № {number} числится на складе, но не оприходован ни одной партией"
        )
    return checked


def _kinds_for(entry: BookEntry) -> set[BlankKind]:
    kinds = {supplement_kind_for(entry.level)}
    title = blank_kind_for(entry.document_kind)
    if title is not None:
        kinds.add(title)
    return kinds


def _row(
    batch_id: str, kind: BlankKind, received: int, counts: dict[BlankFate, int]
) -> ReconciliationRow:
    return ReconciliationRow(
        batch_id=batch_id,
        kind=kind,
        received=received,
        issued=counts.get(BlankFate.ISSUED, 0),
        duplicates=counts.get(BlankFate.DUPLICATE, 0),
        spoiled=counts.get(BlankFate.SPOILED, 0),
        awaiting_issue=counts.get(BlankFate.AWAITING_ISSUE, 0),
        in_stock=counts.get(BlankFate.IN_STOCK, 0),
        assigned=counts.get(BlankFate.ASSIGNED, 0),
    )


def _count_discrepancies(
    expected: set[str], counted: set[str], fates: dict[str, BlankFate]
) -> list[str]:
    found: list[str] = []
    for number in sorted(expected - counted):
        found.append(f"Бланк № {number} числится на складе, но не найден при пересчёте")
    for number in sorted(counted - expected):
        fate = fates.get(number)
        if fate is None:
            found.append(
                f"Бланк № {number} найден при пересчёте, но не поступал по учёту"
            )
        else:
            found.append(
                f"Бланк № {number} найден при пересчёте, но по учёту он «{fate.label}»"
            )
    return found

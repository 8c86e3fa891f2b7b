"""The registration book of issued certificates (§7.1): numbering and one row per blank."""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from domain.certificates.blanks import SpoilageAct
from domain.certificates.data_files import load_yaml
from domain.certificates.errors import InvalidRuleData, RegistrationBookError
from domain.certificates.kinds import CertificateKind, Level


@dataclass(frozen=True)
class Numbering:
    """How rows of the book are numbered; from `data/registration_book.yaml`."""

    separate_books_by_level: bool
    restart_each_year: bool
    number_format: str
    book_codes: Mapping[Level, str]

    def book_key(self, level: Level, on: date) -> tuple[Level | None, int | None]:
        return (
            level if self.separate_books_by_level else None,
            on.year if self.restart_each_year else None,
        )

    def format(self, sequence: int, level: Level, on: date) -> str:
        return self.number_format.format(
            sequence=sequence, year=on.year, book=self.book_codes.get(level, "")
        )


@functools.cache
def load_numbering() -> Numbering:
    return numbering_from_data(load_yaml(None, "registration_book.yaml"))


def numbering_from_data(raw: Mapping[str, Any]) -> Numbering:
    try:
        numbering = Numbering(
            separate_books_by_level=bool(raw["separate_books_by_level"]),
            restart_each_year=bool(raw["restart_each_year"]),
            number_format=str(raw["number_format"]),
            book_codes={
                Level(k): str(v) for k, v in (raw.get("book_codes") or {}).items()
            },
        )
        numbering.format(1, Level.BASIC, date(2000, 1, 1))
        if numbering.separate_books_by_level and (
            "{book" not in numbering.number_format
            or len(set(numbering.book_codes.values())) < len(Level)
            or set(numbering.book_codes) != set(Level)
        ):
            raise ValueError(
                "при отдельных книгах по уровням номер должен содержать код книги "
                "({book}), и у каждой книги свой код"
            )
    except (KeyError, ValueError, TypeError, IndexError) as exc:
        raise InvalidRuleData(
            f"Правила нумерации книги регистрации неверны: {exc}"
        ) from exc
    return numbering


class HandoverMethod(StrEnum):
    IN_PERSON = "in_person"
    PROXY = "proxy"
    POST = "post"

    @property
    def label(self) -> str:
        return {
            HandoverMethod.IN_PERSON: "лично",
            HandoverMethod.PROXY: "по доверенности",
            HandoverMethod.POST: "почтой",
        }[self]


@dataclass(frozen=True)
class Handover:
    """How the document reached the graduate; the book keeps the proxy or the postal item."""

    method: HandoverMethod
    proxy_name: str | None = None
    proxy_document: str | None = None
    postal_item_number: str | None = None
    posted_on: date | None = None

    def __post_init__(self) -> None:
        if self.method is HandoverMethod.PROXY and not (
            self.proxy_name and self.proxy_document
        ):
            raise RegistrationBookError(
                "При выдаче по доверенности укажите ФИО доверенного лица и доверенность"
            )
        if self.method is HandoverMethod.POST and not (
            self.postal_item_number and self.posted_on
        ):
            raise RegistrationBookError(
                "При отправке почтой укажите номер и дату почтового отправления"
            )


@dataclass(frozen=True)
class OrderRef:
    """The school's order (приказ) on issuing certificates: its number and date."""

    number: str
    dated: date


class EntryStatus(StrEnum):
    RESERVED = "reserved"
    ISSUED = "issued"
    SPOILED = "spoiled"


@dataclass(frozen=True)
class BookEntry:
    """One row of the book: one blank, one document, one status."""

    level: Level
    year: int
    sequence: int
    registration_number: str
    recorded_on: date
    document_kind: CertificateKind
    certificate_id: str | None
    pupil_id: int | None
    blank_number: str | None
    supplement_blank_number: str | None = None
    issue_date: date | None = None
    status: EntryStatus = EntryStatus.RESERVED
    is_duplicate: bool = False
    original_registration_number: str | None = None
    handover: Handover | None = None
    handed_over_on: date | None = None
    issue_order: OrderRef | None = None
    spoilage_act: SpoilageAct | None = None
    # A document without a blank (a справка) cancelled after its number was taken.
    void_reason: str | None = None

    @property
    def status_label(self) -> str:
        """The book's status column: выдан / испорчен / дубликат (§7.2)."""
        if self.status is EntryStatus.SPOILED:
            return "испорчен"
        if self.status is EntryStatus.RESERVED:
            return "ожидает выдачи"
        return "дубликат" if self.is_duplicate else "выдан"

    @property
    def blank_numbers(self) -> tuple[str, ...]:
        return tuple(n for n in (self.blank_number, self.supplement_blank_number) if n)


@dataclass(frozen=True)
class RegistrationBook:
    """All rows of one school's book(s); every change returns a new book."""

    numbering: Numbering
    entries: tuple[BookEntry, ...] = ()

    def find(self, registration_number: str, level: Level, year: int) -> BookEntry:
        for entry in self.entries:
            if (
                entry.registration_number == registration_number
                and entry.level is level
                and entry.year == year
            ):
                return entry
        raise RegistrationBookError(
            f"В книге регистрации нет записи № {registration_number} за {year} год"
        )

    def entry_for_blank(self, blank_number: str) -> BookEntry | None:
        for entry in self.entries:
            if blank_number in entry.blank_numbers:
                return entry
        return None

    def next_sequence(self, level: Level, on: date) -> int:
        key = self.numbering.book_key(level, on)
        used = [e.sequence for e in self.entries if self._key(e) == key]
        return max(used, default=0) + 1

    def reserve(
        self,
        *,
        level: Level,
        recorded_on: date,
        issue_date: date,
        document_kind: CertificateKind,
        certificate_id: str,
        pupil_id: int,
        blank_number: str | None,
        supplement_blank_number: str | None = None,
        is_duplicate: bool = False,
        original_registration_number: str | None = None,
    ) -> tuple[RegistrationBook, BookEntry]:
        """Take the next number for a document about to be printed on its blank."""
        if document_kind.is_attestat and blank_number is None:
            raise RegistrationBookError(
                "Аттестат регистрируется только с номером бланка"
            )
        if is_duplicate and not original_registration_number:
            raise RegistrationBookError(
                "Для дубликата укажите регистрационный номер оригинала"
            )
        entry = self._new_entry(
            level,
            recorded_on,
            document_kind=document_kind,
            certificate_id=certificate_id,
            pupil_id=pupil_id,
            blank_number=blank_number,
            supplement_blank_number=supplement_blank_number,
            issue_date=issue_date,
            is_duplicate=is_duplicate,
            original_registration_number=original_registration_number,
        )
        return self._with(entry), entry

    def record_spoiled(self, entry: BookEntry, act: SpoilageAct) -> RegistrationBook:
        """The printed blank of a reserved row was spoiled: the row stays, marked so."""
        current = self._current(entry)
        if current.status is not EntryStatus.RESERVED:
            raise RegistrationBookError(
                f"Запись № {current.registration_number} уже закрыта "
                f"(«{current.status_label}»)"
            )
        self._check_act_covers(act, current.blank_numbers)
        return self._replace(current, status=EntryStatus.SPOILED, spoilage_act=act)

    def record_void(self, entry: BookEntry, reason: str) -> RegistrationBook:
        """A справка cancelled after its number was taken: the row is closed as
        «испорчен» with the reason, so its number is neither reused nor skipped."""
        current = self._current(entry)
        if current.status is not EntryStatus.RESERVED:
            raise RegistrationBookError(
                f"Запись № {current.registration_number} уже закрыта "
                f"(«{current.status_label}»)"
            )
        if current.blank_numbers:
            raise RegistrationBookError(
                f"Запись № {current.registration_number} несёт бланки: она закрывается "
                "только актом списания"
            )
        if not reason.strip():
            raise RegistrationBookError("Укажите причину отмены документа")
        return self._replace(
            current, status=EntryStatus.SPOILED, void_reason=reason.strip()
        )

    def add_spoiled_blank(
        self,
        *,
        level: Level,
        blank_number: str,
        act: SpoilageAct,
        document_kind: CertificateKind,
    ) -> tuple[RegistrationBook, BookEntry]:
        """A blank spoiled before anything was printed on it still gets its own row."""
        self._check_act_covers(act, (blank_number,))
        entry = self._new_entry(
            level,
            act.dated,
            document_kind=document_kind,
            certificate_id=None,
            pupil_id=None,
            blank_number=blank_number,
            status=EntryStatus.SPOILED,
            spoilage_act=act,
        )
        return self._with(entry), entry

    def record_issued(
        self,
        entry: BookEntry,
        *,
        handover: Handover,
        handed_over_on: date,
        issue_order: OrderRef,
    ) -> tuple[RegistrationBook, BookEntry]:
        current = self._current(entry)
        if current.status is not EntryStatus.RESERVED:
            raise RegistrationBookError(
                f"Запись № {current.registration_number} уже закрыта "
                f"(«{current.status_label}»)"
            )
        if current.issue_date and handed_over_on < current.issue_date:
            raise RegistrationBookError(
                "Документ не может быть передан раньше даты выдачи, напечатанной на бланке"
            )
        book = self._replace(
            current,
            status=EntryStatus.ISSUED,
            handover=handover,
            handed_over_on=handed_over_on,
            issue_order=issue_order,
        )
        return book, book._current(current)

    def _new_entry(self, level: Level, recorded_on: date, **fields: Any) -> BookEntry:
        for number in (
            fields.get("blank_number"),
            fields.get("supplement_blank_number"),
        ):
            if number is None:
                continue
            existing = self.entry_for_blank(number)
            if existing is not None:
                raise RegistrationBookError(
                    f"Бланк № {number} уже записан в книге регистрации "
                    f"(запись № {existing.registration_number}, «{existing.status_label}»)"
                )
        sequence = self.next_sequence(level, recorded_on)
        number = self.numbering.format(sequence, level, recorded_on)
        # A school's numbers are never shared between its books (§7.1): a number already
        # written in any book of the year (e.g. one taken before the book's code was part
        # of the number) is not given again.
        taken = next(
            (
                e
                for e in self.entries
                if e.registration_number == number
                and (e.year == recorded_on.year or not self.numbering.restart_each_year)
            ),
            None,
        )
        if taken is not None:
            raise RegistrationBookError(
                f"Регистрационный номер {number} уже записан в книге регистрации "
                f"{taken.level.final_grade} класса за {taken.year} год: проверьте правила "
                "нумерации книги"
            )
        return BookEntry(
            level=level,
            year=recorded_on.year,
            sequence=sequence,
            registration_number=number,
            recorded_on=recorded_on,
            **fields,
        )

    def _key(self, entry: BookEntry) -> tuple[Level | None, int | None]:
        return self.numbering.book_key(entry.level, entry.recorded_on)

    def _current(self, entry: BookEntry) -> BookEntry:
        for candidate in self.entries:
            if (
                self._key(candidate) == self._key(entry)
                and candidate.sequence == entry.sequence
            ):
                return candidate
        raise RegistrationBookError(
            f"В книге регистрации нет записи № {entry.registration_number}"
        )

    def _with(self, entry: BookEntry) -> RegistrationBook:
        return dataclasses.replace(self, entries=(*self.entries, entry))

    def _replace(self, entry: BookEntry, **changes: Any) -> RegistrationBook:
        updated = dataclasses.replace(entry, **changes)
        entries = tuple(updated if e is entry else e for e in self.entries)
        return dataclasses.replace(self, entries=entries)

    @staticmethod
    def _check_act_covers(act: SpoilageAct, numbers: tuple[str, ...]) -> None:
        missing = [n for n in numbers if n not in act.blank_numbers]
        if missing:
            raise RegistrationBookError(
                f"Бланк № {', '.join(missing)} не указан в акте списания № {act.number}"
            )

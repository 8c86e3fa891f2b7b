"""Blank numbers (§6), the registration book (§7.1) and the reconciliation report (§7.2)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from domain.certificates.blank_accounting import (
    BlankFate,
    available_blanks,
    fate_on,
    reconcile_blanks,
)
from domain.certificates.blanks import (
    BlankKind,
    BlankReceipt,
    SpoilageAct,
    blank_number_range,
    normalize_blank_number,
    split_legacy_number,
)
from domain.certificates.errors import (
    BlankAccountingError,
    InvalidBlankNumber,
    InvalidRuleData,
    RegistrationBookError,
)
from domain.certificates.kinds import CertificateKind, Level
from domain.certificates.registration_book import (
    BookEntry,
    Handover,
    HandoverMethod,
    OrderRef,
    RegistrationBook,
    load_numbering,
    numbering_from_data,
)

SCHOOL = 55
ORDER = OrderRef("112-о", date(2026, 6, 24))
IN_PERSON = Handover(HandoverMethod.IN_PERSON)
POSTED = Handover(
    HandoverMethod.POST, postal_item_number="80082712345678", posted_on=date(2026, 7, 1)
)


class TestBlankNumbers:
    def test_fourteen_digits_keep_their_leading_zeros(self) -> None:
        assert normalize_blank_number(" 004 12 0000123 45 ") == "00412000012345"
        assert normalize_blank_number("№ 00412000012345") == "00412000012345"

    @pytest.mark.parametrize(
        "text", ["0041200001234", "004120000123456", "0041200001234A"]
    )
    def test_other_lengths_and_letters_are_refused(self, text: str) -> None:
        with pytest.raises(InvalidBlankNumber, match="ровно из 14 цифр"):
            normalize_blank_number(text)

    def test_pre_2014_numbers_only_for_originals_of_old_documents(self) -> None:
        with pytest.raises(InvalidBlankNumber, match="старого образца"):
            normalize_blank_number("77 АБ 0123456")
        number = normalize_blank_number("77 АБ 0123456", allow_legacy=True)

        assert number == "77АБ0123456"
        assert split_legacy_number(number) == ("77АБ", "0123456")

    def test_range_of_a_batch_keeps_leading_zeros(self) -> None:
        numbers = blank_number_range("00412000000098", "00412000000101")

        assert numbers == (
            "00412000000098",
            "00412000000099",
            "00412000000100",
            "00412000000101",
        )

    def test_reversed_range_is_refused(self) -> None:
        with pytest.raises(InvalidBlankNumber, match="меньше первого"):
            blank_number_range("00412000000101", "00412000000098")

    def test_act_states_the_quantity_in_figures_and_words(self) -> None:
        act = SpoilageAct(
            "2",
            date(2026, 6, 22),
            ("00412000000098", "00412000000099"),
            "замятие в принтере",
        )
        assert act.quantity_text == "2 (два) бланка"


class TestRegistrationBook:
    def test_numbering_restarts_each_year_and_per_level(self) -> None:
        book = RegistrationBook(load_numbering())
        book, first = _reserve(book, "00412000000001", on=date(2026, 6, 25))
        book, second = _reserve(book, "00412000000002", on=date(2026, 6, 25))
        book, eleventh = _reserve(
            book,
            "00412000000500",
            on=date(2026, 6, 28),
            level=Level.SECONDARY,
            kind=CertificateKind.SECONDARY,
        )
        book, next_year = _reserve(book, "00412000000003", on=date(2027, 6, 25))

        assert [
            e.registration_number for e in (first, second, eleventh, next_year)
        ] == [
            "9001",
            "9002",
            "11001",
            "9001",
        ]

    def test_a_schools_two_books_never_share_a_number(self) -> None:
        book = RegistrationBook(load_numbering())
        book, ninth = _reserve(book, "00412000000001")
        book, eleventh = _reserve(
            book, "00412000000500", level=Level.SECONDARY, kind=CertificateKind.SECONDARY
        )
        assert (ninth.registration_number, eleventh.registration_number) == (
            "9001",
            "11001",
        )
        assert book.find("11001", Level.SECONDARY, 2026) == eleventh

    def test_numbers_taken_before_the_book_code_stay_and_the_books_go_on(self) -> None:
        def legacy(level: Level, blank: str) -> BookEntry:
            return BookEntry(
                level=level,
                year=2026,
                sequence=1,
                registration_number="001",
                recorded_on=date(2026, 6, 25),
                document_kind=CertificateKind.BASIC
                if level is Level.BASIC
                else CertificateKind.SECONDARY,
                certificate_id="1",
                pupil_id=1,
                blank_number=blank,
            )

        old = (legacy(Level.BASIC, "00412000000001"), legacy(Level.SECONDARY, "00412000000500"))
        book = RegistrationBook(load_numbering(), old)
        book, ninth = _reserve(book, "00412000000002")
        book, eleventh = _reserve(
            book, "00412000000501", level=Level.SECONDARY, kind=CertificateKind.SECONDARY
        )

        assert [e.registration_number for e in book.entries] == [
            "001",
            "001",
            "9002",
            "11002",
        ]

    def test_a_number_already_in_another_book_is_never_given_again(self) -> None:
        numbering = dataclasses.replace(
            load_numbering(), number_format="{sequence:03d}"
        )  # what a format without the book's code would do
        book, _ = _reserve(RegistrationBook(numbering), "00412000000001")

        with pytest.raises(RegistrationBookError, match="001 уже записан.*9 класса"):
            _reserve(
                book, "00412000000500", level=Level.SECONDARY,
                kind=CertificateKind.SECONDARY,
            )

    @pytest.mark.parametrize(
        "number_format, codes",
        [("{sequence:03d}", {"basic": "9", "secondary": "11"}),
         ("{book}{sequence:03d}", {"basic": "9", "secondary": "9"}),
         ("{book}{sequence:03d}", {"basic": "9"})],
    )
    def test_separate_books_need_their_own_codes_in_the_number(
        self, number_format: str, codes: dict[str, str]
    ) -> None:
        with pytest.raises(InvalidRuleData, match="код книги"):
            numbering_from_data(
                {
                    "separate_books_by_level": True,
                    "restart_each_year": True,
                    "number_format": number_format,
                    "book_codes": codes,
                }
            )

    def test_numbering_format_is_data(self) -> None:
        numbering = numbering_from_data(
            {
                "separate_books_by_level": True,
                "restart_each_year": False,
                "number_format": "{book}-{sequence}",
                "book_codes": {"basic": "9", "secondary": "11"},
            }
        )
        book = RegistrationBook(numbering)
        book, _ = _reserve(book, "00412000000001", on=date(2026, 6, 25))
        book, entry = _reserve(book, "00412000000002", on=date(2027, 6, 25))

        assert entry.registration_number == "9-2"

    def test_a_blank_gets_exactly_one_row(self) -> None:
        book, _ = _reserve(RegistrationBook(load_numbering()), "00412000000001")

        with pytest.raises(RegistrationBookError, match="уже записан"):
            _reserve(book, "00412000000001")

    def test_spoiled_printed_blank_keeps_its_row_and_number(self) -> None:
        book, entry = _reserve(RegistrationBook(load_numbering()), "00412000000001")
        act = SpoilageAct("1", date(2026, 6, 24), ("00412000000001",), "опечатка")
        book = book.record_spoiled(entry, act)
        book, reprint = _reserve(book, "00412000000002")

        assert book.entries[0].status_label == "испорчен"
        assert reprint.registration_number == "9002"

    def test_unprinted_spoiled_blank_gets_its_own_row(self) -> None:
        act = SpoilageAct(
            "1", date(2026, 6, 24), ("00412000000009",), "порван при загрузке"
        )
        book, entry = RegistrationBook(load_numbering()).add_spoiled_blank(
            level=Level.BASIC,
            blank_number="00412000000009",
            act=act,
            document_kind=CertificateKind.BASIC,
        )
        assert (entry.registration_number, entry.status_label) == ("9001", "испорчен")

    def test_act_must_list_the_spoiled_blank(self) -> None:
        book, entry = _reserve(RegistrationBook(load_numbering()), "00412000000001")
        act = SpoilageAct("1", date(2026, 6, 24), ("00412000000002",), "опечатка")

        with pytest.raises(RegistrationBookError, match="не указан в акте"):
            book.record_spoiled(entry, act)

    def test_issue_by_post_is_recorded_once(self) -> None:
        book, entry = _reserve(RegistrationBook(load_numbering()), "00412000000001")
        book, issued = book.record_issued(
            entry, handover=POSTED, handed_over_on=date(2026, 7, 1), issue_order=ORDER
        )

        assert issued.status_label == "выдан"
        assert issued.handover is not None and issued.handover.postal_item_number
        with pytest.raises(RegistrationBookError, match="уже закрыта"):
            book.record_issued(
                entry,
                handover=IN_PERSON,
                handed_over_on=date(2026, 7, 2),
                issue_order=ORDER,
            )

    def test_duplicate_row_refers_to_the_original(self) -> None:
        with pytest.raises(RegistrationBookError, match="оригинала"):
            _reserve(
                RegistrationBook(load_numbering()), "00412000000001", duplicate_of=""
            )
        _, entry = _reserve(
            RegistrationBook(load_numbering()), "00412000000001", duplicate_of="017"
        )
        assert entry.is_duplicate and entry.original_registration_number == "017"


class TestReconciliation:
    def _season(self) -> tuple[BlankReceipt, RegistrationBook]:
        """10 blanks received; 6 issued, 1 spoiled and replaced, 1 duplicate, 1 awaiting."""
        receipt = BlankReceipt(
            batch_id="2026-1",
            organization_id=SCHOOL,
            kind=BlankKind.BASIC,
            received_on=date(2026, 5, 15),
            numbers=blank_number_range("00412000000001", "00412000000010"),
        )
        book = RegistrationBook(load_numbering())
        numbers = list(receipt.numbers)

        for number in numbers[:6]:
            book, entry = _reserve(book, number)
            book, _ = book.record_issued(
                entry,
                handover=IN_PERSON,
                handed_over_on=date(2026, 6, 25),
                issue_order=ORDER,
            )

        book, spoiled = _reserve(book, numbers[6])
        act = SpoilageAct("1", date(2026, 6, 24), (numbers[6],), "опечатка в отчестве")
        book = book.record_spoiled(spoiled, act)
        book, _ = _reserve(book, numbers[7])  # the reprint, not yet handed over

        book, duplicate = _reserve(book, numbers[8], duplicate_of="005")
        book, _ = book.record_issued(
            duplicate,
            handover=IN_PERSON,
            handed_over_on=date(2026, 8, 20),
            issue_order=ORDER,
        )
        return receipt, book

    def test_report_balances_with_a_spoiled_blank_and_a_duplicate(self) -> None:
        receipt, book = self._season()
        report = reconcile_blanks(
            [receipt], book.entries, organization_id=SCHOOL, as_of=date(2026, 8, 31)
        )

        totals = report.totals
        assert (
            totals.received,
            totals.issued,
            totals.duplicates,
            totals.spoiled,
            totals.awaiting_issue,
            totals.in_stock,
        ) == (10, 6, 1, 1, 1, 1)
        assert report.in_stock_numbers == ("00412000000010",)
        assert report.balanced

    def _stock(self, receipt: BlankReceipt) -> dict[str, str]:
        """The stock table as the season leaves it (numbers in the order of _season)."""
        fates = ["issued"] * 6 + ["spoiled", "assigned", "duplicate", "in_stock"]
        return dict(zip(receipt.numbers, fates, strict=True))

    def test_stock_table_agreeing_with_the_book_balances(self) -> None:
        receipt, book = self._season()
        report = reconcile_blanks(
            [receipt],
            book.entries,
            organization_id=SCHOOL,
            as_of=date(2026, 8, 31),
            stock_fates=self._stock(receipt),
        )

        assert report.balanced and report.discrepancies == ()

    def test_stock_table_disagreeing_with_the_book_is_reported(self) -> None:
        receipt, book = self._season()
        stock = self._stock(receipt)
        # The last blank left the safe for a document but is not numbered yet: not in
        # stock. One issued blank is recorded as in stock; one blank vanished from it.
        stock["00412000000010"] = "assigned"
        stock["00412000000003"] = "in_stock"
        del stock["00412000000004"]
        report = reconcile_blanks(
            [receipt],
            book.entries,
            organization_id=SCHOOL,
            as_of=date(2026, 8, 31),
            stock_fates=stock,
        )

        assert not report.balanced
        assert report.in_stock_numbers == ()
        assert (report.totals.assigned, report.totals.in_stock) == (1, 0)
        assert report.discrepancies == (
            "Бланк № 00412000000003: на складе он «на складе», а по книге регистрации — "
            "«выдан»",
            "Бланк № 00412000000004 партии 2026-1 не числится на складе ни в каком "
            "состоянии",
            "Партия 2026-1: получено 10, а учтено 9",
        )

    def test_a_receipt_quantity_not_matched_by_its_numbers_does_not_balance(
        self,
    ) -> None:
        receipt, book = self._season()
        short = dataclasses.replace(receipt, quantity=12)
        report = reconcile_blanks(
            [short], book.entries, organization_id=SCHOOL, as_of=date(2026, 8, 31)
        )

        assert not report.rows[0].balances
        assert "Партия 2026-1: получено 12, а учтено 10" in report.discrepancies

    def test_physical_count_must_match_the_stock(self) -> None:
        receipt, book = self._season()
        report = reconcile_blanks(
            [receipt],
            book.entries,
            organization_id=SCHOOL,
            as_of=date(2026, 8, 31),
            counted_in_stock={"00412000000007"},
        )

        assert not report.balanced
        assert report.discrepancies == (
            "Бланк № 00412000000010 числится на складе, но не найден при пересчёте",
            "Бланк № 00412000000007 найден при пересчёте, но по учёту он «испорчен»",
        )

    def test_report_as_of_an_earlier_date(self) -> None:
        receipt, book = self._season()
        report = reconcile_blanks(
            [receipt], book.entries, organization_id=SCHOOL, as_of=date(2026, 6, 30)
        )

        duplicate_row = book.entries[-1]
        assert fate_on(duplicate_row, date(2026, 6, 30)) is BlankFate.AWAITING_ISSUE
        assert (report.totals.duplicates, report.totals.awaiting_issue) == (0, 2)
        assert report.balanced

    def test_blank_in_the_book_that_never_arrived_unbalances_the_report(self) -> None:
        receipt, book = self._season()
        book, _ = _reserve(book, "00412000000999")
        report = reconcile_blanks(
            [receipt], book.entries, organization_id=SCHOOL, as_of=date(2026, 8, 31)
        )

        assert not report.balanced
        assert any("не поступал в школу" in d for d in report.discrepancies)

    def test_blank_received_twice_unbalances_the_report(self) -> None:
        receipt, book = self._season()
        again = BlankReceipt(
            "2026-2", SCHOOL, BlankKind.BASIC, date(2026, 6, 1), ("00412000000010",)
        )
        report = reconcile_blanks(
            [receipt, again],
            book.entries,
            organization_id=SCHOOL,
            as_of=date(2026, 8, 31),
        )

        assert not report.balanced
        assert not report.rows[1].balances

    def test_blank_of_the_wrong_kind_is_reported(self) -> None:
        receipt, book = self._season()
        honours = BlankReceipt(
            "2026-3",
            SCHOOL,
            BlankKind.BASIC_HONOURS,
            date(2026, 6, 1),
            ("00412000000200",),
        )
        book, _ = _reserve(book, "00412000000200", kind=CertificateKind.BASIC)
        report = reconcile_blanks(
            [receipt, honours],
            book.entries,
            organization_id=SCHOOL,
            as_of=date(2026, 8, 31),
        )

        assert any("использован для документа" in d for d in report.discrepancies)

    def test_receipts_of_another_school_are_refused(self) -> None:
        receipt, book = self._season()
        other = BlankReceipt(
            "x", 99, BlankKind.BASIC, date(2026, 6, 1), ("00412000000300",)
        )
        with pytest.raises(BlankAccountingError):
            reconcile_blanks(
                [receipt, other],
                book.entries,
                organization_id=SCHOOL,
                as_of=date(2026, 8, 31),
            )

    def test_available_blanks_are_the_unused_ones_lowest_first(self) -> None:
        receipt, book = self._season()

        assert available_blanks([receipt], book.entries, BlankKind.BASIC) == (
            "00412000000010",
        )
        assert available_blanks([receipt], book.entries, BlankKind.BASIC_HONOURS) == ()


def _reserve(
    book: RegistrationBook,
    blank_number: str,
    *,
    on: date = date(2026, 6, 23),
    level: Level = Level.BASIC,
    kind: CertificateKind = CertificateKind.BASIC,
    duplicate_of: str | None = None,
) -> tuple[RegistrationBook, BookEntry]:
    return book.reserve(
        level=level,
        recorded_on=on,
        issue_date=date(on.year, 6, 25),
        document_kind=kind,
        certificate_id=f"cert-{blank_number}",
        pupil_id=int(blank_number[-4:]),
        blank_number=blank_number,
        is_duplicate=duplicate_of is not None,
        original_registration_number=duplicate_of,
    )

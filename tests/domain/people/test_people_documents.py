"""Document numbers as matching keys: one certificate, written in several ways."""

from __future__ import annotations

import pytest

from domain.people.documents import (
    birth_certificate_series_key,
    birth_document_key,
    document_number_key,
)


class TestBirthCertificateSeries:
    @pytest.mark.parametrize(
        "written",
        [
            "II-КМ",
            "II КМ",
            "IIКМ",
            "ii-км",
            "II-KM",  # letters typed on a Latin keyboard
            "ІІ-КМ",  # numeral typed with Cyrillic І
            "11-КМ",  # numeral typed with the digit 1
            "II\u2011КМ",  # non-breaking hyphen
            "\u2161-КМ",  # the Roman numeral character Ⅱ
            "II–\u200bКМ",  # en dash and a zero-width space
        ],
    )
    def test_ways_of_writing_II_KM_give_one_key(self, written: str) -> None:
        assert birth_certificate_series_key(written) == "IIКМ"

    def test_numerals_with_cyrillic_x_and_c(self) -> None:
        assert birth_certificate_series_key("ХС-АП") == "XCАП"
        assert birth_certificate_series_key("XIV-ЁЖ") == "XIVЕЖ"

    def test_different_series_stay_different(self) -> None:
        assert birth_certificate_series_key("I-КМ") != birth_certificate_series_key(
            "II-КМ"
        )
        assert birth_certificate_series_key("II-КМ") != birth_certificate_series_key(
            "II-АП"
        )

    def test_something_else_is_only_compacted(self) -> None:
        assert birth_certificate_series_key("ab 12") == "AB12"


class TestBirthDocumentKey:
    def test_russian_certificate_joins_series_and_number(self) -> None:
        assert birth_document_key("II-КМ", "531 407") == "IIКМ531407"
        assert birth_document_key("ii km", "531407") == birth_document_key(
            "II-КМ", "531407"
        )

    def test_leading_zeros_of_a_number_are_kept(self) -> None:
        assert birth_document_key("I-КМ", "012345") != birth_document_key(
            "I-КМ", "12345"
        )

    def test_foreign_document_folds_look_alikes_to_latin(self) -> None:
        key = birth_document_key("I-TN", "0831652", russian=False)

        # Cyrillic І and Т typed for Latin I and T.
        assert key == birth_document_key("І-ТN", "0831 652", russian=False)
        assert key == "ITN0831652"

    def test_any_number_without_separators_and_case(self) -> None:
        assert document_number_key("ав № 12-34") == document_number_key("AB1234")

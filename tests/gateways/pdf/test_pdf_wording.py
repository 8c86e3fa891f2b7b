"""Dates in words and marks as printed on the blank (pitfall C11, §5.3)."""

from datetime import date

import pytest

from gateways.pdf import InvalidCertificateData, date_in_words, mark_text


@pytest.mark.parametrize(
    ("value", "words"),
    [
        (date(2026, 6, 25), "25 июня 2026 года"),
        (date(2026, 1, 1), "1 января 2026 года"),
        (date(2025, 5, 31), "31 мая 2025 года"),
        (date(2024, 12, 9), "9 декабря 2024 года"),
    ],
)
def test_issue_date_is_written_in_words_with_the_month_in_the_genitive(
    value: date, words: str
) -> None:
    assert date_in_words(value) == words


@pytest.mark.parametrize(
    ("mark", "text"),
    [
        (5, "5 (отлично)"),
        (4, "4 (хорошо)"),
        (3, "3 (удовлетворительно)"),
        ("зачтено", "зачтено"),
    ],
)
def test_mark_is_a_digit_with_the_word_in_brackets(mark: int | str, text: str) -> None:
    assert mark_text(mark) == text


@pytest.mark.parametrize("mark", [2, 6, True, "отлично", ""])
def test_a_mark_that_cannot_stand_on_an_attestat_is_refused(mark: int | str) -> None:
    with pytest.raises(InvalidCertificateData):
        mark_text(mark)


def test_the_blank_uses_the_domain_wording_not_a_copy() -> None:
    import domain.certificates.wording as domain_wording
    import gateways.pdf.wording as pdf_wording

    assert pdf_wording.date_in_words is domain_wording.date_in_words
    assert not hasattr(pdf_wording, "_MONTHS_GENITIVE")
    assert not hasattr(pdf_wording, "_MARK_WORDS")

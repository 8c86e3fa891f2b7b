"""How dates and marks are written on the blank: the domain's wording, with print errors.

The words themselves (months in the genitive, «5 (отлично)», «зачтено») live in
`domain.certificates.wording`; this module only adapts them to the print module's input,
where a pass/fail subject arrives as the text «зачтено».
"""

from datetime import date

from domain.certificates.errors import InvalidMark
from domain.certificates.marks import PassMark
from domain.certificates.wording import date_in_words, mark_in_words
from gateways.pdf.errors import InvalidCertificateData

PASSED = PassMark.PASSED.label

__all__ = ["PASSED", "date_in_digits", "date_in_words", "mark_text"]


def date_in_digits(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def mark_text(mark: int | str) -> str:
    """«5 (отлично)»; a pass/fail subject is «зачтено». An attestat never carries a «2»."""
    value: int | PassMark
    if isinstance(mark, str):
        if mark.strip() != PASSED:
            raise InvalidCertificateData(f"недопустимая итоговая отметка: «{mark}»")
        value = PassMark.PASSED
    else:
        value = mark
    try:
        return mark_in_words(value)
    except InvalidMark as error:
        raise InvalidCertificateData(f"недопустимая итоговая отметка: {mark!r}") from error

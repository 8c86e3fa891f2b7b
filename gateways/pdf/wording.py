"""How dates and marks are written on the blank (order 115, carried into 546)."""

from datetime import date

from gateways.pdf.errors import InvalidCertificateData

_MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)
_MARK_WORDS = {5: "отлично", 4: "хорошо", 3: "удовлетворительно"}
PASSED = "зачтено"


def date_in_words(value: date) -> str:
    """«25 июня 2026 года»: day in digits, month in the genitive, four-digit year, «года»."""
    return f"{value.day} {_MONTHS_GENITIVE[value.month - 1]} {value.year} года"


def date_in_digits(value: date) -> str:
    return f"{value:%d.%m.%Y}"


def mark_text(mark: int | str) -> str:
    """«5 (отлично)»; a pass/fail subject is «зачтено». An attestat never carries a «2»."""
    if isinstance(mark, bool):
        raise InvalidCertificateData(f"недопустимая итоговая отметка: {mark!r}")
    if isinstance(mark, int):
        if mark not in _MARK_WORDS:
            raise InvalidCertificateData(f"недопустимая итоговая отметка: {mark}")
        return f"{mark} ({_MARK_WORDS[mark]})"
    if mark.strip() == PASSED:
        return PASSED
    raise InvalidCertificateData(f"недопустимая итоговая отметка: «{mark}»")

"""Words printed on certificates, supplements and acts: dates, marks, quantities."""

from __future__ import annotations

from datetime import date

from domain.certificates.errors import InvalidMark
from domain.certificates.marks import MarkValue, PassMark, check_mark

MONTHS_GENITIVE = (
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

MARK_WORDS = {5: "отлично", 4: "хорошо", 3: "удовлетворительно"}


def date_in_words(value: date) -> str:
    """«25 июня 2026 года»: day in digits, month in the genitive, 4-digit year, «года»."""
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year:04d} года"


def mark_in_words(value: MarkValue) -> str:
    """«5 (отлично)», «4 (хорошо)», «3 (удовлетворительно)» or «зачтено»."""
    check_mark(value)
    if value is PassMark.PASSED:
        return "зачтено"
    if isinstance(value, int) and value in MARK_WORDS:
        return f"{value} ({MARK_WORDS[value]})"
    # An attestat is issued only with satisfactory final marks (§2), so these never print.
    raise InvalidMark(f"Отметка «{_plain(value)}» не может быть напечатана в аттестате")


def _plain(value: MarkValue) -> str:
    return value.label if isinstance(value, PassMark) else str(value)


_UNITS_MASCULINE = (
    "ноль",
    "один",
    "два",
    "три",
    "четыре",
    "пять",
    "шесть",
    "семь",
    "восемь",
    "девять",
)
_UNITS_FEMININE = ("", "одна", "две")
_TEENS = (
    "десять",
    "одиннадцать",
    "двенадцать",
    "тринадцать",
    "четырнадцать",
    "пятнадцать",
    "шестнадцать",
    "семнадцать",
    "восемнадцать",
    "девятнадцать",
)
_TENS = (
    "",
    "",
    "двадцать",
    "тридцать",
    "сорок",
    "пятьдесят",
    "шестьдесят",
    "семьдесят",
    "восемьдесят",
    "девяносто",
)
_HUNDREDS = (
    "",
    "сто",
    "двести",
    "триста",
    "четыреста",
    "пятьсот",
    "шестьсот",
    "семьсот",
    "восемьсот",
    "девятьсот",
)


def plural_form(count: int, one: str, few: str, many: str) -> str:
    """Pick the Russian noun form for a count: 1 бланк, 3 бланка, 5 бланков."""
    last_two = count % 100
    last = count % 10
    if 11 <= last_two <= 14:
        return many
    if last == 1:
        return one
    if 2 <= last <= 4:
        return few
    return many


def _triad_words(value: int, *, feminine: bool) -> list[str]:
    words: list[str] = []
    hundreds, rest = divmod(value, 100)
    if hundreds:
        words.append(_HUNDREDS[hundreds])
    if 10 <= rest <= 19:
        words.append(_TEENS[rest - 10])
        return words
    tens, units = divmod(rest, 10)
    if tens:
        words.append(_TENS[tens])
    if units:
        if feminine and units in (1, 2):
            words.append(_UNITS_FEMININE[units])
        else:
            words.append(_UNITS_MASCULINE[units])
    return words


def number_in_words(value: int) -> str:
    """A cardinal number 0–999 999 in words, masculine (for «бланк»): 21 → «двадцать один»."""
    if not 0 <= value <= 999_999:
        raise ValueError("number_in_words handles 0..999999")
    if value == 0:
        return _UNITS_MASCULINE[0]
    thousands, rest = divmod(value, 1000)
    words: list[str] = []
    if thousands:
        words += _triad_words(thousands, feminine=True)
        words.append(plural_form(thousands, "тысяча", "тысячи", "тысяч"))
    words += _triad_words(rest, feminine=False)
    return " ".join(words)


def blanks_quantity_in_words(count: int) -> str:
    """The quantity line of a write-off act: «3 (три) бланка» (figures and words, §5.4)."""
    noun = plural_form(count, "бланк", "бланка", "бланков")
    return f"{count} ({number_in_words(count)}) {noun}"

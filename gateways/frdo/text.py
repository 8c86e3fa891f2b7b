"""Text hygiene for ФРДО values: invisible characters, dashes, Latin look-alikes, names."""

import re
import unicodedata
from dataclasses import dataclass

# Removed outright: they are invisible and never part of a name or a number.
_INVISIBLE = frozenset(
    "\u200b\u200c\u200d\u200e\u200f\u2060\u2061\u2062\u2063\ufeff\u00ad"
)
# Replaced by an ordinary space.
_SPACE_LIKE = frozenset(
    "\t\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a"
    "\u202f\u205f\u3000"
)
# Replaced by the hyphen-minus the ФРДО rules allow in names.
_DASHES = frozenset("\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58\ufe63\uff0d")
# A value with a line break is rejected: the school checker reports «перенос на новую строку».
_LINE_BREAKS = frozenset("\n\r\u2028\u2029\x0b\x0c\x85")
_SPECIAL = re.compile(
    "[\x00-\x1f\x7f-\x9f"
    + re.escape("".join(sorted(_INVISIBLE | _SPACE_LIKE | _DASHES | _LINE_BREAKS)))
    + "]"
)
_NAMES_RU = {
    "\u00a0": "неразрывный пробел",
    "\t": "табуляция",
    "\ufeff": "метка BOM",
    "\u00ad": "мягкий перенос",
}

# Latin letters that look like Cyrillic ones (keyboard layout slips).
LATIN_LOOKALIKES: dict[str, str] = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М", "O": "О",
    "P": "Р", "T": "Т", "X": "Х", "Y": "У", "a": "а", "c": "с", "e": "е", "o": "о",
    "p": "р", "x": "х", "y": "у",
}  # fmt: skip

_RUSSIAN_LETTERS = "А-Яа-яЁё"
_NAME_ALLOWED = re.compile(rf"[{_RUSSIAN_LETTERS}\-.'` ()]")
_DOCUMENT_NAME_ALLOWED = re.compile(rf"[{_RUSSIAN_LETTERS} \-]")
NAME_MAX_LENGTH = 50


@dataclass(frozen=True)
class CleanedText:
    """A value after hygiene, with what was changed in it (for a notice to the user)."""

    value: str
    replaced: tuple[str, ...] = ()
    has_line_break: bool = False


def _describe(char: str) -> str:
    """A character the user cannot see, named in Russian with its code point."""
    if char in _NAMES_RU:
        name = _NAMES_RU[char]
    elif char in _DASHES:
        name = "длинное тире"
    elif char in _SPACE_LIKE:
        name = "особый пробел"
    elif char in _INVISIBLE:
        name = "невидимый символ"
    else:
        name = "управляющий символ"
    return f"{name} (U+{ord(char):04X})"


def clean_text(raw: str | None) -> CleanedText:
    """Drop invisible characters, normalise spaces and dashes, trim and collapse spaces."""
    if raw is None:
        return CleanedText("")
    if not _SPECIAL.search(raw):
        # The common case: nothing to replace, only trim and collapse spaces.
        return CleanedText(" ".join(raw.split()))

    replaced: list[str] = []
    has_line_break = False
    out: list[str] = []
    for char in raw:
        if char in _LINE_BREAKS:
            has_line_break = True
            out.append(" ")
            continue
        if char in _SPACE_LIKE:
            out.append(" ")
        elif char in _DASHES:
            out.append("-")
        elif char not in _INVISIBLE and unicodedata.category(char) != "Cc":
            out.append(char)
            continue
        replaced.append(_describe(char))

    value = " ".join("".join(out).split())
    return CleanedText(value, tuple(dict.fromkeys(replaced)), has_line_break)


def latin_letters(value: str) -> tuple[str, ...]:
    """Distinct Latin letters in the value, in order of appearance."""
    found = [ch for ch in value if ("A" <= ch <= "Z") or ("a" <= ch <= "z")]
    return tuple(dict.fromkeys(found))


def replace_latin_lookalikes(value: str) -> str:
    """The value with Latin look-alikes swapped for Cyrillic; offered to the user to confirm."""
    return "".join(LATIN_LOOKALIKES.get(ch, ch) for ch in value)


def _quote_all(chars: tuple[str, ...] | list[str]) -> str:
    return ", ".join(f"«{ch}»" for ch in chars)


def _disallowed(value: str, allowed: re.Pattern[str]) -> list[str]:
    """Characters outside the allowed class; Latin letters are reported separately."""
    return [
        ch
        for ch in dict.fromkeys(value)
        if not allowed.fullmatch(ch) and not latin_letters(ch)
    ]


def latin_problem(value: str) -> str | None:
    """A Russian message when a Cyrillic-only value contains Latin letters."""
    found = latin_letters(value)
    if not found:
        return None

    if all(ch in LATIN_LOOKALIKES for ch in found):
        return (
            f"латинские буквы, похожие на русские: {_quote_all(found)} "
            "(вероятно, ошибка раскладки) — замените на русские"
        )
    return f"латинские буквы недопустимы: {_quote_all(found)}"


def name_problems(value: str) -> list[str]:
    """Problems of a cleaned surname, first name or patronymic (СПО/ПО instructions)."""
    if not value:
        return ["не заполнено"]

    problems: list[str] = []
    latin = latin_problem(value)
    if latin:
        problems.append(latin)
    others = _disallowed(value, _NAME_ALLOWED)
    if others:
        problems.append(
            f"недопустимые символы: {_quote_all(others)} (допустимы русские буквы, "
            "дефис, точка, апостроф, пробел, скобки)"
        )
    if value[0] == "-" or value[-1] == "-":
        problems.append("начинается или заканчивается дефисом")
    if "--" in value:
        problems.append("два дефиса подряд")
    if len(value) > NAME_MAX_LENGTH:
        problems.append(f"длиннее {NAME_MAX_LENGTH} символов")
    return problems


def cyrillic_text_problems(value: str, max_length: int) -> list[str]:
    """Problems of a document name: Russian letters, space and hyphen only."""
    if not value:
        return ["не заполнено"]

    problems: list[str] = []
    latin = latin_problem(value)
    if latin:
        problems.append(latin)
    others = _disallowed(value, _DOCUMENT_NAME_ALLOWED)
    if others:
        problems.append(f"недопустимые символы: {_quote_all(others)}")
    if len(value) > max_length:
        problems.append(f"длиннее {max_length} символов")
    return problems


def pattern_problems(
    value: str, pattern: str, allowed: str, max_length: int
) -> list[str]:
    """Problems of a number-like value checked against a character class."""
    if not value:
        return ["не заполнено"]

    problems: list[str] = []
    others = [ch for ch in dict.fromkeys(value) if not re.fullmatch(pattern, ch)]
    if others:
        problems.append(
            f"недопустимые символы: {_quote_all(others)} (допустимы {allowed})"
        )
    if len(value) > max_length:
        problems.append(f"длиннее {max_length} символов")
    return problems

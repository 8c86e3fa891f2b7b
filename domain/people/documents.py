"""Document numbers as matching keys: the same certificate written in different ways."""

from __future__ import annotations

import re
import unicodedata

from domain.people.names import INVISIBLE_CHARACTERS, LATIN_LOOKALIKES

# A Russian birth certificate series is a Roman numeral in Latin letters and two Cyrillic
# capitals (II-КМ). People type the numeral with Cyrillic І, Х, С or the digit 1, and the
# letters on a Latin keyboard.
_ROMAN_FROM_LOOKALIKE = {"І": "I", "Ӏ": "I", "1": "I", "|": "I", "Х": "X", "С": "C"}
_ROMAN_DIGITS = frozenset("IVXLC")
_SEPARATORS = re.compile(r"[\s\-\u2010-\u2015\u2212_]+")
_CYRILLIC_FROM_LATIN = {
    latin.upper(): cyrillic.upper() for latin, cyrillic in LATIN_LOOKALIKES.items()
}
_LATIN_FROM_CYRILLIC = {
    **{cyrillic: latin for latin, cyrillic in _CYRILLIC_FROM_LATIN.items()},
    "І": "I",
}


def birth_certificate_series_key(series: str) -> str:
    """Return the matching key of a Russian birth certificate series: «ii-km» → «IIКМ»."""
    compact = _compact(series)
    if len(compact) < 3:
        return compact

    numeral = "".join(_ROMAN_FROM_LOOKALIKE.get(char, char) for char in compact[:-2])
    letters = "".join(_CYRILLIC_FROM_LATIN.get(char, char) for char in compact[-2:])
    if not set(numeral) <= _ROMAN_DIGITS:
        return compact
    return numeral + letters.replace("Ё", "Е")


def document_number_key(value: str) -> str:
    """Return the matching key of any document series or number.

    Separators and case are dropped, and Cyrillic letters that look like Latin ones are
    written in Latin, so «АВ 123» and «AB-123» give the same key.
    """
    compact = _compact(value)
    return "".join(_LATIN_FROM_CYRILLIC.get(char, char) for char in compact)


def birth_document_key(series: str | None, number: str, *, russian: bool = True) -> str:
    """Return the matching key of a child's birth document (series and number together)."""
    if russian:
        series_key = birth_certificate_series_key(series or "")
        return f"{series_key}{_compact(number)}"
    return document_number_key(f"{series or ''}{number}")


def _compact(value: str) -> str:
    # № goes before NFKC, which would spell it out as "No".
    text = "".join(
        char for char in value if char not in INVISIBLE_CHARACTERS and char != "№"
    )
    text = unicodedata.normalize("NFKC", text)
    return _SEPARATORS.sub("", text).upper()

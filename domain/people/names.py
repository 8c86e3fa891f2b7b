"""People's names: the matching key for comparison, and a strict data-quality check.

Names are stored and shown exactly as submitted; the key built here is only for finding the
same person twice (duplicate applications, matching across channels).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from enum import StrEnum

# Characters that render as nothing but make two equal-looking names differ: zero-width
# space, joiners, word joiner, byte-order mark, soft hyphen, Mongolian vowel separator,
# bidirectional marks.
INVISIBLE_CHARACTERS = frozenset(
    "\u200b\u200c\u200d\u2060\ufeff\u00ad\u180e\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2061\u2062\u2063\u2064"
)

# Latin letters that look like Cyrillic ones, as they get into Russian names typed on a
# keyboard switched to the wrong layout or pasted from scanned documents.
LATIN_LOOKALIKES = {
    "A": "А", "B": "В", "C": "С", "E": "Е", "H": "Н", "K": "К", "M": "М",
    "O": "О", "P": "Р", "T": "Т", "X": "Х", "Y": "У",
    "a": "а", "c": "с", "e": "е", "k": "к", "o": "о", "p": "р", "x": "х", "y": "у",
    "\u00cb": "Ё", "\u00eb": "ё",
}  # fmt: skip

_HYPHENS = "\u2010\u2011\u2012\u2013\u2014\u2212\ufe63\uff0d"
_APOSTROPHES = "\u2019\u02bc\u2018`\u00b4"
_LETTER_RUN = re.compile(r"[^\W\d_]+")
_SPACES = re.compile(r"\s+")
_SPACED_HYPHEN = re.compile(r" ?- ?")
_ALLOWED_PUNCTUATION = frozenset(" -'’.")


def normalize_name(value: str) -> str:
    """Return the comparison key of a name: «Алёна» and « АЛЕНА» give the same key.

    Folds case and Ё/Е, removes invisible characters, turns every kind of space into one
    plain space, unifies hyphens and apostrophes, and maps Latin look-alike letters inside
    Cyrillic words to Cyrillic.
    """
    text = "".join(char for char in value if char not in INVISIBLE_CHARACTERS)
    text = unicodedata.normalize("NFKC", text)
    text = _unify_punctuation(text)
    text = _SPACES.sub(" ", text).strip()
    text = _SPACED_HYPHEN.sub("-", text)
    text = _LETTER_RUN.sub(_cyrillize_word, text)
    return text.casefold().replace("ё", "е")


def full_name_key(surname: str, name: str, middle_name: str | None = None) -> str:
    """Return the comparison key of a whole name (surname, name, patronymic)."""
    parts = (surname, name, middle_name or "")
    return " ".join(normalize_name(part) for part in parts).strip()


class NameIssueKind(StrEnum):
    """A data-quality problem in a name as submitted."""

    EMPTY = "empty"
    EDGE_SPACE = "edge_space"
    REPEATED_SPACE = "repeated_space"
    IRREGULAR_SPACE = "irregular_space"
    INVISIBLE_CHARACTER = "invisible_character"
    LATIN_LOOKALIKE = "latin_lookalike"
    UNEXPECTED_CHARACTER = "unexpected_character"
    NOT_STARTING_WITH_LETTER = "not_starting_with_letter"


_ISSUE_TEXTS = {
    NameIssueKind.EMPTY: "не заполнено",
    NameIssueKind.EDGE_SPACE: "пробел в начале или в конце",
    NameIssueKind.REPEATED_SPACE: "несколько пробелов подряд",
    NameIssueKind.IRREGULAR_SPACE: "неразрывный пробел, табуляция или перевод строки",
    NameIssueKind.INVISIBLE_CHARACTER: "невидимый символ",
    NameIssueKind.LATIN_LOOKALIKE: "латинская буква внутри слова, написанного кириллицей",
    NameIssueKind.UNEXPECTED_CHARACTER: "недопустимый символ",
    NameIssueKind.NOT_STARTING_WITH_LETTER: "начинается не с буквы",
}


@dataclass(frozen=True)
class NameIssue:
    """One problem found in a name: what it is and where (index into the string)."""

    kind: NameIssueKind
    position: int

    @property
    def text_ru(self) -> str:
        return f"{_ISSUE_TEXTS[self.kind]} (позиция {self.position + 1})"


def check_name(value: str) -> tuple[NameIssue, ...]:
    """Report every data-quality problem of a name, in the order they occur."""
    if all(char.isspace() or char in INVISIBLE_CHARACTERS for char in value):
        return (NameIssue(NameIssueKind.EMPTY, 0),)

    issues: list[NameIssue] = []
    if value[0].isspace() or value[-1].isspace():
        position = 0 if value[0].isspace() else len(value) - 1
        issues.append(NameIssue(NameIssueKind.EDGE_SPACE, position))
    for match in re.finditer(r"\s{2,}", value):
        issues.append(NameIssue(NameIssueKind.REPEATED_SPACE, match.start()))
    for position, char in enumerate(value):
        kind = _character_issue(char)
        if kind is not None:
            issues.append(NameIssue(kind, position))
    for match in _LETTER_RUN.finditer(value):
        issues.extend(_lookalike_issues(match.group(), match.start()))

    first = value.lstrip()
    if first and not first[0].isalpha() and first[0] not in INVISIBLE_CHARACTERS:
        issues.append(NameIssue(NameIssueKind.NOT_STARTING_WITH_LETTER, 0))
    return tuple(sorted(issues, key=lambda issue: issue.position))


def _character_issue(char: str) -> NameIssueKind | None:
    if char in INVISIBLE_CHARACTERS:
        return NameIssueKind.INVISIBLE_CHARACTER
    if char.isspace():
        return None if char == " " else NameIssueKind.IRREGULAR_SPACE
    if char.isalpha() or char in _ALLOWED_PUNCTUATION:
        return None
    if unicodedata.category(char).startswith("M"):
        # A combining mark (й written as и + breve) is a legitimate part of a letter.
        return None
    if unicodedata.category(char) == "Cf":
        return NameIssueKind.INVISIBLE_CHARACTER
    return NameIssueKind.UNEXPECTED_CHARACTER


def _lookalike_issues(word: str, offset: int) -> list[NameIssue]:
    if not _has_cyrillic(word):
        return []
    return [
        NameIssue(NameIssueKind.LATIN_LOOKALIKE, offset + index)
        for index, char in enumerate(word)
        if char in LATIN_LOOKALIKES
    ]


def _unify_punctuation(text: str) -> str:
    for hyphen in _HYPHENS:
        text = text.replace(hyphen, "-")
    for apostrophe in _APOSTROPHES:
        text = text.replace(apostrophe, "'")
    return text


def _cyrillize_word(match: re.Match[str]) -> str:
    word = match.group()
    if not _has_cyrillic(word):
        # A wholly Latin word is a foreign name written in Latin, not a typo.
        return word
    return "".join(LATIN_LOOKALIKES.get(char, char) for char in word)


def _has_cyrillic(word: str) -> bool:
    return any("\u0400" <= char <= "\u04ff" for char in word)

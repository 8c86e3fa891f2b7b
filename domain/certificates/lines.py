"""Mapping of gradebook subjects to certificate lines (§3.6), and line-title rules (§5.3)."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from domain.certificates.data_files import load_yaml
from domain.certificates.errors import InvalidRuleData
from domain.certificates.exams import exam_subjects
from domain.certificates.kinds import Level


class LineFormula(StrEnum):
    """How a line made of several gradebook subjects gets its marks.

    ROUND_PERIOD_MARKS: for every period (a term or a year of a grade), the line's mark is
    the half-up mean of its subjects' marks in that period — a mark like any other, since
    the order speaks of year and term *marks*; the level's rule then works on those marks.
    EXACT_UNTIL_FINAL: the period values stay exact means and only the final result is
    rounded (one rounding instead of two).
    """

    ROUND_PERIOD_MARKS = "round_period_marks"
    EXACT_UNTIL_FINAL = "exact_until_final"


@dataclass(frozen=True)
class CertificateLine:
    code: str
    title: str
    order: int
    sources: tuple[str, ...]
    exam_subjects: tuple[str, ...] = ()
    formula: LineFormula = LineFormula.ROUND_PERIOD_MARKS
    required: bool = False


@dataclass(frozen=True)
class LineMapping:
    name: str
    level: Level
    lines: tuple[CertificateLine, ...]
    excluded_subjects: frozenset[str] = frozenset()

    def line_for_subject(self, subject: str) -> CertificateLine | None:
        return self._by_source.get(subject)

    def line_for_exam(self, exam_subject: str) -> CertificateLine | None:
        return self._by_exam.get(exam_subject)

    @functools.cached_property
    def _by_source(self) -> Mapping[str, CertificateLine]:
        return {source: line for line in self.lines for source in line.sources}

    @functools.cached_property
    def _by_exam(self) -> Mapping[str, CertificateLine]:
        return {exam: line for line in self.lines for exam in line.exam_subjects}


@functools.cache
def load_line_mapping(level: Level, name: str = "default") -> LineMapping:
    """A packaged mapping, `data/line_mappings/<level>_<name>.yaml`."""
    raw = load_yaml("line_mappings", f"{level.value}_{name}.yaml")
    if raw is None:
        raise InvalidRuleData(
            f"Соответствие предметов и строк аттестата «{name}» не найдено"
        )
    mapping = line_mapping_from_data(raw)
    if mapping.level is not level:
        raise InvalidRuleData(
            f"Соответствие «{name}» описано для другого уровня образования"
        )
    return mapping


def line_mapping_from_data(raw: Mapping[str, Any]) -> LineMapping:
    """Build and check a mapping: unique codes, orders and sources; valid titles."""
    try:
        lines = tuple(
            sorted(
                (_line_from_data(item) for item in raw["lines"]), key=lambda x: x.order
            )
        )
        mapping = LineMapping(
            name=str(raw["name"]),
            level=Level(raw["level"]),
            lines=lines,
            excluded_subjects=frozenset(raw.get("excluded_subjects") or ()),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidRuleData(
            f"Соответствие предметов и строк аттестата неполно: {exc}"
        ) from exc

    problems = mapping_problems(mapping)
    if problems:
        raise InvalidRuleData("; ".join(problems))
    return mapping


_LINE_KEYS = {
    "code",
    "title",
    "order",
    "sources",
    "exam_subjects",
    "formula",
    "required",
}


def _line_from_data(item: Mapping[str, Any]) -> CertificateLine:
    unknown = set(item) - _LINE_KEYS
    if unknown:
        raise InvalidRuleData(f"Неизвестные ключи строки аттестата: {sorted(unknown)}")
    return CertificateLine(
        code=str(item["code"]),
        title=str(item["title"]),
        order=int(item["order"]),
        sources=tuple(item["sources"]),
        exam_subjects=tuple(item.get("exam_subjects") or ()),
        formula=LineFormula(item.get("formula", LineFormula.ROUND_PERIOD_MARKS.value)),
        required=bool(item.get("required", False)),
    )


def mapping_problems(mapping: LineMapping) -> list[str]:
    problems: list[str] = []
    seen_codes: set[str] = set()
    seen_orders: set[int] = set()
    seen_sources: dict[str, str] = {}
    seen_exams: dict[str, str] = {}
    for line in mapping.lines:
        if line.code in seen_codes:
            problems.append(f"строка «{line.code}» описана дважды")
        if line.order in seen_orders:
            problems.append(f"порядковый номер {line.order} занят двумя строками")
        seen_codes.add(line.code)
        seen_orders.add(line.order)
        if not line.sources:
            problems.append(f"у строки «{line.title}» нет предметов журнала")
        for source in line.sources:
            if source in seen_sources:
                problems.append(
                    f"предмет журнала «{source}» входит в строки «{seen_sources[source]}» "
                    f"и «{line.title}»"
                )
            seen_sources[source] = line.title
        for exam in line.exam_subjects:
            if exam not in exam_subjects():
                problems.append(
                    f"у строки «{line.title}» неизвестный предмет ГИА «{exam}»"
                )
            if exam in seen_exams:
                problems.append(f"предмет ГИА «{exam}» привязан к двум строкам")
            seen_exams[exam] = line.title
        problems += [f"«{line.title}»: {p}" for p in line_title_problems(line.title)]
    return problems


# Order 115 (carried into 546 [M]) allows only these abbreviations of subject names.
ALLOWED_ABBREVIATIONS = frozenset({"Информатика", "Физкультура", "МХК", "ИЗО", "ОБЖ"})
LANGUAGE_LINES = (
    "Второй иностранный язык",
    "Иностранный язык",
    "Родной язык",
    "Родная литература",
)
_NUMBERING = re.compile(r"^\s*(\d+|[IVXLC]+)\s*[.)]")
_UPPER_WORD = re.compile(r"\b[А-ЯЁ]{2,}\b")


def line_title_problems(title: str) -> list[str]:
    """Why a subject title cannot be printed as is (pitfall C10); empty if it can."""
    problems: list[str] = []
    stripped = title.strip()
    if stripped != title or "  " in title or not title:
        problems.append("лишние пробелы в названии предмета")
    if _NUMBERING.match(title):
        problems.append("название предмета пишется без порядкового номера")
    elif not stripped[:1].isupper():
        problems.append("название предмета пишется с прописной буквы")

    for abbreviation in _UPPER_WORD.findall(title):
        if abbreviation not in ALLOWED_ABBREVIATIONS:
            problems.append(
                f"сокращение «{abbreviation}» не входит в перечень допустимых"
            )
    if re.search(r"[А-Яа-яЁё]\.(\s|$)", title):
        problems.append("сокращения с точкой в названии предмета не допускаются")

    for language_line in LANGUAGE_LINES:
        if stripped.startswith(language_line):
            rest = stripped[len(language_line) :]
            if not re.fullmatch(r" \([а-яё -]+\)", rest):
                problems.append(f"после «{language_line}» указывается язык в скобках")
            break
    return problems

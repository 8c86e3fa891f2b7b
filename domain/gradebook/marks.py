"""Marks of the gradebook: values on the 2–5 scale or pass/fail, kinds of work, the mark."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum

from domain.gradebook.errors import GradebookError

MIN_POINTS = 2
MAX_POINTS = 5

POINTS_TITLES_RU = {
    5: "отлично",
    4: "хорошо",
    3: "удовлетворительно",
    2: "неудовлетворительно",
}


class PassFail(StrEnum):
    PASSED = "зачёт"
    FAILED = "незачёт"


class Scale(StrEnum):
    """How a subject is assessed."""

    FIVE_POINT = "five_point"
    PASS_FAIL = "pass_fail"


@dataclass(frozen=True, order=False)
class MarkValue:
    """A mark on the 2–5 scale or «зачёт»/«незачёт»; exactly one of the two is set."""

    points: int | None = None
    pass_fail: PassFail | None = None

    def __post_init__(self) -> None:
        if (self.points is None) == (self.pass_fail is None):
            raise GradebookError(
                "Отметка должна быть либо баллом от 2 до 5, либо зачётом"
            )
        if self.points is not None and (
            isinstance(self.points, bool)
            or not isinstance(self.points, int)
            or not MIN_POINTS <= self.points <= MAX_POINTS
        ):
            raise GradebookError(
                f"Недопустимая отметка «{self.points}»: допустимы 2, 3, 4, 5"
            )

    @classmethod
    def of(cls, points: int) -> MarkValue:
        return cls(points=points)

    @classmethod
    def passed(cls) -> MarkValue:
        return cls(pass_fail=PassFail.PASSED)

    @classmethod
    def failed(cls) -> MarkValue:
        return cls(pass_fail=PassFail.FAILED)

    @classmethod
    def parse(cls, text: str) -> MarkValue:
        """Read a mark as a teacher types it: «5», «зачёт», «зач», «незачёт», «нз»."""
        cleaned = text.strip().lower().replace("ё", "е").rstrip(".")
        if cleaned.isdigit():
            return cls.of(int(cleaned))
        if cleaned in {"зачет", "зач", "зачтено"}:
            return cls.passed()
        if cleaned in {"незачет", "незач", "нз", "н/з", "не зачтено"}:
            return cls.failed()
        raise GradebookError(f"Не удалось распознать отметку «{text}»")

    @property
    def scale(self) -> Scale:
        return Scale.FIVE_POINT if self.points is not None else Scale.PASS_FAIL

    @property
    def is_numeric(self) -> bool:
        return self.points is not None

    @property
    def is_positive(self) -> bool:
        """A satisfactory result: 3–5 or «зачёт»."""
        if self.points is not None:
            return self.points >= 3
        return self.pass_fail is PassFail.PASSED

    def __str__(self) -> str:
        if self.points is not None:
            return str(self.points)
        assert self.pass_fail is not None
        return self.pass_fail.value

    def in_words(self) -> str:
        """«5 (отлично)» or «зачёт», as printed in documents."""
        if self.points is not None:
            return f"{self.points} ({POINTS_TITLES_RU[self.points]})"
        return str(self)


@dataclass(frozen=True)
class WorkKind:
    """A kind of work a mark is given for; the weight comes from the school's policy."""

    code: str
    title: str


# A default catalogue; a school may add its own kinds by giving them a weight in its policy.
CLASSWORK = WorkKind("classwork", "Работа на уроке")
ORAL_ANSWER = WorkKind("oral_answer", "Устный ответ")
HOMEWORK = WorkKind("homework", "Домашняя работа")
INDEPENDENT_WORK = WorkKind("independent_work", "Самостоятельная работа")
TEST_WORK = WorkKind("test_work", "Проверочная работа")
PRACTICAL_WORK = WorkKind("practical_work", "Практическая работа")
LAB_WORK = WorkKind("lab_work", "Лабораторная работа")
DICTATION = WorkKind("dictation", "Диктант")
ESSAY = WorkKind("essay", "Сочинение")
CONTROL_WORK = WorkKind("control_work", "Контрольная работа")

DEFAULT_WORK_KINDS: dict[str, WorkKind] = {
    kind.code: kind
    for kind in (
        CLASSWORK,
        ORAL_ANSWER,
        HOMEWORK,
        INDEPENDENT_WORK,
        TEST_WORK,
        PRACTICAL_WORK,
        LAB_WORK,
        DICTATION,
        ESSAY,
        CONTROL_WORK,
    )
}


@dataclass(frozen=True)
class Mark:
    """One mark in the journal; its date is the date of the lesson it was given at."""

    id: int
    pupil_id: int
    subject_id: int
    lesson_id: int
    lesson_date: date
    kind: str
    value: MarkValue
    author_id: int
    # A teacher may hold the marks of a control work until all papers are checked.
    published: bool = True

    def with_value(self, value: MarkValue) -> Mark:
        return replace(self, value=value)

    def snapshot(self) -> dict[str, object]:
        """The mark as an audit record stores it."""
        return {
            "id": self.id,
            "pupil_id": self.pupil_id,
            "subject_id": self.subject_id,
            "lesson_id": self.lesson_id,
            "lesson_date": self.lesson_date.isoformat(),
            "kind": self.kind,
            "value": str(self.value),
            "published": self.published,
            "author_id": self.author_id,
        }

"""Lessons as the journal sees them: a dated column of marks and attendance."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace
from enum import StrEnum


class LessonStatus(StrEnum):
    PLANNED = "planned"
    HELD = "held"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Lesson:
    """One occurrence of a subject for a class (or one of its study groups) on a date."""

    id: int
    school_class_id: int
    subject_id: int
    date: dt.date
    status: LessonStatus = LessonStatus.HELD
    study_group_id: int | None = None

    def moved_to(self, new_date: dt.date) -> Lesson:
        return replace(self, date=new_date)

    def snapshot(self) -> dict[str, object]:
        return {
            "id": self.id,
            "school_class_id": self.school_class_id,
            "subject_id": self.subject_id,
            "date": self.date.isoformat(),
            "status": self.status.value,
            "study_group_id": self.study_group_id,
        }

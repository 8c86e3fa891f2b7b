"""The demo generator's small slice: a school year of lessons, marks and absences by COPY."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import structure, views
from tsos.gradebook.demo import DemoSize, load_gradebook_demo


def test_demo_slice_is_a_usable_journal(database_url, settings, demo_region) -> None:
    size = DemoSize(schools=1, classes_per_grade=1, pupils_per_class=12,
                    teachers_per_school=8, grades=(7, 10))
    counts = load_gradebook_demo(database_url, settings, size, year_start=2025)
    assert (counts["школ"], counts["учеников"], counts["учителей"]) == (1, 24, 8)
    assert counts["уроков"] > 1500 and counts["отметок"] > 3000
    # Loading again leaves the school as it is.
    assert load_gradebook_demo(database_url, settings, size)["школ"] == 0

    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(db.Mark)) == counts["отметок"]
        seventh = session.scalar(select(db.SchoolClass).where(db.SchoolClass.grade == 7))
        algebra = session.scalar(select(db.Subject.id).where(db.Subject.code == "algebra"))
        journal = views.class_journal(session, seventh, algebra, date(2025, 9, 1),
                                      date(2025, 10, 26), for_teacher=True,
                                      zone="Europe/Simferopol")
        assert len(journal.pupils) == 12
        assert 20 <= len(journal.lessons) <= 30
        assert all(row.average is not None for row in journal.pupils)
        # Lessons sit on school days inside the terms, in the school's zone.
        term = structure.term_for(session, seventh, journal.lessons[0].date)
        assert term is not None and all(x.date.weekday() < 5 for x in journal.lessons)

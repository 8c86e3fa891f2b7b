"""Dates are the school's: lessons keep their local date, refusals name the school's day,
whatever zone the server or the database session runs in."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from sqlalchemy import text

from domain.gradebook.locks import WriteRefused
from domain.gradebook.marks import MarkValue
from tests.gradebook.school import grade_term, lesson, moment, writer
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import structure
from tsos.gradebook.journal import MarkEntry


def test_dates_are_the_schools_whatever_the_server_zone(database_url, school,
                                                        monkeypatch) -> None:
    """Lessons keep their local date; a refusal names the day the term closed at the school."""
    with session_scope(database_url) as session:
        lesson_id = lesson(session, school, date(2025, 9, 1), number=1)
        # Closed half an hour after midnight at the school: still the 26th in UTC.
        grade_term(session, school, school.quarter_ids[0],
                   moment(date(2025, 10, 27), hour=0) + timedelta(minutes=30))

    try:
        for zone in ("Pacific/Kiritimati", "Pacific/Pago_Pago"):
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            with session_scope(database_url) as session:
                session.execute(text(f"SET LOCAL TIME ZONE '{zone}'"))
                row = session.get(db.Lesson, lesson_id)
                assert (row.lesson_date, row.time_zone) == (date(2025, 9, 1),
                                                            "Europe/Simferopol")
                school_class = structure.get_class(session, school.class_id)
                term = structure.term_for(session, school_class, row.lesson_date)
                assert term is not None and term.number == 1
                with pytest.raises(WriteRefused, match="закрыт 27.10.2025"):
                    writer(session, school).add_marks(lesson_id, [
                        MarkEntry(school.pupils[0], MarkValue.of(5), "classwork")])
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()

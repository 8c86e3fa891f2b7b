"""Dates are the school's: lessons keep their local date, refusals name the school's day,
whatever zone the server or the database session runs in."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from domain.gradebook.locks import WriteRefused
from domain.gradebook.marks import MarkValue
from tests.gradebook.school import (
    POLICY,
    ZONE,
    _user,
    grade_term,
    lesson,
    moment,
    writer,
)
from tsos.db import gradebook as db
from tsos.db.models import Organization, Pupil
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


FOREIGN_ZONES = ("Pacific/Kiritimati", "Pacific/Pago_Pago")


@pytest.mark.asyncio
async def test_today_is_the_schools_whatever_the_server_zone(gradebook_api, database_url,
                                                             school, headers,
                                                             monkeypatch) -> None:
    """The current term of a journal and the diary's default week follow the school's date.

    UTC+14 and UTC−11 are eleven and fourteen hours from the school: at any moment the
    server's own date differs from the school's in at least one of them. Terms are laid so
    that yesterday, today and tomorrow at the school are three different terms."""
    today = datetime.now(ZoneInfo(ZONE)).date()
    with session_scope(database_url) as session:
        other = session.scalar(select(Organization).where(Organization.code == "SEV-0802"))
        spans = [(today - timedelta(days=60), today - timedelta(days=1)), (today, today),
                 (today + timedelta(days=1), today + timedelta(days=40)),
                 (today + timedelta(days=41), today + timedelta(days=80))]
        year = structure.create_school_year(
            session, other.id, starts_on=today - timedelta(days=61),
            ends_on=today + timedelta(days=200),
            terms={"quarter": [structure.TermDates(a, b) for a, b in spans]},
            grade_plans={5: "quarter"})
        structure.publish_policy(session, other.id, POLICY, effective_from=year.starts_on)
        fifth = structure.create_class(session, year, 5, "А")
        structure.add_curriculum_line(session, year.id, 5, school.algebra_id, Decimal(4))
        pupil = Pupil(person_id=school.pupil_persons[2], organization_id=other.id, grade=5,
                      class_letter="А", school_year=year.name, enrolled_on=year.starts_on)
        session.add(pupil)
        session.flush()
        structure.enroll(session, fifth.id, pupil.id, year.starts_on)
        deputy = _user(session, "deputy_head", other.id)
        todays_term = session.scalar(select(db.Term.id).where(
            db.Term.school_year_id == year.id, db.Term.number == 2))
        class_id, pupil_id = fifth.id, pupil.id

    monday = today - timedelta(days=today.weekday())
    server_dates = set()
    try:
        for zone in FOREIGN_ZONES:
            monkeypatch.setenv("TZ", zone)
            time.tzset()
            server_dates.add(date.today())
            journal = (await gradebook_api.get(
                f"/gradebook/classes/{class_id}/journal",
                params={"subject_id": school.algebra_id}, headers=headers(deputy))).json()
            assert (journal["term_id"], journal["start"], journal["end"]) == (
                todays_term, today.isoformat(), today.isoformat()), zone
            diary = (await gradebook_api.get(f"/gradebook/diary/{pupil_id}",
                                             headers=headers(deputy))).json()
            assert (diary["start"], diary["end"]) == (
                monday.isoformat(), (monday + timedelta(days=6)).isoformat()), zone
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    # The test meant something: the server's own date was not the school's.
    assert server_dates != {today}

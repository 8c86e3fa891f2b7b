"""The marks a formed certificate uses, locked against every gradebook write path."""

from __future__ import annotations

from datetime import date, time

import httpx
import pytest
from sqlalchemy import func, select

from activities.certificates import computing, forming
from activities.certificates.context import CertificateRuleError
from domain.gradebook.audit import SYSTEM, Actor
from domain.gradebook.locks import WriteRefused
from domain.gradebook.marks import MarkValue
from tests.certificates.school import (
    GRADUATION_YEAR,
    PUPILS,
    ZONE,
    School,
    context,
    moment,
)
from tsos.db import certificates as cdb
from tsos.db import gradebook as gb
from tsos.db.session import session_scope
from tsos.gradebook import corrections, history, recompute, structure, term_marks
from tsos.gradebook.context import WriteContext
from tsos.gradebook.journal import JournalWriter, MarkEntry

LESSON_DAY = date(2026, 4, 14)
LATER = moment(date(2026, 6, 23))


def _lesson_with_mark(database_url: str, school: School, pupil_id: int) -> tuple[int, int]:
    """A physics lesson of 9А with a «4» for the pupil, written before anything is formed."""
    with session_scope(database_url) as session:
        klass = structure.get_class(session, school.class_id)
        lesson = structure.plan_lesson(session, klass, school.subjects["physics"], LESSON_DAY,
                                       zone=ZONE, number=3, starts_at=time(10, 0),
                                       ends_at=time(10, 45), status="held")
        ctx = WriteContext(session, Actor(school.teacher, "teacher"),
                           moment(LESSON_DAY), school.org_id)
        [mark] = JournalWriter(ctx).add_marks(lesson.id, [MarkEntry(pupil_id,
                                                                   MarkValue.of(4),
                                                                   "classwork")])
        return lesson.id, mark.id


def _form_class(database_url: str, school: School) -> list[int]:
    with session_scope(database_url) as session:
        ctx = context(session, school)
        ids = computing.compute_class(ctx, school.class_id, GRADUATION_YEAR)
        forming.review(ctx, ids, confirm_warnings=True)
        forming.form(ctx, ids)
        return ids


def _refusals(database_url: str) -> int:
    with session_scope(database_url) as session:
        return session.scalar(select(func.count()).select_from(gb.GradebookAuditEvent).where(
            gb.GradebookAuditEvent.refusal_code == "certificate_locked")) or 0


def test_formed_certificate_locks_its_marks_on_every_write_path(
        database_url, school, settings) -> None:
    pupil = school.pupils[1]
    lesson_id, mark_id = _lesson_with_mark(database_url, school, pupil)
    ids = _form_class(database_url, school)

    with session_scope(database_url) as session:
        locks = session.scalars(select(gb.CertificateLock)).all()
        assert len(locks) == len(ids) == 3
        lock = next(lk for lk in locks if lk.pupil_id == pupil)
        assert set(lock.subject_ids) == set(school.subjects.values())
        assert lock.starts_on <= LESSON_DAY <= lock.ends_on
        assert -school.year_id in lock.period_ids
        certificate = session.scalar(select(cdb.Certificate).where(
            cdb.Certificate.pupil_id == pupil))
        assert certificate.status == "formed" and certificate.lock_id == lock.id

    teacher = Actor(school.teacher, "teacher")
    deputy = Actor(school.deputy, "deputy_head")
    attempts = {
        "add a mark": lambda s: JournalWriter(WriteContext(s, teacher, LATER, school.org_id))
        .add_marks(lesson_id, [MarkEntry(pupil, MarkValue.of(5), "homework")]),
        "change a mark": lambda s: JournalWriter(WriteContext(s, teacher, LATER,
                                                              school.org_id))
        .change_mark(mark_id, MarkValue.of(5), "описка"),
        "remove a mark": lambda s: JournalWriter(WriteContext(s, teacher, LATER,
                                                              school.org_id))
        .remove_mark(mark_id, "описка"),
        "move the lesson": lambda s: JournalWriter(WriteContext(s, teacher, LATER,
                                                                school.org_id))
        .move_lesson(lesson_id, date(2026, 4, 15)),
        "remove the lesson": lambda s: JournalWriter(WriteContext(s, teacher, LATER,
                                                                  school.org_id))
        .remove_lesson(lesson_id),
        "correction request": lambda s: corrections.request_mark_correction(
            WriteContext(s, teacher, LATER, school.org_id), lesson_id=lesson_id,
            mark_id=mark_id, value=MarkValue.of(5), reason="Ошибка при выставлении"),
        "override the year mark": lambda s: term_marks.override(
            WriteContext(s, deputy, LATER, school.org_id),
            school.year_marks[(pupil, "physics")], MarkValue.of(5), "Пересдача"),
    }
    before = _refusals(database_url)
    for name, attempt in attempts.items():
        with pytest.raises(WriteRefused) as refused, session_scope(database_url) as session:
            attempt(session)
        assert refused.value.http_status == 409, name
        assert refused.value.code == "certificate_locked", name
    assert _refusals(database_url) == before + len(attempts)

    with session_scope(database_url) as session:
        assert session.get(gb.Mark, mark_id).points == 4
        row = session.get(gb.PeriodMark, school.year_marks[(pupil, "physics")])
        assert not row.overridden and row.computed_value == "3"


async def test_gradebook_api_refuses_a_locked_mark_with_409(
        database_url, school, settings, temporal_env, headers_for) -> None:
    from api.app import create_app

    pupil = school.pupils[1]
    _, mark_id = _lesson_with_mark(database_url, school, pupil)
    _form_class(database_url, school)

    app = create_app(settings, database_url, temporal_client=temporal_env.client)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url="http://tsos.test") as client:
        answer = await client.patch(f"/gradebook/marks/{mark_id}",
                                    json={"value": "5", "reason": "описка"},
                                    headers=headers_for(school.teacher))
    assert answer.status_code == 409, answer.text
    assert answer.json()["error"] == "certificate_locked"


def test_cancel_before_issue_releases_the_lock_and_is_audited(database_url, school) -> None:
    pupil = school.pupils[1]
    lesson_id, _ = _lesson_with_mark(database_url, school, pupil)
    _form_class(database_url, school)
    with session_scope(database_url) as session:
        certificate = session.scalar(select(cdb.Certificate).where(
            cdb.Certificate.pupil_id == pupil))
        ctx = context(session, school)
        with pytest.raises(CertificateRuleError) as no_reason:
            forming.cancel(ctx, certificate.id, reason="  ")
        assert no_reason.value.field == "reason" and no_reason.value.status == 422
        forming.cancel(ctx, certificate.id, reason="Ошибка в сведениях об обучающемся")

    with session_scope(database_url) as session:
        lock = session.scalar(select(gb.CertificateLock).where(
            gb.CertificateLock.pupil_id == pupil))
        assert lock.released_at is not None
        assert lock.release_reason == "Ошибка в сведениях об обучающемся"
        event = session.scalar(select(cdb.CertificateEvent).where(
            cdb.CertificateEvent.action == "cancel"))
        assert event.actor_user_id == school.secretary and event.status_to == "cancelled"
        released = session.scalar(select(gb.GradebookAuditEvent).where(
            gb.GradebookAuditEvent.object_kind == "certificate_lock",
            gb.GradebookAuditEvent.action == "release"))
        assert released is not None and released.actor_user_id == school.secretary
        # The marks are writable again.
        JournalWriter(WriteContext(session, Actor(school.teacher, "teacher"), LATER,
                                   school.org_id)).add_marks(
            lesson_id, [MarkEntry(pupil, MarkValue.of(5), "homework")])


def test_history_import_and_a_recompute_are_refused_under_the_lock(
        database_url, school) -> None:
    # Two more write paths into the locked year marks: loading history over the
    # certificate's year (once that year is over) and the system's recompute of a year mark.
    index = 1
    pupil = school.pupils[index]
    surname, name, patronymic, _, birth, _, _ = PUPILS[index]
    _form_class(database_url, school)
    year_mark = school.year_marks[(pupil, "physics")]
    with session_scope(database_url) as session:
        before_value = session.get(gb.PeriodMark, year_mark).computed_value
    before = _refusals(database_url)

    history_row = {
        "school_year": "2025/2026", "grade": "9", "class_letter": "А", "surname": surname,
        "name": name, "patronymic": patronymic or "", "birth_date": birth.isoformat(),
        "subject": "physics", "period": "год", "mark": "5",
    }
    with session_scope(database_url) as session:
        report = history.import_history(
            session, school.org_id, [(2, history_row)],
            actor=Actor(school.deputy, "deputy_head"), at=moment(date(2026, 9, 15)))
    assert report.marks == 0
    [problem] = report.problems
    assert problem.row == 2
    assert "сформированном аттестате" in problem.message
    assert _refusals(database_url) == before + 1

    with pytest.raises(WriteRefused) as refused, session_scope(database_url) as session:
        klass = structure.get_class(session, school.class_id)
        recompute.recompute_year(
            WriteContext(session, SYSTEM, LATER, school.org_id), klass, pupil,
            school.subjects["physics"], caused_by=0)
    assert refused.value.http_status == 409
    assert refused.value.code == "certificate_locked"
    assert _refusals(database_url) == before + 2

    with session_scope(database_url) as session:
        row = session.get(gb.PeriodMark, year_mark)
        assert row.computed_value == before_value and row.source == "computed"
        imported = session.scalar(select(func.count()).select_from(gb.PeriodMark).where(
            gb.PeriodMark.pupil_id == pupil, gb.PeriodMark.source == "imported"))
        assert imported == 0


def test_a_mark_issue_against_a_formed_certificate_is_refused_and_audited(
        database_url, school) -> None:
    # A report is a correction request: under the lock it is refused with 409 and audited
    # like the gradebook's refused writes (its own transaction survives the rollback).
    pupil = school.pupils[1]
    _form_class(database_url, school)
    with session_scope(database_url) as session:
        certificate_id = session.scalar(select(cdb.Certificate.id).where(
            cdb.Certificate.pupil_id == pupil))
    before = _refusals(database_url)

    with pytest.raises(CertificateRuleError) as refused, \
            session_scope(database_url) as session:
        computing.report_issue(context(session, school), certificate_id, "physics",
                               "Годовая по физике 5, а не 3")
    assert (refused.value.status, refused.value.code) == (409, "certificate_locked")
    assert "уже зафиксированы" in refused.value.message
    assert _refusals(database_url) == before + 1

    with session_scope(database_url) as session:
        event = session.scalar(select(gb.GradebookAuditEvent).where(
            gb.GradebookAuditEvent.object_kind == "mark_issue"))
        assert event is not None
        assert (event.outcome, event.action, event.actor_user_id) == (
            "refused", "create", school.secretary)
        assert event.refs == {"certificate_id": certificate_id, "pupil_id": pupil}
        assert event.reason == refused.value.message
        assert session.scalar(select(func.count()).select_from(cdb.MarkIssue)) == 0

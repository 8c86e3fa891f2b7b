"""«Исправлено» on a mark issue rests on a change in the gradebook, never on the word alone."""

from __future__ import annotations

from datetime import date

import pytest

from activities.certificates import computing
from activities.certificates.context import CertificateRuleError
from domain.gradebook.audit import Actor
from domain.gradebook.marks import MarkValue
from tests.certificates.school import GRADUATION_YEAR, ZONE, School, context, moment
from tsos.db import certificates as cdb
from tsos.db import gradebook as gb
from tsos.db.session import session_scope
from tsos.gradebook import term_marks
from tsos.gradebook.context import WriteContext


def _report(database_url: str, school: School) -> tuple[int, int]:
    with session_scope(database_url) as session:
        ids = computing.compute_class(context(session, school), school.class_id,
                                      GRADUATION_YEAR)
        boris = next(i for i in ids
                     if session.get(cdb.Certificate, i).pupil_id == school.pupils[1])
        issue = computing.report_issue(context(session, school), boris, "physics",
                                       "Годовая по физике 4, в журнале ошибочно 3")
        return boris, issue.id


def _answer(database_url: str, school: School, issue_id: int,
            correction_request_id: int | None = None) -> str:
    with session_scope(database_url) as session:
        issue = computing.resolve_issue(
            context(session, school, user_id=school.deputy, role="deputy_head"), issue_id,
            corrected=True, resolution="Годовая отметка исправлена на «4»",
            correction_request_id=correction_request_id)
        return issue.status


def _override(database_url: str, school: School, pupil: int, subject: str) -> None:
    with session_scope(database_url) as session:
        ctx = WriteContext(session, Actor(school.deputy, "deputy_head"),
                           moment(date(2026, 6, 22)), school.org_id)
        term_marks.override(ctx, school.year_marks[(school.pupils[pupil], subject)],
                            MarkValue.of(4), "Описка при выставлении годовой отметки")


def _request(database_url: str, school: School, *, pupil: int, subject: str,
             status: str) -> int:
    with session_scope(database_url) as session:
        lesson = gb.Lesson(school_class_id=school.class_id, subject_id=school.subjects[subject],
                           lesson_date=date(2026, 5, 20), time_zone=ZONE, status="held")
        session.add(lesson)
        session.flush()
        mark = {"pupil_id": school.pupils[pupil], "subject_id": school.subjects[subject],
                "lesson_id": lesson.id, "lesson_date": "2026-05-20", "kind": "test_work",
                "value": "3", "published": True, "author_id": school.teacher}
        request = gb.CorrectionRequest(
            organization_id=school.org_id, lesson_id=lesson.id, target_kind="mark",
            action="update", current=mark, proposed={**mark, "value": "4"},
            reason="Ошибка при вводе", status=status, requested_by=school.deputy,
            requested_at=moment(date(2026, 6, 21)))
        session.add(request)
        session.flush()
        return request.id


def test_corrected_without_a_gradebook_change_is_refused(database_url, school) -> None:
    _, issue_id = _report(database_url, school)
    with pytest.raises(CertificateRuleError) as nothing:
        _answer(database_url, school, issue_id)
    assert nothing.value.status == 409 and nothing.value.code == "no_gradebook_change"
    assert "по строке «Физика»" in nothing.value.message
    assert nothing.value.field == "correction_request_id"

    # A change of another subject, or of another pupil's physics, is not the correction.
    _override(database_url, school, 1, "informatics")
    _override(database_url, school, 0, "physics")
    with pytest.raises(CertificateRuleError) as elsewhere:
        _answer(database_url, school, issue_id)
    assert elsewhere.value.code == "no_gradebook_change"

    # A correction request not yet approved, or about someone else, is not evidence either.
    requested = _request(database_url, school, pupil=1, subject="physics", status="requested")
    with pytest.raises(CertificateRuleError) as pending:
        _answer(database_url, school, issue_id, requested)
    assert pending.value.status == 409 and "не одобрен" in pending.value.message
    stranger = _request(database_url, school, pupil=2, subject="physics", status="applied")
    with pytest.raises(CertificateRuleError) as other_pupil:
        _answer(database_url, school, issue_id, stranger)
    assert other_pupil.value.status == 422 and "не отметки этого" in other_pupil.value.message
    wrong_subject = _request(database_url, school, pupil=1, subject="russian",
                             status="approved")
    with pytest.raises(CertificateRuleError) as other_line:
        _answer(database_url, school, issue_id, wrong_subject)
    assert other_line.value.status == 422 and "«Физика»" in other_line.value.message

    with session_scope(database_url) as session:
        assert session.get(cdb.MarkIssue, issue_id).status == "open"


def test_corrected_after_an_audited_change_of_the_line_is_accepted(database_url,
                                                                   school) -> None:
    _, issue_id = _report(database_url, school)
    _override(database_url, school, 1, "physics")
    assert _answer(database_url, school, issue_id) == "corrected"


def test_corrected_with_an_approved_correction_request_is_accepted(database_url,
                                                                    school) -> None:
    _, issue_id = _report(database_url, school)
    approved = _request(database_url, school, pupil=1, subject="physics", status="approved")
    assert _answer(database_url, school, issue_id, approved) == "corrected"
    with session_scope(database_url) as session:
        assert session.get(cdb.MarkIssue, issue_id).correction_request_id == approved


def test_a_change_made_before_the_issue_was_reported_does_not_count(database_url,
                                                                     school) -> None:
    _override(database_url, school, 1, "physics")
    _, issue_id = _report(database_url, school)
    with pytest.raises(CertificateRuleError) as before:
        _answer(database_url, school, issue_id)
    assert before.value.code == "no_gradebook_change"

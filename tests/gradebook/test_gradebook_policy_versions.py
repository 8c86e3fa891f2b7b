"""Policy versions on the real database: a mark keeps the version it was computed with, a
new version starts after every closed period, and the API takes every field of a policy."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain.gradebook.errors import GradebookError
from domain.gradebook.marks import MarkValue
from tests.gradebook.school import (
    POLICY,
    give_marks,
    grade_term,
    lesson,
    moment,
    writer,
)
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.gradebook import structure, term_marks
from tsos.gradebook.journal import MarkEntry
from tsos.gradebook.term_marks import Period

Q1_DAYS = [date(2025, 9, 8), date(2025, 9, 15), date(2025, 9, 22)]
# Control works count five times in version 2: a recomputation by it would move the mark.
HEAVY_CONTROL = {**POLICY, "weights": {**POLICY["weights"], "control_work": "5"}}


def _term_mark(session, school) -> db.PeriodMark:  # type: ignore[no-untyped-def]
    row = session.scalar(select(db.PeriodMark).where(
        db.PeriodMark.pupil_id == school.pupils[0],
        db.PeriodMark.subject_id == school.algebra_id,
        db.PeriodMark.term_id == school.quarter_ids[0]))
    assert row is not None
    return row


def test_a_mark_is_recomputed_by_its_own_version(database_url, school) -> None:
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(day, 5, "classwork") for day in Q1_DAYS])
        term_marks.propose(session, at=moment(date(2025, 10, 27)),
                           organization_id=school.org_id,
                           school_class=structure.get_class(session, school.class_id),
                           subject_id=school.algebra_id,
                           period=Period(school.year_id, school.quarter_ids[0]))
        # Published while the term's marks are being decided, effective from within it.
        structure.publish_policy(session, school.org_id, HEAVY_CONTROL,
                                 effective_from=date(2025, 10, 1))
        late = lesson(session, school, date(2025, 10, 6))

    with session_scope(database_url) as session:
        writer(session, school, at=moment(date(2025, 10, 28))).add_marks(
            late, [MarkEntry(school.pupils[0], MarkValue.of(2), "control_work")])
    with session_scope(database_url) as session:
        row = _term_mark(session, school)
        # Version 1: (5 + 5 + 5 + 2×2) / 5 = 19/5 → «4»; version 2 would give 25/8 → «3».
        assert (row.policy_version, row.computed["exact_average"], row.computed_value) == (
            1, "19/5", "4")


def test_a_new_version_starts_after_every_closed_period(database_url, school) -> None:
    with session_scope(database_url) as session:
        give_marks(session, school, 0, [(day, 5, "classwork") for day in Q1_DAYS])
        grade_term(session, school, school.quarter_ids[0], moment(date(2025, 10, 27)))

    for backdated, reason in ((date(2025, 10, 1), "закрытый период"),
                              (date(2025, 10, 26), "закрытый период")):
        with pytest.raises(GradebookError, match=reason), session_scope(database_url) as session:
            structure.publish_policy(session, school.org_id, HEAVY_CONTROL,
                                     effective_from=backdated)
    with session_scope(database_url) as session:
        structure.publish_policy(session, school.org_id, HEAVY_CONTROL,
                                 effective_from=date(2025, 12, 1))
    with pytest.raises(GradebookError, match="раньше начала действия предыдущей"), \
            session_scope(database_url) as session:
        structure.publish_policy(session, school.org_id, POLICY,
                                 effective_from=date(2025, 11, 1))
    with session_scope(database_url) as session:
        versions = session.scalars(select(db.GradingPolicyVersion.version)).all()
        assert sorted(versions) == [1, 2]


@pytest.mark.asyncio
async def test_the_api_takes_every_field_of_a_policy(gradebook_api, school, headers) -> None:
    body = {"weights": {"classwork": "1", "control_work": "2"}, "pass_share": "0.75",
            "year_na_if_any_term_na": False, "pass_fail_year_rule": "last_term",
            "effective_from": "2025-11-01"}
    reply = await gradebook_api.post(f"/gradebook/schools/{school.org_code}/policy",
                                     json=body, headers=headers(school.head))
    assert reply.status_code == 201, reply.text
    document = reply.json()["document"]
    assert (document["pass_share"], document["year_na_if_any_term_na"],
            document["pass_fail_year_rule"]) == ("0.75", False, "last_term")

    backdated = await gradebook_api.post(f"/gradebook/schools/{school.org_code}/policy",
                                         json={**body, "effective_from": "2025-10-01"},
                                         headers=headers(school.head))
    assert backdated.status_code == 422, backdated.text
    assert "раньше начала действия предыдущей" in backdated.json()["message"]

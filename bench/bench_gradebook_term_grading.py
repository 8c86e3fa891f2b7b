"""Term grading (the first term of every class) against a bare SQL aggregate over the same
marks: the ratio is the price of exact arithmetic, derivations, policy per school, locks,
serialisation and audit.

What is timed:
- proposals as term grading makes them: the workflow's `gradebook.propose_marks` activity,
  run school by school in an activity environment (one transaction per class and subject,
  heartbeats), without the Temporal server's own round trips;
- the bare aggregate: one SQL query computing the same weighted averages over exactly the
  same marks — each class's own first term (a quarter or a half-year by its grade), the
  pupils on its roster on the term's last day, the subjects taught to it, published marks
  with points, each kind of work weighted as the school's policy in force at the term's end
  says. The two are compared: every average must agree.

Run: .venv/bin/python bench/bench_gradebook_term_grading.py [--size medium]
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import datetime
from fractions import Fraction
from zoneinfo import ZoneInfo

import psycopg
from gradebook_region import arguments, region_database
from sqlalchemy import select
from temporalio.testing import ActivityEnvironment

from activities import context
from activities.gradebook.term_grading import propose_marks
from tsos.db import gradebook as db
from tsos.db.models import Organization, SchoolYear
from tsos.db.session import session_scope
from tsos.gradebook.schedules import STARTS_AT
from tsos.gradebook.structure import school_zone
from workflows.gradebook.messages import PeriodRef

# The same marks as the proposals: see the module's docstring.
BARE = """
WITH periods AS (
    SELECT c.id AS class_id, c.organization_id, t.starts_on, t.ends_on
    FROM school_classes c
    JOIN grade_term_plans p ON p.school_year_id = c.school_year_id AND p.grade = c.grade
    JOIN terms t ON t.school_year_id = c.school_year_id AND t.term_kind = p.term_kind
    WHERE t.id = ANY(%(term_ids)s)
), weights AS (
    SELECT pr.class_id, w.key AS kind, w.value::numeric AS weight
    FROM periods pr
    CROSS JOIN LATERAL (
        SELECT v.document FROM grading_policies gp
        JOIN grading_policy_versions v ON v.policy_id = gp.id
        WHERE gp.organization_id = pr.organization_id AND v.effective_from <= pr.ends_on
        ORDER BY v.version DESC LIMIT 1) policy
    CROSS JOIN LATERAL jsonb_each_text(policy.document -> 'weights') w
), pupils AS (
    SELECT DISTINCT pr.class_id, pr.starts_on, pr.ends_on, m.pupil_id
    FROM periods pr
    JOIN class_memberships m ON m.school_class_id = pr.class_id
     AND m.study_group_id IS NULL AND m.starts_on <= pr.ends_on
     AND (m.ends_on IS NULL OR m.ends_on >= pr.ends_on)
), subjects AS (
    SELECT DISTINCT school_class_id AS class_id, subject_id FROM teaching_loads
)
SELECT p.pupil_id, s.subject_id,
       sum(mk.points * w.weight) / sum(w.weight) AS average, count(*) AS marks
FROM pupils p
JOIN subjects s ON s.class_id = p.class_id
JOIN marks mk ON mk.pupil_id = p.pupil_id AND mk.subject_id = s.subject_id
 AND mk.lesson_date BETWEEN p.starts_on AND p.ends_on
 AND mk.published AND mk.points IS NOT NULL
JOIN weights w ON w.class_id = p.class_id AND w.kind = mk.kind
GROUP BY p.pupil_id, s.subject_id
"""


def main() -> None:
    args = arguments(__doc__ or "").parse_args()
    url, settings = region_database(args)
    context.configure(settings, url)

    with session_scope(url) as session:
        schools = session.execute(
            select(SchoolYear.id, Organization.id, Organization.code)
            .join(Organization, Organization.id == SchoolYear.organization_id)
            .order_by(Organization.code)).all()
        first_terms = {
            year_id: session.scalars(select(db.Term).where(
                db.Term.school_year_id == year_id, db.Term.number == 1)).all()
            for year_id, _, _ in schools}
        zones = {org_id: school_zone(session, org_id, settings.region_time_zone)
                 for _, org_id, _ in schools}
        term_ids = [t.id for terms in first_terms.values() for t in terms]
        # A fresh start: the proposals (and their audit) of an earlier run go.
        session.execute(db.PeriodMark.__table__.delete().where(
            db.PeriodMark.term_id.in_(term_ids)))

    environment = ActivityEnvironment()
    started = time.perf_counter()
    proposals = classes = 0
    for year_id, organization_id, code in schools:
        for term in first_terms[year_id]:
            ref = PeriodRef(organization_id=organization_id, school_year_id=year_id,
                            term_id=term.id, title=f"{term.number} ({term.term_kind})",
                            time_zone=zones[organization_id],
                            workflow_id=f"bench-term-grading-{code}-{term.id}")
            # The activity reads the engine's time: grading starts on the term's last day.
            environment.info = replace(environment.info, current_attempt_scheduled_time=(
                datetime.combine(term.ends_on, STARTS_AT, ZoneInfo(ref.time_zone))))
            summary = environment.run(propose_marks, ref)
            proposals += summary.created
            classes += summary.classes
    grading = time.perf_counter() - started

    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        rows = conn.execute(BARE, {"term_ids": term_ids}).fetchall()
        bare = time.perf_counter() - started

    agree, differ = _compare(url, term_ids, rows)
    print(f"term grading, first term of {classes} classes in {len(schools)} schools: "
          f"{proposals} term marks proposed through the propose_marks activity, stored with "
          f"derivations, policy and audit, in {grading:.1f} s ({proposals / grading:.0f} "
          f"marks/s)")
    print(f"bare SQL aggregate over the same marks and weights: {len(rows)} averages in "
          f"{bare:.2f} s; agree with the proposals: {agree}, differ: {differ}")
    print(f"ratio: {grading / bare:.0f}× the bare aggregate")


def _compare(url: str, term_ids: list[int],
             rows: list[tuple[int, int, object, int]]) -> tuple[int, int]:
    """Every pupil-subject average of the aggregate against the proposal's exact one."""
    with session_scope(url) as session:
        exact = {(pupil_id, subject_id): computed.get("exact_average")
                 for pupil_id, subject_id, computed in session.execute(
                     select(db.PeriodMark.pupil_id, db.PeriodMark.subject_id,
                            db.PeriodMark.computed)
                     .where(db.PeriodMark.term_id.in_(term_ids)))}
    agree = differ = 0
    for pupil_id, subject_id, average, _ in rows:
        mine = exact.get((pupil_id, subject_id))
        # «н/а» (too few marks) has no average; the aggregate still has one.
        if mine is None:
            continue
        if abs(Fraction(mine) - Fraction(str(average))) < Fraction(1, 10**9):
            agree += 1
        else:
            differ += 1
    return agree, differ


if __name__ == "__main__":
    main()

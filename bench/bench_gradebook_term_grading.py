"""Term grading of the whole region (first term) against a bare SQL aggregate over the same
marks: the ratio is the price of exact arithmetic, derivations, policy per school and audit.

Run: .venv/bin/python bench/bench_gradebook_term_grading.py [--size medium]
"""

from __future__ import annotations

import time
from datetime import datetime
from datetime import time as clock
from zoneinfo import ZoneInfo

import psycopg
from gradebook_region import arguments, region_database
from sqlalchemy import select

from tsos.db import gradebook as db
from tsos.db.models import Organization, SchoolYear
from tsos.db.session import session_scope
from tsos.gradebook import term_marks
from tsos.gradebook.term_marks import Period

BARE = """
SELECT m.pupil_id, m.subject_id,
       sum(m.points * w.weight) / sum(w.weight) AS average, count(*) AS marks
FROM marks m
JOIN (VALUES ('classwork', 1.0), ('oral_answer', 1.0), ('homework', 1.0),
             ('test_work', 1.5), ('control_work', 2.0)) AS w(kind, weight)
  ON w.kind = m.kind
WHERE m.published AND m.points IS NOT NULL
  AND (m.lesson_date BETWEEN %(q_start)s AND %(q_end)s
       OR m.lesson_date BETWEEN %(h_start)s AND %(h_end)s)
GROUP BY m.pupil_id, m.subject_id
"""


def main() -> None:
    args = arguments(__doc__ or "").parse_args()
    url, _ = region_database(args)

    with session_scope(url) as session:
        years = session.execute(select(SchoolYear.id, Organization.id).join(
            Organization, Organization.id == SchoolYear.organization_id)).all()
        first_terms = {
            year_id: session.scalars(select(db.Term).where(
                db.Term.school_year_id == year_id, db.Term.number == 1)).all()
            for year_id, _ in years}
        session.execute(db.PeriodMark.__table__.delete().where(
            db.PeriodMark.term_id.in_([t.id for ts in first_terms.values() for t in ts])))

    started = time.perf_counter()
    proposals = 0
    for year_id, organization_id in years:
        for term in first_terms[year_id]:
            period = Period(year_id, term.id)
            at = datetime.combine(term.ends_on, clock(18), ZoneInfo("Europe/Simferopol"))
            with session_scope(url) as session:
                pairs = [(c, s) for c in term_marks.classes_of(session, organization_id, period)
                         for s in term_marks.class_subjects(session, c.id)]
            for school_class, subject_id in pairs:
                with session_scope(url) as session:
                    proposals += term_marks.propose(
                        session, at=at, organization_id=organization_id,
                        school_class=session.get(db.SchoolClass, school_class.id),
                        subject_id=subject_id, period=period, workflow_id="bench")
    grading = time.perf_counter() - started

    some = next(iter(first_terms.values()))
    quarter = next(t for t in some if t.term_kind == "quarter")
    half = next(t for t in some if t.term_kind == "half_year")
    with psycopg.connect(url) as conn:
        started = time.perf_counter()
        rows = conn.execute(BARE, {"q_start": quarter.starts_on, "q_end": quarter.ends_on,
                                   "h_start": half.starts_on, "h_end": half.ends_on}).fetchall()
        bare = time.perf_counter() - started

    print(f"term grading (first term, {len(years)} schools): {proposals} term marks proposed, "
          f"stored with derivations and audit, in {grading:.1f} s "
          f"({proposals / grading:.0f} marks/s)")
    print(f"bare SQL aggregate over the same marks: {len(rows)} averages in {bare:.2f} s")
    print(f"ratio: {grading / bare:.0f}× the bare aggregate")


if __name__ == "__main__":
    main()

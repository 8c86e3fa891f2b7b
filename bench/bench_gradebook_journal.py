"""The class journal read under concurrent users, through the API: p50 / p95 / p99.

Run: .venv/bin/python bench/bench_gradebook_journal.py [--size medium] [--users 20]
"""

from __future__ import annotations

import asyncio
import random
import time

import httpx
from gradebook_region import arguments, percentile, region_database
from sqlalchemy import select

from api.app import create_app
from tsos.db import gradebook as db
from tsos.db.session import session_scope
from tsos.tokens import issue_token


async def main() -> None:
    parser = arguments(__doc__ or "")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--requests", type=int, default=25, help="per user")
    args = parser.parse_args()
    url, settings = region_database(args)

    with session_scope(url) as session:
        targets = []
        for load, user_id, term_id in session.execute(
                select(db.TeachingLoad, db.Teacher.user_id, db.Term.id)
                .join(db.Teacher, db.Teacher.id == db.TeachingLoad.teacher_id)
                .join(db.SchoolClass, db.SchoolClass.id == db.TeachingLoad.school_class_id)
                .join(db.GradeTermPlan, (db.GradeTermPlan.school_year_id
                                         == db.SchoolClass.school_year_id)
                      & (db.GradeTermPlan.grade == db.SchoolClass.grade))
                .join(db.Term, (db.Term.school_year_id == db.SchoolClass.school_year_id)
                      & (db.Term.term_kind == db.GradeTermPlan.term_kind)
                      & (db.Term.number == 1))):
            token = issue_token(settings, user_id=user_id, login=f"bench{user_id}",
                                role="teacher")
            targets.append((load.school_class_id, load.subject_id, term_id, token))
    rng = random.Random(7)

    app = create_app(settings, url)
    latencies: list[float] = []
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
        async def user() -> None:
            for _ in range(args.requests):
                class_id, subject_id, term_id, token = rng.choice(targets)
                started = time.perf_counter()
                reply = await client.get(
                    f"/gradebook/classes/{class_id}/journal",
                    params={"subject_id": subject_id, "term_id": term_id},
                    headers={"Authorization": f"Bearer {token}"})
                latencies.append(time.perf_counter() - started)
                assert reply.status_code == 200, reply.text

        await user()  # warm-up of one user before the clock starts
        latencies.clear()
        started = time.perf_counter()
        await asyncio.gather(*(user() for _ in range(args.users)))
        elapsed = time.perf_counter() - started

    ms = [x * 1000 for x in latencies]
    print(f"class journal read: {len(ms)} requests by {args.users} concurrent users, "
          f"{len(targets)} journals, {len(ms) / elapsed:.1f} req/s")
    print(f"p50 {percentile(ms, 0.50):.1f} ms, p95 {percentile(ms, 0.95):.1f} ms, "
          f"p99 {percentile(ms, 0.99):.1f} ms")


if __name__ == "__main__":
    asyncio.run(main())

"""Saving a school year sets a Temporal schedule at each term's end (dev server; not fired)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from temporalio.client import ScheduleActionStartWorkflow

from tsos.db.session import session_scope
from tsos.gradebook.schedules import ensure_term_schedules, grading_plans
from workflows import task_queues
from workflows.gradebook.messages import GradingInput

pytestmark = pytest.mark.asyncio

NEXT_YEAR = {
    "starts_on": "2035-09-01", "ends_on": "2036-08-31",
    "terms": {
        "quarter": [{"start": "2035-09-01", "end": "2035-10-25"},
                    {"start": "2035-11-05", "end": "2035-12-27"},
                    {"start": "2036-01-11", "end": "2036-03-21"},
                    {"start": "2036-04-01", "end": "2036-05-25"}],
        "half_year": [{"start": "2035-09-01", "end": "2035-12-27"},
                      {"start": "2036-01-11", "end": "2036-05-25"}],
    },
    "grade_plans": {**{str(g): "quarter" for g in range(1, 10)}, "10": "half_year",
                    "11": "half_year"},
}


async def test_saving_a_school_year_schedules_term_grading(
        gradebook_api, temporal_env, school, headers, queue_names, database_url,
        settings) -> None:
    now = datetime.now(UTC)
    if now.date().isoformat() >= "2035-12-27":
        pytest.skip("the invented 2026/27 year is no longer in the future")
    client = temporal_env.client

    response = await gradebook_api.post(f"/gradebook/schools/{school.org_code}/school-years",
                                        json=NEXT_YEAR, headers=headers(school.deputy))
    assert response.status_code == 201, response.text
    body = response.json()
    ids = body["schedules"]
    try:
        with session_scope(database_url) as session:
            plans = {p.schedule_id: p for p in grading_plans(session, body["id"],
                                                             settings.region_time_zone)}
        # Every term the grades use gets a schedule, and the year one more.
        expected = sorted(sid for sid, plan in plans.items() if plan.fire_at > now)
        assert sorted(ids) == expected
        assert len(ids) == 4 + 2 + 1

        q2 = next(p for p in plans.values()
                  if p.input.term_id is not None and p.fire_at.date().isoformat()
                  == "2035-12-27" and "четверть" in p.input.title)
        description = await client.get_schedule_handle(q2.schedule_id).describe()
        spec = description.schedule.spec
        assert spec.time_zone_name == "Europe/Simferopol"
        [moment] = spec.calendars
        assert [(r.start, r.end or r.start) for r in moment.year] == [(2035, 2035)]
        assert [r.start for r in moment.month] == [12]
        assert [r.start for r in moment.day_of_month] == [27]
        assert [r.start for r in moment.hour] == [18]
        assert description.schedule.state.remaining_actions == 1

        action = description.schedule.action
        assert isinstance(action, ScheduleActionStartWorkflow)
        assert action.workflow == "GradebookTermGrading"
        assert action.id == q2.workflow_id
        assert action.task_queue == queue_names[task_queues.MAIN]
        [inp] = await client.data_converter.decode(action.args, [GradingInput])
        assert (inp.organization_id, inp.term_id) == (school.org_id, q2.input.term_id)
        assert inp.teacher_deadline == q2.input.teacher_deadline

        # Saving again updates the schedules in place.
        again = await ensure_term_schedules(client, list(plans.values()),
                                            task_queue="another-queue")
        assert sorted(again) == expected
        moved = await client.get_schedule_handle(q2.schedule_id).describe()
        assert moved.schedule.action.task_queue == "another-queue"  # type: ignore[union-attr]
        # A period already over gets no schedule.
        later = datetime(2040, 1, 1, tzinfo=UTC)
        assert await ensure_term_schedules(client, list(plans.values()), task_queue="x",
                                           now=later) == []
    finally:
        for schedule_id in ids:
            await client.get_schedule_handle(schedule_id).delete()

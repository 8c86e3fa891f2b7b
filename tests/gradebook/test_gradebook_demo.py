"""The demo generator's small slice: a school year of lessons, marks and absences by COPY."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text

from tsos.db import gradebook as db
from tsos.db.models import Organization
from tsos.db.session import session_scope
from tsos.gradebook import structure, views
from tsos.gradebook.demo import (
    DemoSize,
    current_year_start,
    describe,
    load_gradebook_demo,
)


def test_demo_slice_is_a_usable_journal(database_url, settings, demo_region) -> None:
    size = DemoSize(schools=1, classes_per_grade=1, pupils_per_class=12,
                    teachers_per_school=8, grades=(7, 10))
    counts = load_gradebook_demo(database_url, settings, size, year_start=2025)
    assert (counts["школ"], counts["учеников"], counts["учителей"]) == (1, 24, 8)
    assert counts["уроков"] > 1500 and counts["отметок"] > 3000
    assert describe(counts).startswith("Демо-данные журнала загружены: школ — 1")
    # Loading again leaves the school as it is, and says so.
    again = load_gradebook_demo(database_url, settings, size)
    assert (again["школ"], again["школ с данными ранее"]) == (0, 1)
    assert describe(again) == ("Демо-данные журнала уже загружены ранее (школ: 1); "
                               "новых не добавлено.")

    with session_scope(database_url) as session:
        assert session.scalar(select(func.count()).select_from(db.Mark)) == counts["отметок"]
        seventh = session.scalar(select(db.SchoolClass).where(db.SchoolClass.grade == 7))
        algebra = session.scalar(select(db.Subject.id).where(db.Subject.code == "algebra"))
        journal = views.class_journal(session, seventh, algebra, date(2025, 9, 1),
                                      date(2025, 10, 26), for_teacher=True,
                                      zone="Europe/Simferopol")
        assert len(journal.pupils) == 12
        # Invented names as people have them: with a patronymic, none twice in a class.
        full_names = {(p.surname, p.name, p.patronymic) for p in journal.pupils}
        assert len(full_names) == 12 and all(p.patronymic for p in journal.pupils)
        assert all(p.patronymic.endswith(("вич", "вна", "ич", "ична")) for p in journal.pupils)
        assert 20 <= len(journal.lessons) <= 30
        assert all(row.average is not None for row in journal.pupils)
        # Lessons sit on school days inside the terms, in the school's zone.
        term = structure.term_for(session, seventh, journal.lessons[0].date)
        assert term is not None and all(x.date.weekday() < 5 for x in journal.lessons)


async def test_demo_tokens_open_a_journal_and_a_diary(database_url, settings, demo_region,
                                                      api_client, token_for) -> None:
    size = DemoSize(schools=1, classes_per_grade=1, pupils_per_class=5,
                    teachers_per_school=13, grades=(1, 5))
    load_gradebook_demo(database_url, settings, size, year_start=2025, until=date(2025, 10, 1))
    with session_scope(database_url) as session:
        code = session.scalar(select(Organization.code).join(
            db.SchoolClass, db.SchoolClass.organization_id == Organization.id))
        planned_marks = session.scalar(select(func.count()).select_from(db.Mark).join(
            db.Lesson, db.Lesson.id == db.Mark.lesson_id).where(db.Lesson.status == "planned"))
        assert planned_marks == 0
        assert session.scalar(select(func.count()).select_from(db.Lesson).where(
            db.Lesson.status == "planned", db.Lesson.lesson_date <= date(2025, 10, 1))) == 0

    loads = (await api_client.get("/gradebook/my/loads",
                                  headers=token_for("teacher", code))).json()
    assert [(load["class_name"], load["grade"]) for load in loads] == [("1А", 1), ("5А", 5)]
    # As the README picks it: the first load past grade 1, which is taught without marks.
    first = next(load for load in loads if load["grade"] > 1)
    journal = (await api_client.get(
        f"/gradebook/classes/{first['school_class_id']}/journal",
        params={"subject_id": first["subject_id"], "start": "2025-09-01",
                "end": "2025-10-01"}, headers=token_for("teacher", code))).json()
    assert any(pupil["marks"] for pupil in journal["pupils"]), "no marks in the journal"

    me = (await api_client.get("/auth/me", headers=token_for("guardian", code))).json()
    assert len(me["pupils"]) == 1
    pupil_id = me["pupils"][0]["pupil_id"]
    diary = await api_client.get(f"/gradebook/diary/{pupil_id}",
                                 params={"start": "2025-09-01", "end": "2025-09-30"},
                                 headers=token_for("guardian", code))
    assert diary.status_code == 200, diary.text
    assert any(day["marks"] for day in diary.json()["lessons"]), "no marks in the diary"
    own = (await api_client.get("/auth/me", headers=token_for("pupil", code))).json()
    assert [p["pupil_id"] for p in own["pupils"]] == [pupil_id]


def test_the_demo_grades_its_latest_past_term_once(database_url, settings, demo_region,
                                                   temporal_env) -> None:
    import asyncio
    import uuid

    from tsos.gradebook_cli import ensure_schedules, grade_latest_past_term

    size = DemoSize(schools=1, classes_per_grade=1, pupils_per_class=3,
                    teachers_per_school=13, grades=(5,))
    today = date.today()
    # Workflow ids name the school year: an id of its own keeps this test's runs apart from
    # other tests' on the shared Temporal server.
    with session_scope(database_url) as session:
        session.execute(text("SELECT setval(pg_get_serial_sequence('school_years', 'id'), "
                             ":n)"), {"n": uuid.uuid4().int % 10**9 + 10**6})
    load_gradebook_demo(database_url, settings, size, year_start=current_year_start(today),
                        until=today)
    target = temporal_env.client.service_client.config.target_host
    local = settings.model_copy(update={"temporal_address": target,
                                        "task_queue_suffix": f"-{uuid.uuid4().hex[:8]}"})

    ensured, planned = ensure_schedules(local)
    assert 0 < planned and ensured <= planned
    started = grade_latest_past_term(local)
    with session_scope(database_url) as session:
        terms = session.scalars(select(db.Term).where(db.Term.term_kind == "quarter")).all()
    past = [t for t in terms if t.ends_on < today]
    assert started == (1 if past else 0)
    # Run again (a second `make run`): nothing more is started.
    assert grade_latest_past_term(local) == 0

    async def cleanup() -> None:
        from temporalio.client import Client

        client = await Client.connect(target)
        query = f'TaskQueue="{local.task_queue("tsos-main")}"'
        async for execution in client.list_workflows(query):
            await client.get_workflow_handle(execution.id).terminate("test finished")
        async for schedule in await client.list_schedules():
            if schedule.id.startswith("schedule-"):
                await client.get_schedule_handle(schedule.id).delete()

    asyncio.run(cleanup())

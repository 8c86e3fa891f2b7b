"""The class journal: the grid, marks and attendance (single and bulk), lessons, remarks."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal
from urllib.parse import quote

from fastapi import APIRouter, Query, Response, UploadFile
from pydantic import BaseModel, Field
from sqlalchemy import select

from api.deps import PrincipalDep, SessionDep, SettingsDep
from api.errors import register_field_names
from api.routes.gradebook_common import (
    GradebookRoute,
    MarkText,
    resolve_period,
    write_context,
    zone_of,
)
from domain.access import Principal
from domain.gradebook.attendance import AbsenceReason, AttendanceRecord, Presence
from domain.gradebook.lessons import LessonStatus
from domain.gradebook.marks import MarkValue
from gateways.gradebook.journal_pdf import journal_pdf
from gateways.gradebook.journal_xlsx import journal_xlsx
from tsos.db import gradebook as db
from tsos.gradebook import access, homework_files, structure, views
from tsos.gradebook.journal import JournalWriter, MarkEntry, load_lesson
from tsos.gradebook.mapping import mark_of

router = APIRouter(prefix="/gradebook", tags=["Журнал"], route_class=GradebookRoute)

register_field_names({
    "pupil_id": "ученик", "value": "отметка", "kind": "вид работы", "published": "опубликована",
    "presence": "присутствие", "excused": "уважительная причина", "topic": "тема урока",
    "homework": "домашнее задание", "homework_links": "ссылки к заданию", "file": "файл",
    "late_minutes": "минуты опоздания", "subject_id": "предмет", "term_id": "период",
})

STAFF_VIEW = frozenset({"teacher", "deputy_head", "school_head"})


class MarkIn(BaseModel):
    pupil_id: int
    value: MarkText
    kind: str = Field("classwork", min_length=1, max_length=40)
    published: bool = True


class MarksIn(BaseModel):
    marks: list[MarkIn] = Field(min_length=1, max_length=200)


class MarkOut(BaseModel):
    id: int
    lesson_id: int
    pupil_id: int
    subject_id: int
    lesson_date: date
    value: str
    kind: str
    published: bool


class MarkChange(BaseModel):
    value: MarkText
    reason: str | None = Field(None, max_length=1000)


class Publication(BaseModel):
    published: bool


class AttendanceIn(BaseModel):
    pupil_id: int
    presence: Literal["present", "absent", "late"]
    reason: AbsenceReason | None = None
    excused: bool = False
    late_minutes: int | None = Field(None, ge=1, le=45)


class AttendanceBatch(BaseModel):
    entries: list[AttendanceIn] = Field(min_length=1, max_length=200)


class Changed(BaseModel):
    changed: int


class LessonIn(BaseModel):
    subject_id: int
    date: date
    number: int | None = Field(None, ge=0, le=12)
    starts_at: time | None = None
    ends_at: time | None = None
    study_group_id: int | None = None
    status: LessonStatus = LessonStatus.PLANNED
    topic: str | None = Field(None, max_length=1000)


class LessonPatch(BaseModel):
    topic: str | None = Field(None, max_length=1000)
    homework: str | None = Field(None, max_length=5000)
    homework_links: list[str] | None = Field(None, max_length=20)
    status: LessonStatus | None = None


class LessonMove(BaseModel):
    date: date


class RemarkIn(BaseModel):
    text: str = Field(min_length=1, max_length=2000)
    date: date
    lesson_id: int | None = None
    subject_id: int | None = None


class RemarkOut(BaseModel):
    id: int
    pupil_id: int
    date: date
    text: str


class LoadOut(BaseModel):
    school_class_id: int
    class_name: str
    # Grade 1 is taught without marks: its journal has lessons and attendance only.
    grade: int
    subject_id: int
    subject_name: str
    study_group_id: int | None
    study_group_name: str | None


def _mark_out(row: db.Mark) -> MarkOut:
    return MarkOut(id=row.id, lesson_id=row.lesson_id, pupil_id=row.pupil_id,
                   subject_id=row.subject_id, lesson_date=row.lesson_date,
                   value=str(mark_of(row).value), kind=row.kind, published=row.published)


def _writer_for_lesson(session: SessionDep, settings: SettingsDep, principal: Principal,
                       lesson_id: int) -> JournalWriter:
    """The lesson's journal, if the caller may write it (teaching load or school admin)."""
    lesson, school_class = load_lesson(session, lesson_id)
    access.require_journal(session, principal, school_class, lesson.subject_id, write=True,
                           study_group_id=lesson.study_group_id)
    return JournalWriter(write_context(session, settings, principal,
                                       school_class.organization_id))


def _journal(session: SessionDep, settings: SettingsDep, principal: Principal,
             class_id: int, subject_id: int, term_id: int | None, start: date | None,
             end: date | None, study_group_id: int | None) -> views.ClassJournal:
    school_class = structure.get_class(session, class_id)
    access.require_journal(session, principal, school_class, subject_id,
                           study_group_id=study_group_id)
    start, end, term = resolve_period(session, settings, school_class, term_id=term_id,
                                      start=start, end=end)
    return views.class_journal(
        session, school_class, subject_id, start, end,
        for_teacher=principal.role in STAFF_VIEW, study_group_id=study_group_id,
        term_id=term, zone=zone_of(session, settings, school_class.organization_id))


@router.get("/my/loads", response_model=list[LoadOut],
            summary="Мои классы и предметы (по учебной нагрузке)")
def my_loads(session: SessionDep, principal: PrincipalDep) -> list[LoadOut]:
    rows = session.execute(
        select(db.TeachingLoad, db.SchoolClass, db.Subject.name, db.StudyGroup.name)
        .join(db.Teacher, db.Teacher.id == db.TeachingLoad.teacher_id)
        .join(db.SchoolClass, db.SchoolClass.id == db.TeachingLoad.school_class_id)
        .join(db.Subject, db.Subject.id == db.TeachingLoad.subject_id)
        .outerjoin(db.StudyGroup, db.StudyGroup.id == db.TeachingLoad.study_group_id)
        .where(db.Teacher.user_id == principal.user_id)
        .order_by(db.SchoolClass.grade, db.SchoolClass.letter, db.Subject.name))
    return [LoadOut(school_class_id=c.id, class_name=c.name, grade=c.grade,
                    subject_id=load.subject_id,
                    subject_name=subject, study_group_id=load.study_group_id,
                    study_group_name=group) for load, c, subject, group in rows]


@router.get("/classes/{class_id}/journal", response_model=views.ClassJournal,
            summary="Журнал класса по предмету за период")
def class_journal(class_id: int, session: SessionDep, settings: SettingsDep,
                  principal: PrincipalDep, subject_id: int, term_id: int | None = None,
                  start: date | None = None, end: date | None = None,
                  study_group_id: int | None = None) -> views.ClassJournal:
    return _journal(session, settings, principal, class_id, subject_id, term_id, start, end,
                    study_group_id)


@router.get("/classes/{class_id}/journal.xlsx", summary="Журнал класса в XLSX",
            response_class=Response)
def class_journal_xlsx(class_id: int, session: SessionDep, settings: SettingsDep,
                       principal: PrincipalDep, subject_id: int, term_id: int | None = None,
                       start: date | None = None, end: date | None = None,
                       study_group_id: int | None = None) -> Response:
    journal = _journal(session, settings, principal, class_id, subject_id, term_id, start,
                       end, study_group_id)
    return Response(journal_xlsx(journal), media_type=(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        headers={"Content-Disposition": f'attachment; filename="journal-{class_id}.xlsx"'})


@router.get("/classes/{class_id}/journal.pdf", summary="Журнал класса для печати (PDF)",
            response_class=Response)
def class_journal_pdf(class_id: int, session: SessionDep, settings: SettingsDep,
                      principal: PrincipalDep, subject_id: int, term_id: int | None = None,
                      start: date | None = None, end: date | None = None,
                      study_group_id: int | None = None) -> Response:
    journal = _journal(session, settings, principal, class_id, subject_id, term_id, start,
                       end, study_group_id)
    return Response(journal_pdf(journal), media_type="application/pdf",
                    headers={"Content-Disposition": f'inline; filename="journal-{class_id}.pdf"'})


@router.post("/classes/{class_id}/lessons", status_code=201, summary="Урок в расписании",
             response_model=views.LessonColumn)
def create_lesson(class_id: int, body: LessonIn, session: SessionDep, settings: SettingsDep,
                  principal: PrincipalDep) -> views.LessonColumn:
    school_class = structure.get_class(session, class_id)
    access.require_journal(session, principal, school_class, body.subject_id, write=True,
                           study_group_id=body.study_group_id)
    zone = zone_of(session, settings, school_class.organization_id)
    writer = JournalWriter(write_context(session, settings, principal,
                                         school_class.organization_id))
    lesson = writer.create_lesson(school_class, body.subject_id, body.date, zone=zone,
                                  number=body.number, starts_at=body.starts_at,
                                  ends_at=body.ends_at, study_group_id=body.study_group_id,
                                  status=body.status, topic=body.topic)
    return views.lesson_column(lesson)


@router.post("/lessons/{lesson_id}/marks", status_code=201, response_model=MarkOut,
             summary="Поставить отметку")
def add_mark(lesson_id: int, body: MarkIn, session: SessionDep, settings: SettingsDep,
             principal: PrincipalDep) -> MarkOut:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    [row] = writer.add_marks(lesson_id, [MarkEntry(body.pupil_id, MarkValue.parse(body.value),
                                                   body.kind, body.published)])
    return _mark_out(row)


@router.post("/lessons/{lesson_id}/marks/bulk", status_code=201, response_model=list[MarkOut],
             summary="Поставить отметки списком (все или ни одной)")
def add_marks(lesson_id: int, body: MarksIn, session: SessionDep, settings: SettingsDep,
              principal: PrincipalDep) -> list[MarkOut]:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    entries = [MarkEntry(m.pupil_id, MarkValue.parse(m.value), m.kind, m.published)
               for m in body.marks]
    return [_mark_out(row) for row in writer.add_marks(lesson_id, entries)]


@router.patch("/marks/{mark_id}", response_model=MarkOut, summary="Исправить отметку")
def change_mark(mark_id: int, body: MarkChange, session: SessionDep, settings: SettingsDep,
                principal: PrincipalDep) -> MarkOut:
    writer = _writer_for_lesson(session, settings, principal, _lesson_of_mark(session, mark_id))
    return _mark_out(writer.change_mark(mark_id, MarkValue.parse(body.value), body.reason))


@router.delete("/marks/{mark_id}", status_code=204, summary="Удалить отметку")
def remove_mark(mark_id: int, session: SessionDep, settings: SettingsDep,
                principal: PrincipalDep,
                reason: Annotated[str | None, Query(max_length=1000)] = None) -> Response:
    writer = _writer_for_lesson(session, settings, principal, _lesson_of_mark(session, mark_id))
    writer.remove_mark(mark_id, reason)
    return Response(status_code=204)


@router.post("/lessons/{lesson_id}/publication", response_model=Changed,
             summary="Опубликовать или скрыть отметки урока")
def publish(lesson_id: int, body: Publication, session: SessionDep, settings: SettingsDep,
            principal: PrincipalDep) -> Changed:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    return Changed(changed=writer.set_published(lesson_id, body.published))


@router.put("/lessons/{lesson_id}/attendance", response_model=Changed,
            summary="Отметить посещаемость (одного ученика или списком)")
def record_attendance(lesson_id: int, body: AttendanceBatch, session: SessionDep,
                      settings: SettingsDep, principal: PrincipalDep) -> Changed:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    entries: list[tuple[int, AttendanceRecord | None]] = []
    for entry in body.entries:
        record = None
        if entry.presence != "present":
            record = AttendanceRecord(lesson_id, entry.pupil_id, Presence(entry.presence),
                                      entry.reason, entry.excused, entry.late_minutes)
        entries.append((entry.pupil_id, record))
    return Changed(changed=writer.record_attendance(lesson_id, entries))


@router.patch("/lessons/{lesson_id}", response_model=views.LessonColumn,
              summary="Тема, домашнее задание, проведён ли урок")
def update_lesson(lesson_id: int, body: LessonPatch, session: SessionDep,
                  settings: SettingsDep, principal: PrincipalDep) -> views.LessonColumn:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    if body.status is not None:
        writer.set_lesson_status(lesson_id, body.status)
    lesson = writer.describe_lesson(lesson_id, topic=body.topic, homework=body.homework,
                                    homework_links=body.homework_links)
    return views.lesson_column(lesson)


@router.post("/lessons/{lesson_id}/files", status_code=201, response_model=views.HomeworkFile,
             summary="Прикрепить файл к домашнему заданию (до 10 МБ)")
def attach_file(lesson_id: int, file: UploadFile, session: SessionDep, settings: SettingsDep,
                principal: PrincipalDep) -> views.HomeworkFile:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    # One byte past the limit is enough to know the file is too large.
    data = file.file.read(homework_files.MAX_BYTES + 1)
    checked = homework_files.check_file(file.filename or "", data)
    row = homework_files.attach(writer.ctx, lesson_id, checked)
    return views.HomeworkFile(id=row.id, name=row.file_name, content_type=row.content_type,
                              size=row.size)


@router.get("/lessons/{lesson_id}/files/{file_id}", response_class=Response,
            summary="Файл домашнего задания")
def download_file(lesson_id: int, file_id: int, session: SessionDep,
                  principal: PrincipalDep) -> Response:
    lesson, school_class = load_lesson(session, lesson_id)
    access.require_lesson(session, principal, lesson, school_class)
    row = homework_files.file_of(session, lesson_id, file_id)
    return Response(row.content, media_type=row.content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(row.file_name)}",
        "X-Content-Type-Options": "nosniff"})


@router.delete("/lessons/{lesson_id}/files/{file_id}", status_code=204,
               summary="Открепить файл от домашнего задания")
def detach_file(lesson_id: int, file_id: int, session: SessionDep, settings: SettingsDep,
                principal: PrincipalDep) -> Response:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    homework_files.detach(writer.ctx, lesson_id, file_id)
    return Response(status_code=204)


@router.post("/lessons/{lesson_id}/move", response_model=views.LessonColumn,
             summary="Перенести урок (с его отметками) на другую дату")
def move_lesson(lesson_id: int, body: LessonMove, session: SessionDep, settings: SettingsDep,
                principal: PrincipalDep) -> views.LessonColumn:
    writer = _writer_for_lesson(session, settings, principal, lesson_id)
    return views.lesson_column(writer.move_lesson(lesson_id, body.date))


@router.delete("/lessons/{lesson_id}", status_code=204, summary="Удалить урок с его записями")
def remove_lesson(lesson_id: int, session: SessionDep, settings: SettingsDep,
                  principal: PrincipalDep) -> Response:
    _writer_for_lesson(session, settings, principal, lesson_id).remove_lesson(lesson_id)
    return Response(status_code=204)


@router.post("/pupils/{pupil_id}/remarks", status_code=201, response_model=RemarkOut,
             summary="Замечание родителям")
def add_remark(pupil_id: int, body: RemarkIn, session: SessionDep, settings: SettingsDep,
               principal: PrincipalDep) -> RemarkOut:
    pupil = access.require_pupil(session, principal, pupil_id)
    if principal.role not in STAFF_VIEW:
        raise access.NotAllowed("Замечания пишут учителя и администрация школы")
    writer = JournalWriter(write_context(session, settings, principal, pupil.organization_id))
    remark = writer.add_remark(pupil_id, body.text, remark_date=body.date,
                               lesson_id=body.lesson_id, subject_id=body.subject_id)
    return RemarkOut(id=remark.id, pupil_id=pupil_id, date=remark.remark_date,
                     text=remark.text)


def _lesson_of_mark(session: SessionDep, mark_id: int) -> int:
    row = session.get(db.Mark, mark_id)
    if row is None:
        raise access.NotFound("Отметка не найдена")
    return row.lesson_id

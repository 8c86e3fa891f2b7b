"""Files attached to a lesson's homework: checked, kept in the database, written like any
journal write (the lock check and the audit), read by those who may see the lesson.

A file is at most MAX_BYTES; its type is recognised from its content (a declared type or an
extension proves nothing) and must be a document, a spreadsheet, a presentation, a picture
or plain text. Executable or active content (HTML, scripts, archives) is refused.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

import filetype
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from domain.gradebook.audit import user_change
from domain.gradebook.errors import GradebookError
from domain.gradebook.locks import Action, WriteTarget, check_write
from tsos.db import gradebook as db
from tsos.gradebook import audit_log
from tsos.gradebook.context import WriteContext
from tsos.gradebook.errors import NotFound
from tsos.gradebook.journal import load_lesson
from tsos.gradebook.locks import locks_for
from tsos.gradebook.mapping import lesson_of

MAX_BYTES = 10 * 1024 * 1024
MAX_FILES_PER_LESSON = 10
ALLOWED_TYPES = frozenset({
    "application/pdf", "image/jpeg", "image/png", "image/gif", "image/webp",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text", "application/vnd.oasis.opendocument.spreadsheet",
    "application/vnd.oasis.opendocument.presentation", "text/plain",
})
_UNSAFE_NAME = re.compile(r'[\x00-\x1f\\/:*?"<>|]+')


class FileRefused(GradebookError):
    code = "file_refused"
    http_status = 422


class FileTooLarge(FileRefused):
    http_status = 413


@dataclass(frozen=True)
class CheckedFile:
    name: str
    content_type: str
    data: bytes


def check_file(name: str, data: bytes) -> CheckedFile:
    """A file fit to attach, or FileRefused saying why in Russian."""
    clean = _UNSAFE_NAME.sub("_", name.rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip(" .")
    if not clean:
        raise FileRefused("У файла нет имени")
    if not data:
        raise FileRefused(f"Файл «{clean}» пуст")
    if len(data) > MAX_BYTES:
        raise FileTooLarge(f"Файл «{clean}» больше {MAX_BYTES // (1024 * 1024)} МБ")
    kind = filetype.guess(data)
    content_type = kind.mime if kind is not None else _plain_text(data)
    if content_type not in ALLOWED_TYPES:
        raise FileRefused(
            f"Файл «{clean}»: такой тип файла к заданию не прикрепляется. Можно документ "
            f"(PDF, Word, OpenDocument), таблицу, презентацию, изображение или текст")
    return CheckedFile(clean[-200:], content_type, data)


def _plain_text(data: bytes) -> str | None:
    """Text a browser will not run: UTF-8 without NULs and without markup."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text.lstrip()[:200].lower()
    if "\x00" in text or head.startswith(("<", "#!", "%!")):
        return None
    return "text/plain"


def attach(ctx: WriteContext, lesson_id: int, checked: CheckedFile) -> db.LessonFile:
    """Homework is part of the lesson: a closed term's lessons keep theirs as they were."""
    lesson_row, school_class = load_lesson(ctx.session, lesson_id, ctx.organization_id,
                                           for_update=True)
    _check(ctx, lesson_row, school_class.id)
    count = ctx.session.scalar(select(func.count()).select_from(db.LessonFile).where(
        db.LessonFile.lesson_id == lesson_id)) or 0
    if count >= MAX_FILES_PER_LESSON:
        raise FileRefused(f"К уроку прикреплено уже {count} файлов: больше нельзя")
    if ctx.actor.user_id is None:
        raise GradebookError("Файл прикрепляет пользователь, а не система")

    row = db.LessonFile(lesson_id=lesson_id, file_name=checked.name,
                        content_type=checked.content_type, size=len(checked.data),
                        sha256=hashlib.sha256(checked.data).hexdigest(),
                        content=checked.data, uploaded_by=ctx.actor.user_id,
                        uploaded_at=ctx.at)
    ctx.session.add(row)
    ctx.session.flush()
    _audit(ctx, lesson_id, "attach_file", None, _meta(row))
    return row


def detach(ctx: WriteContext, lesson_id: int, file_id: int) -> None:
    lesson_row, school_class = load_lesson(ctx.session, lesson_id, ctx.organization_id,
                                           for_update=True)
    row = file_of(ctx.session, lesson_id, file_id)
    _check(ctx, lesson_row, school_class.id)
    _audit(ctx, lesson_id, "detach_file", _meta(row), None)
    ctx.session.delete(row)
    ctx.session.flush()


def file_of(session: Session, lesson_id: int, file_id: int) -> db.LessonFile:
    row = session.get(db.LessonFile, file_id)
    if row is None or row.lesson_id != lesson_id:
        raise NotFound("Файл не найден")
    return row


@dataclass(frozen=True)
class FileInfo:
    id: int
    name: str
    content_type: str
    size: int


def files_of(session: Session, lesson_ids: list[int]) -> dict[int, list[FileInfo]]:
    """The files of each lesson, without their content."""
    found: dict[int, list[FileInfo]] = {}
    rows = session.execute(select(db.LessonFile.id, db.LessonFile.lesson_id,
                                  db.LessonFile.file_name, db.LessonFile.content_type,
                                  db.LessonFile.size)
                           .where(db.LessonFile.lesson_id.in_(lesson_ids))
                           .order_by(db.LessonFile.id))
    for file_id, lesson_id, name, content_type, size in rows:
        found.setdefault(lesson_id, []).append(FileInfo(file_id, name, content_type, size))
    return found


def _check(ctx: WriteContext, lesson_row: db.Lesson, school_class_id: int) -> None:
    target = WriteTarget.for_lesson(lesson_of(lesson_row))
    with ctx.refusals_audited():
        check_write(target, Action.UPDATE, locks_for(ctx.session, [school_class_id]),
                    ctx.actor)


def _meta(row: db.LessonFile) -> dict[str, object]:
    return {"file_id": row.id, "file_name": row.file_name, "content_type": row.content_type,
            "size": row.size, "sha256": row.sha256}


def _audit(ctx: WriteContext, lesson_id: int, action: str, old: dict[str, object] | None,
           new: dict[str, object] | None) -> None:
    event = user_change(ctx.actor, ctx.at, "lesson", lesson_id, action, old=old, new=new,
                        workflow_id=ctx.workflow_id)
    audit_log.store(ctx.session, [event], ctx.organization_id)

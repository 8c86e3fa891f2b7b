"""What the certificate wizard, its activities and the API pass to each other (IDs only)."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, Field

Mode = Literal["class", "duplicate"]

STEP_TITLES_RU = {
    "choose_class": "Выбор класса",
    "duplicate": "Оформление дубликата",
    "review": "Проверка итоговых отметок",
    "awaiting_corrections": "Ожидание исправлений в журнале",
    "form": "Формирование аттестатов",
    "assign_blanks": "Назначение бланков",
    "render": "Печать: дата выдачи и подпись",
    "rendering": "Подготовка PDF",
    "confirm_print": "Подтверждение печати",
    "issue": "Выдача",
    "export": "Выгрузка в ФИС ФРДО",
    "done": "Завершено",
}


class StaffActor(BaseModel):
    user_id: int
    role: str


class WizardInput(BaseModel):
    organization_id: int
    organization_code: str
    time_zone: str
    school_class_id: int
    graduation_year: int
    started_by: StaffActor
    mode: Mode = "class"
    original_certificate_id: int | None = None


class WizardRef(BaseModel):
    organization_id: int
    time_zone: str
    school_class_id: int
    graduation_year: int
    workflow_id: str


class CertificateSummary(BaseModel):
    certificate_id: int
    pupil_id: int
    status: str
    kind: str | None = None
    medal: str | None = None
    is_duplicate: bool = False
    blank_number: str | None = None
    supplement_blank_number: str | None = None
    registration_number: str | None = None
    has_pdf: bool = False
    problems: list[str] = Field(default_factory=list)
    warnings: list[str] = Field(default_factory=list)
    # Data the decision lacks (e.g. an exam's primary points): honours wait for it.
    notices: list[str] = Field(default_factory=list)
    open_issues: int = 0


class RenderProgress(BaseModel):
    run_id: int | None = None
    total: int = 0
    done: int = 0
    failed: int = 0
    finished: bool = False
    problems: dict[str, str] = Field(default_factory=dict)


class WizardView(BaseModel):
    workflow_id: str
    organization_id: int
    school_class_id: int
    graduation_year: int
    mode: Mode
    step: str
    step_title: str
    allowed: list[str]
    certificates: list[CertificateSummary] = Field(default_factory=list)
    render: RenderProgress | None = None
    issue_date: date | None = None
    exports: list[int] = Field(default_factory=list)


# Step inputs (the API validates the fields; the workflow validates the step).


class ChooseClass(BaseModel):
    actor: StaffActor
    pupil_ids: list[int] | None = None


class ReportIssue(BaseModel):
    actor: StaffActor
    certificate_id: int
    line_code: str
    description: str


class Recompute(BaseModel):
    actor: StaffActor


class ApproveReview(BaseModel):
    actor: StaffActor
    confirm_warnings: bool = False


class FormStep(BaseModel):
    actor: StaffActor


class AssignBlanks(BaseModel):
    actor: StaffActor
    with_supplements: bool = True


class RenderStep(BaseModel):
    actor: StaffActor
    issue_date: date
    head_name: str


class SpoilStep(BaseModel):
    actor: StaffActor
    certificate_id: int
    act_number: str
    act_date: date
    reason: str
    replace: bool = True


class ConfirmPrinted(BaseModel):
    actor: StaffActor
    certificate_ids: list[int] | None = None


class IssueStep(BaseModel):
    actor: StaffActor
    certificate_id: int
    method: Literal["in_person", "proxy", "post"]
    handed_over_on: date
    order_number: str
    order_date: date
    proxy_name: str | None = None
    proxy_document: str | None = None
    postal_item_number: str | None = None
    posted_on: date | None = None


class CancelStep(BaseModel):
    actor: StaffActor
    certificate_id: int
    reason: str
    act_number: str | None = None
    act_date: date | None = None


class ExportStep(BaseModel):
    actor: StaffActor


class DuplicateStep(BaseModel):
    actor: StaffActor
    ground: Literal["loss", "damage", "error_after_issue", "name_change"]
    disposition: Literal["lost", "exchanged", "destroyed"]
    reason: str
    # Mark issues of the original approved by the deputy head with corrected inputs: the
    # duplicate's final marks are recomputed from them (the secretary types no mark).
    issue_ids: list[int] = Field(default_factory=list)
    supplement_only: bool = False


# Activity inputs and outputs.


class StepInput(BaseModel):
    ref: WizardRef
    actor: StaffActor
    action: str
    payload: dict[str, Any] = Field(default_factory=dict)
    certificate_ids: list[int] = Field(default_factory=list)


class StepOutcome(BaseModel):
    certificate_ids: list[int]
    summaries: list[CertificateSummary]
    # What the action produced: a re-render needed, a duplicate's id, the ids of an
    # export's files (one id in histories written before exports could be split).
    value: list[int] | int | bool | None = None


class RenderInput(BaseModel):
    ref: WizardRef
    actor: StaffActor
    certificate_ids: list[int]
    head_name: str

"""What the staff API of first-grade enrollment accepts and returns."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

RightFilter = Literal["extraordinary", "first_priority", "sibling", "none"]


class ApplicationItem(BaseModel):
    id: int = Field(description="Номер заявления в ЦОС")
    order_id: int = Field(description="Номер заявления на ЕПГУ (orderId)")
    school_code: str = Field(description="Код школы")
    campaign_year: int = Field(description="Год приёмной кампании")
    child_name: str | None = Field(
        description="ФИО ребёнка (только для тех, кому доступны персональные данные)")
    birth_date: date | None = Field(description="Дата рождения ребёнка")
    filing_date: str = Field(description="Дата и время подачи, как их прислал портал (ISO 8601 "
                                         "со смещением)")
    filing_date_local: str = Field(description="Дата и время подачи по времени региона")
    state: str = Field(description="Состояние заявления (код)")
    state_title: str = Field(description="Состояние заявления словами")
    wave: int | None = Field(description="Этап приёма: 1 или 2")
    right: str = Field(description="Право приёма: extraordinary, first_priority, sibling, none")
    resident: bool | None = Field(description="Проживает на закреплённой территории")
    deferred: bool = Field(description="Отложено до второго этапа")
    seat_held: bool = Field(description="Место за ребёнком закреплено")
    documents_due: date | None = Field(description="Срок представления документов")
    enrollment_order_id: int | None = Field(description="Приказ о зачислении, если издан")


class ApplicationPage(BaseModel):
    items: list[ApplicationItem]
    total: int
    offset: int
    limit: int


class HistoryEvent(BaseModel):
    seq: int = Field(description="Порядковый номер перехода")
    at: datetime = Field(description="Момент перехода (время региона)")
    from_state: str | None
    state: str
    state_title: str
    code: str | None = Field(description="Код статуса, отправленного на портал")
    comment: str | None = Field(description="Текст статуса, как он отправлен")
    actor: str = Field(description="Кто совершил переход")
    rule: str | None = Field(description="Правило, по которому принято решение")
    clause: str | None = Field(description="Норма (пункт порядка приёма, закона)")
    details: dict[str, Any] | None = Field(description="Основания решения")


class SentStatus(BaseModel):
    kind: str = Field(description="techCode, orgCode, cancelResponse или RequestRejected")
    code: str
    comment: str | None
    cancel_allowed: bool | None
    queued_at: datetime
    sent_at: datetime | None
    delivery: Literal["sent", "pending", "failed"] = Field(
        description="sent — доставлено в СМЭВ, pending — ждёт отправки, failed — отправка "
                    "остановлена, нужен человек")


class LiveView(BaseModel):
    """What the running workflow waits for now."""

    state: str
    waiting_for: str | None = Field(description="invitation, documents, permission, "
                                                "foreign_check, seat, wave2, enrollment_order, "
                                                "operator")
    waiting_for_title: str | None
    deadline: date | None
    cancel_allowed: bool
    seat_held: bool
    fault: str | None = Field(None, description="Почему обработка приостановлена "
                                                "(ожидается администратор)")


class OrderRef(BaseModel):
    id: int
    number: str
    order_date: date


class ApplicationDetail(ApplicationItem):
    contract: str = Field(description="Версия формы ЕПГУ (пространство имён)")
    received_at: datetime
    closed_at: datetime | None
    needs_age_permission: bool
    foreign_citizen: bool
    applicant: dict[str, Any] | None = Field(description="Заявитель (персональные данные)")
    child: dict[str, Any] | None = Field(description="Ребёнок (персональные данные)")
    addresses: dict[str, Any] | None = Field(description="Адреса регистрации и проживания")
    priority_right: dict[str, Any] | None
    siblings: list[dict[str, Any]] | None
    adapted_programme: dict[str, Any] | None
    languages: dict[str, Any] | None
    foreign_citizen_info: dict[str, Any] | None
    basis: dict[str, Any] | None = Field(
        description="Основания при регистрации: возраст, территория, право, этап")
    events: list[HistoryEvent] = Field(description="Полная история статусов")
    outbox: list[SentStatus] = Field(description="Что отправлено на портал, по порядку")
    enrollment_order: OrderRef | None
    live: LiveView | None = Field(description="Текущее ожидание процесса (пока он идёт)")
    actions: list[str] = Field(description="Действия, доступные сейчас")


class InviteIn(BaseModel):
    deadline: date | None = Field(
        None, description="Срок представления оригиналов включительно; по умолчанию — "
                          "через установленное кампанией число рабочих дней")


class ConfirmIn(BaseModel):
    comment: str | None = Field(None, max_length=500,
                                description="Примечание (например, какие документы сверены)")


class AgePermissionIn(BaseModel):
    granted: bool = Field(description="Разрешение учредителя дано")
    reason: str | None = Field(None, max_length=500,
                               description="Основание; при отказе обязательно")


class ForeignCheckIn(BaseModel):
    result: Literal["complete", "incomplete", "conditions_not_met"] = Field(
        description="complete — комплект полный, incomplete — неполный (заявление "
                    "возвращается), conditions_not_met — условия приёма не выполнены (отказ)")
    missing_documents: str | None = Field(
        None, max_length=500, description="Каких документов не хватает (при incomplete)")
    reason: str | None = Field(None, max_length=500,
                               description="Причина отказа (при conditions_not_met)")


class WithdrawIn(BaseModel):
    withdrawn_on: date = Field(description="Дата письменного заявления об отзыве")


class SignOrderIn(BaseModel):
    number: str | None = Field(None, min_length=1, max_length=40,
                               pattern=r"^[0-9A-Za-zА-Яа-яЁё/\-. ]+$",
                               description="Номер приказа; по умолчанию — следующий по порядку")
    order_date: date | None = Field(None, description="Дата приказа; по умолчанию — сегодня")


class OrderLineOut(BaseModel):
    application_id: int
    order_id: int
    child_name: str | None
    birth_date: date | None


class EnrollmentOrderOut(BaseModel):
    id: int
    school_code: str
    campaign_year: int
    number: str
    order_date: date
    wave: int
    signed_by: str
    signed_at: datetime
    applications: list[OrderLineOut]
    pdf_url: str


class EnrollmentOrderList(BaseModel):
    items: list[EnrollmentOrderOut]


class SchoolCampaignOut(BaseModel):
    school_code: str
    campaign_year: int
    phase: str
    phase_title: str
    places: int
    seats_held: int
    waiting_requests: int
    wave1_closed_at: datetime | None
    wave2_opened_at: datetime | None
    order_due: date | None


class SchoolFigures(BaseModel):
    places: int = Field(description="Мест в первых классах")
    applied: int = Field(description="Зарегистрировано заявлений")
    by_state: dict[str, int] = Field(description="Заявлений в каждом состоянии")
    confirmed: int = Field(description="Сведения подтверждены, ждут приказа")
    seats_held: int = Field(description="Закреплено мест (включая зачисленных)")
    places_left: int = Field(description="Свободных мест")
    enrolled: int = Field(description="Зачислено")
    refused: int = Field(description="Отказано (все виды отказа)")
    deferred: int = Field(description="Ждут второго этапа")
    duplicates_answered: int = Field(description="Повторных заявлений отклонено")


class SchoolDashboard(SchoolFigures):
    school_code: str
    school_name: str
    phase: str | None = Field(description="Этап кампании школы по данным процесса "
                                          "(нет, если процесс недоступен)")
    phase_title: str | None
    wave1_closed_at: datetime | None
    order_due: date | None = Field(description="Срок издания приказа о зачислении")


class Dashboard(BaseModel):
    campaign_year: int
    schools: list[SchoolDashboard]
    totals: SchoolFigures | None = Field(description="Итого по региону (для ролей региона)")

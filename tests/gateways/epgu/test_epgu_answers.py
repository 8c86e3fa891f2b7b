"""Status answers and cancellation results: filled, schema-valid, as the table says."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from importlib import resources
from typing import Any

import pytest
from lxml import etree

from gateways.epgu import (
    FIRST_GRADE_1_0_0,
    CancelResult,
    CodeKind,
    MissingPlaceholder,
    OutgoingPayloadInvalid,
    StatusRow,
    UnknownState,
    build_cancel_response,
    build_change_order_info,
)
from gateways.epgu.placeholders import format_age, format_date, format_moment

from .support import NS, reference_path

ORDER_ID = 4200000101
MSK = timezone(timedelta(hours=3))

# Every placeholder of the README, filled as a real status would be.
PLACEHOLDERS = {
    "order_id": str(ORDER_ID),
    "registered_at": format_moment(
        datetime(2026, 4, 1, 0, 0, 5, tzinfo=MSK), "Europe/Simferopol"
    ),
    "school_name": "ГБОУ «Средняя общеобразовательная школа № 801»",
    "school_address": "г. Севастополь, ул. Примерная, д. 1",
    "documents": "свидетельство о рождении ребёнка, паспорт заявителя",
    "missing_documents": "документ о законном нахождении ребёнка в Российской Федерации",
    "deadline": format_date(date(2026, 4, 15)),
    "decision_deadline": format_date(date(2026, 7, 3)),
    "when": "ещё не начался",
    "wave1_start": format_date(date(2026, 4, 1)),
    "wave1_end": format_date(date(2026, 6, 30)),
    "wave2_start": format_date(date(2026, 7, 6)),
    "wave2_end": format_date(date(2026, 9, 5)),
    "reception_hours": "пн–пт 9:00–17:00",
    "campaign_year": "2026",
    "age_on_sept_1": format_age(date(2020, 3, 2), date(2026, 9, 1)),
    "founder_name": "Департамент образования и науки города Севастополя",
    "founder_address": "г. Севастополь, ул. Учебная, д. 2",
    "deferral_reason": "ребёнок не проживает на закреплённой за школой территории",
    "existing_filed_at": format_moment(
        datetime(2026, 4, 1, 0, 0, 1, tzinfo=MSK), "Europe/Simferopol"
    ),
    "field": "СНИЛС ребёнка",
    "problem": "неверное контрольное число",
    "reason": "учредитель не дал разрешения на приём в этом возрасте",
    "authority_name": "Департамент образования и науки города Севастополя",
    "authority_address": "г. Севастополь, ул. Учебная, д. 2",
    "authority_phone": "+78692000000",
    "enrollment_order_number": "45-у",
    "enrollment_order_date": format_date(date(2026, 7, 2)),
    "cancelled_at": format_moment(
        datetime(2026, 4, 2, 10, 0, tzinfo=MSK), "Europe/Simferopol"
    ),
    "withdrawn_at": format_date(date(2026, 5, 12)),
    "support_phone": "+78692000001",
}
ROWS = list(FIRST_GRADE_1_0_0.statuses)
PACKAGED = resources.files("gateways.epgu.first_grade.v1_0_0")


def placeholders_of(row: StatusRow) -> dict[str, str]:
    return {name: PLACEHOLDERS[name] for name in row.placeholders}


def read(payload: bytes) -> etree._Element:
    return etree.fromstring(payload)


def text(root: etree._Element, path: str) -> str | None:
    return root.findtext(path, namespaces=NS)


class TestChangeOrderInfo:
    @pytest.mark.parametrize("row", ROWS, ids=[row.state for row in ROWS])
    def test_every_state_renders_a_schema_valid_answer(self, row: StatusRow) -> None:
        payload = build_change_order_info(ORDER_ID, row.state, placeholders_of(row))

        root = read(payload)
        comment = text(root, "fg:changeOrderInfo/fg:comment") or ""
        assert FIRST_GRADE_1_0_0.schema().validate(root)
        assert text(root, "fg:changeOrderInfo/fg:orderId/fg:pguId") == str(ORDER_ID)
        assert text(
            root, f"fg:changeOrderInfo/fg:statusCode/fg:{row.code_kind}"
        ) == str(row.code)
        assert text(root, "fg:changeOrderInfo/fg:cancelAllowed") == (
            "true" if row.cancel_allowed else "false"
        )
        assert "{" not in comment and "}" not in comment
        for name in row.placeholders:
            assert PLACEHOLDERS[name] in comment

    @pytest.mark.parametrize("row", ROWS, ids=[row.state for row in ROWS])
    def test_every_answer_passes_the_official_schema(self, row: StatusRow) -> None:
        official = etree.XMLSchema(etree.parse(str(reference_path("first-grade.xsd"))))

        payload = build_change_order_info(ORDER_ID, row.state, placeholders_of(row))

        assert official.validate(read(payload)), official.error_log

    def test_the_answer_has_the_shape_of_the_contract_example(self) -> None:
        payload = build_change_order_info(351, "refused_no_places", PLACEHOLDERS)

        root = read(payload)
        assert payload.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")
        assert root.tag == f"{{{NS['fg']}}}FormDataResponse"
        assert root.prefix == "fg"
        assert [etree.QName(node).localname for node in root[0]] == [
            "orderId",
            "statusCode",
            "comment",
            "cancelAllowed",
        ]
        assert text(root, "fg:changeOrderInfo/fg:statusCode/fg:orgCode") == "351"
        assert text(root, "fg:changeOrderInfo/fg:comment") == (
            "В приёме в ГБОУ «Средняя общеобразовательная школа № 801» отказано в связи с "
            "отсутствием свободных мест. Для получения места в другой школе обратитесь в "
            "Департамент образования и науки города Севастополя (г. Севастополь, "
            "ул. Учебная, д. 2, тел. +78692000000)."
        )

    def test_registered_tells_the_number_and_the_queue_moment(self) -> None:
        payload = build_change_order_info(
            ORDER_ID, "registered", {"registered_at": PLACEHOLDERS["registered_at"]}
        )

        assert text(read(payload), "fg:changeOrderInfo/fg:comment") == (
            "Заявление № 4200000101 зарегистрировано в региональной информационной "
            "системе. Время подачи, по которому определяется очерёдность: "
            "01.04.2026 00:00:05 (МСК)."
        )
        assert (
            text(read(payload), "fg:changeOrderInfo/fg:statusCode/fg:techCode") == "1"
        )

    def test_missing_placeholder_fails_loudly(self) -> None:
        with pytest.raises(MissingPlaceholder) as raised:
            build_change_order_info(ORDER_ID, "enrolled", {"school_name": "Школа № 1"})

        assert raised.value.names == (
            "enrollment_order_date",
            "enrollment_order_number",
        )

    def test_blank_placeholder_counts_as_missing(self) -> None:
        values = {**PLACEHOLDERS, "reason": "  "}

        with pytest.raises(MissingPlaceholder, match="reason"):
            build_change_order_info(ORDER_ID, "refused", values)

    def test_unformatted_value_is_refused(self) -> None:
        values: Any = {**PLACEHOLDERS, "deadline": date(2026, 4, 15)}

        with pytest.raises(TypeError, match="deadline"):
            build_change_order_info(ORDER_ID, "documents_requested", values)

    def test_unknown_state_is_refused(self) -> None:
        with pytest.raises(UnknownState):
            build_change_order_info(ORDER_ID, "teleported", PLACEHOLDERS)

    def test_too_long_comment_is_never_returned(self) -> None:
        values = {**PLACEHOLDERS, "reason": "о" * 2100}

        with pytest.raises(OutgoingPayloadInvalid):
            build_change_order_info(ORDER_ID, "refused", values)

    def test_order_number_outside_the_schema_is_never_returned(self) -> None:
        with pytest.raises(OutgoingPayloadInvalid):
            build_change_order_info(0, "registered", PLACEHOLDERS)


class TestCancelResponse:
    @pytest.mark.parametrize("result", list(CancelResult))
    def test_both_results_are_schema_valid(self, result: CancelResult) -> None:
        payload = build_cancel_response(ORDER_ID, result, "Заявление отменено.")

        root = read(payload)
        assert FIRST_GRADE_1_0_0.schema().validate(root)
        assert text(root, "fg:cancelResponse/fg:orderId") == str(ORDER_ID)
        assert text(root, "fg:cancelResponse/fg:result") == result.value
        assert text(root, "fg:cancelResponse/fg:comment") == "Заявление отменено."

    def test_empty_comment_is_never_returned(self) -> None:
        with pytest.raises(OutgoingPayloadInvalid):
            build_cancel_response(ORDER_ID, CancelResult.REJECTED, "")


class TestStatusTable:
    def test_table_is_the_contract_s_own(self) -> None:
        official = reference_path("statuses.csv").read_bytes()
        assert PACKAGED.joinpath("statuses.csv").read_bytes() == official

    def test_schema_is_the_contract_s_own(self) -> None:
        official = reference_path("first-grade.xsd").read_bytes()

        assert PACKAGED.joinpath("first-grade.xsd").read_bytes() == official

    def test_lookup_by_state_and_by_code(self) -> None:
        table = FIRST_GRADE_1_0_0.statuses

        confirmed = table.by_state("confirmed")
        assert (confirmed.code_kind, confirmed.code) == (CodeKind.ORG_CODE, 314)
        assert not confirmed.cancel_allowed and not confirmed.terminal
        assert table.by_code(CodeKind.TECH_CODE, 10) == table.by_state("cancelled")
        assert table.by_code(CodeKind.ORG_CODE, 999) is None
        assert len(table) == 20
        assert "order_not_found" in table

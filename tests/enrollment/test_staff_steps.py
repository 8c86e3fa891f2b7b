"""Steps refused by the rules, the founder's permission, the foreign check, withdrawal."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.enrollment.conftest import NodeServer
from tests.enrollment.test_staff_api import (
    BASE,
    FOREIGN,
    RESIDENT,
    SCHOOL,
    YOUNG,
    Portal,
    audit_actions,
    detail,
    eventually_async,
    post,
    waiting_for,
)

pytestmark = pytest.mark.asyncio


@pytest.fixture
def portal(smev_node: NodeServer, exchange, reference_campaign,  # type: ignore[no-untyped-def]
           examples_dir: Path) -> Portal:
    return Portal(smev_node, examples_dir)


async def test_steps_out_of_order_are_409_in_russian(portal, api_client, token_for) -> None:
    await portal.offer(RESIDENT)
    resident = portal[RESIDENT]
    officer = token_for("admissions_officer", SCHOOL)
    await waiting_for(api_client, officer, resident, "invitation")

    early = await post(api_client, officer, f"/applications/{resident}/confirm-documents")
    assert early.status_code == 409
    assert early.json()["message"] == ("Подтвердить документы можно только после "
                                       "приглашения, до срока.")
    foreign = await post(api_client, officer, f"/applications/{resident}/foreign-check",
                         {"result": "complete"})
    assert foreign.status_code == 409 and "иностранного гражданина" in foreign.json()["message"]
    permission = await post(api_client, token_for("founder_officer"),
                            f"/applications/{resident}/age-permission", {"granted": True})
    assert permission.status_code == 409
    assert permission.json()["message"] == "Заявление не ожидает разрешения учредителя."

    # Wave 1 of the reference campaign is over (once its workflow has allocated the seats),
    # and nothing is confirmed to be ordered.
    head = token_for("school_head", SCHOOL)

    async def allocated() -> bool:
        board = await api_client.get(f"{BASE}/dashboard", headers=head)
        return board.json()["schools"][0]["phase"] in ("wave1_allocated", "wave2")

    await eventually_async(allocated)
    closing = await post(api_client, head, f"/schools/{SCHOOL}/close-wave1-early")
    assert closing.status_code == 409
    assert closing.json()["message"] == "Первый этап уже завершён."
    order = await post(api_client, head, f"/schools/{SCHOOL}/enrollment-orders")
    assert order.status_code == 409
    assert order.json()["message"].startswith("Нет заявлений для включения в приказ")

    past = await post(api_client, officer, f"/applications/{resident}/invite",
                      {"deadline": "2020-01-10"})
    assert past.status_code == 422
    assert past.json()["fields"][0]["field"] == "deadline"
    assert "«срок представления документов»" in past.json()["message"]

    # None of it changed the application.
    body = await detail(api_client, officer, resident)
    assert [e["state"] for e in body["events"]] == ["registered", "accepted"]
    assert portal.codes(RESIDENT) == ["1", "311"]


async def test_withdrawal_in_writing_closes_the_application(portal, api_client,
                                                            token_for) -> None:
    await portal.offer(RESIDENT)
    resident = portal[RESIDENT]
    officer = token_for("admissions_officer", SCHOOL)
    await waiting_for(api_client, officer, resident, "invitation")

    future = await post(api_client, officer, f"/applications/{resident}/withdraw",
                        {"withdrawn_on": "2099-01-01"})
    assert future.status_code == 422 and "«дата отзыва»" in future.json()["message"]
    before_filing = await post(api_client, officer, f"/applications/{resident}/withdraw",
                               {"withdrawn_on": "2026-03-31"})
    assert before_filing.status_code == 422
    missing = await post(api_client, officer, f"/applications/{resident}/withdraw", {})
    assert missing.status_code == 422 and "«дата отзыва»" in missing.json()["message"]

    response = await post(api_client, officer, f"/applications/{resident}/withdraw",
                          {"withdrawn_on": "2026-04-20"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["state"] == "withdrawn_by_applicant" and body["closed_at"]
    assert body["outbox"][-1]["code"] == "371" and "20.04.2026" in body["outbox"][-1]["comment"]
    assert body["actions"] == [] and body["live"] is None

    again = await post(api_client, officer, f"/applications/{resident}/invite")
    assert again.status_code == 409
    assert again.json()["message"] == "Рассмотрение заявления завершено."


async def test_founder_decides_the_age_permission(portal, api_client, token_for,
                                                  database_url) -> None:
    await portal.offer(YOUNG)
    young = portal[YOUNG]
    officer = token_for("admissions_officer", SCHOOL)
    founder = token_for("founder_officer")
    await waiting_for(api_client, officer, young, "invitation")
    assert (await post(api_client, officer, f"/applications/{young}/invite")).is_success
    confirmed = await post(api_client, officer, f"/applications/{young}/confirm-documents")
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["state"] == "age_permission_pending"
    pending = await waiting_for(api_client, founder, young, "permission")
    assert pending["actions"] == ["age-permission"]

    not_yours = await post(api_client, officer, f"/applications/{young}/age-permission",
                           {"granted": True})
    assert not_yours.status_code == 403
    no_reason = await post(api_client, founder, f"/applications/{young}/age-permission",
                           {"granted": False})
    assert no_reason.status_code == 422 and "«причина»" in no_reason.json()["message"]

    granted = await post(api_client, founder, f"/applications/{young}/age-permission",
                         {"granted": True, "reason": "распоряжение учредителя № 5"})
    assert granted.status_code == 200, granted.text
    body = granted.json()
    assert body["state"] == "confirmed"
    assert [s["code"] for s in body["outbox"]] == ["1", "311", "312", "313", "314"]
    assert audit_actions(database_url, "first_grade_application", body["id"])[-1] == \
        "first_grade_application.age_permission"


async def test_foreign_documents_returned_incomplete(portal, api_client, token_for) -> None:
    await portal.offer(FOREIGN)
    foreign = portal[FOREIGN]
    officer = token_for("admissions_officer", SCHOOL)
    waiting = await waiting_for(api_client, officer, foreign, "foreign_check")
    assert waiting["state"] == "foreign_documents_check" and waiting["documents_due"]
    assert waiting["actions"] == ["foreign-check", "withdraw"]

    unnamed = await post(api_client, officer, f"/applications/{foreign}/foreign-check",
                         {"result": "incomplete"})
    assert unnamed.status_code == 422
    assert "«недостающие документы»" in unnamed.json()["message"]
    unknown = await post(api_client, officer, f"/applications/{foreign}/foreign-check",
                         {"result": "maybe"})
    assert unknown.status_code == 422 and "«результат проверки»" in unknown.json()["message"]

    returned = await post(api_client, officer, f"/applications/{foreign}/foreign-check",
                          {"result": "incomplete",
                           "missing_documents": "документ о законном нахождении в РФ"})
    assert returned.status_code == 200, returned.text
    body = returned.json()
    assert body["state"] == "returned_incomplete"
    assert body["outbox"][-1]["code"] == "333"
    assert "документ о законном нахождении в РФ" in body["outbox"][-1]["comment"]
    assert body["events"][-1]["rule"] == "foreign_package_incomplete"
    listed = await api_client.get(f"{BASE}/applications", headers=officer,
                                  params={"status": "returned_incomplete"})
    assert [i["order_id"] for i in listed.json()["items"]] == [foreign]


async def test_a_foreign_child_outside_the_territory_is_held_for_wave2_after_the_check(
        smev_node, exchange, reference_campaign, api_client, token_for) -> None:
    """Filed in wave 1 with no right and from outside the territory: the check first, then
    315 (held for wave 2), not a failed workflow; wave 2 of the campaign (of 2026) has long
    opened, so the campaign decides it at once: a place is left, it is taken into review."""
    from tests.enrollment.conftest import codes, eventually
    from tests.enrollment.payloads import variant

    order_id = 4200009907
    smev_node.enqueue(variant("07-foreign-citizen", order_id=order_id, street="ул. Дальняя",
                              house="7"))
    await eventually(lambda: codes(smev_node, order_id) == ["1", "316"] or None)
    officer = token_for("admissions_officer", SCHOOL)
    checked = await post(api_client, officer, f"/applications/{order_id}/foreign-check",
                         {"result": "complete"})
    assert checked.status_code == 200, checked.text
    await eventually(lambda: codes(smev_node, order_id) == ["1", "316", "315", "311"] or None)
    body = await detail(api_client, officer, order_id)
    assert body["state"] == "accepted" and body["seat_held"] is True


async def test_a_step_on_a_workflow_ended_by_a_fault_says_so(portal, api_client, token_for,
                                                              running_worker) -> None:
    await portal.offer(RESIDENT)
    resident = portal[RESIDENT]
    officer = token_for("admissions_officer", SCHOOL)
    await waiting_for(api_client, officer, resident, "invitation")
    await running_worker.client.get_workflow_handle(f"first-grade-{resident}").terminate(
        "an operator stopped it")

    answer = await post(api_client, officer, f"/applications/{resident}/invite", {})
    assert answer.status_code == 409
    assert answer.json()["error"] == "workflow_failed"
    assert "внутренней ошибки" in answer.json()["message"]


async def test_a_step_that_fails_for_good_waits_for_an_operator_then_goes_on(
        portal, api_client, token_for, running_worker, database_url) -> None:
    from sqlalchemy import update
    from temporalio.client import WorkflowUpdateStage

    from tests.enrollment.conftest import eventually
    from tsos.db.enrollment import FirstGradeApplication
    from tsos.db.session import session_scope
    from workflows.enrollment.application import FirstGradeApplicationWorkflow
    from workflows.enrollment.messages import Invite

    await portal.offer(RESIDENT)
    resident = portal[RESIDENT]
    officer, admin = token_for("admissions_officer", SCHOOL), token_for("region_admin")
    await waiting_for(api_client, officer, resident, "invitation")

    # The stored state changed behind the workflow's back: its next step is refused.
    def set_state(state: str) -> None:
        with session_scope(database_url) as session:
            session.execute(update(FirstGradeApplication)
                            .where(FirstGradeApplication.order_id == resident)
                            .values(state=state))

    set_state("confirmed")
    handle = running_worker.client.get_workflow_handle(f"first-grade-{resident}")
    await handle.start_update(FirstGradeApplicationWorkflow.invite_to_present_documents,
                              Invite(actor="Специалист"),
                              wait_for_stage=WorkflowUpdateStage.ACCEPTED)
    held = await waiting_for(api_client, officer, resident, "operator")
    assert held["live"]["fault"] and held["actions"] == []
    assert (await detail(api_client, admin, resident))["actions"] == ["retry"]
    assert portal.codes(RESIDENT) == ["1", "311"]

    set_state("accepted")
    retried = await post(api_client, admin, f"/applications/{resident}/retry",
                         {"reason": "состояние восстановлено по журналу"})
    assert retried.status_code == 200, retried.text
    await eventually(lambda: portal.codes(RESIDENT) == ["1", "311", "312"] or None)
    again = await post(api_client, admin, f"/applications/{resident}/retry",
                       {"reason": "ещё раз"})
    assert again.status_code == 409

"""The reference examples, offered through the local SMEV node, get the prescribed statuses.

The reference campaign (2026) is over by the time these tests run, so its wave 1 is already
allocated: a confirmed application is decided at once against the places left.
"""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from tests.enrollment.conftest import codes, eventually
from workflows.enrollment.application import FirstGradeApplicationWorkflow
from workflows.enrollment.messages import Invite, PermissionDecision, StaffStep

pytestmark = pytest.mark.asyncio


async def test_examples_get_their_first_statuses(smev_node, exchange, reference_campaign,
                                                 examples_dir) -> None:
    for name in ("01-resident", "02-sibling-right", "03-first-priority-right",
                 "04-extraordinary-right", "05-age-6y3m-on-1-september",
                 "06-age-8y1m-on-1-september", "07-foreign-citizen", "08-adapted-program",
                 "21-invalid-no-consent", "22-invalid-snils-format",
                 "23-invalid-filing-date-without-offset"):
        smev_node.enqueue((examples_dir / f"{name}.xml").read_bytes())

    expected = {
        4200000101: ["1", "311"], 4200000102: ["1", "311"], 4200000103: ["1", "311"],
        4200000104: ["1", "311"], 4200000105: ["1", "311"], 4200000106: ["1", "311"],
        4200000107: ["1", "316"], 4200000108: ["1", "311"],
        4200000121: ["332"], 4200000122: ["332"], 4200000123: ["332"],
    }
    for order_id, sequence in expected.items():
        await eventually(lambda o=order_id, s=sequence: codes(smev_node, o) == s or None,
                         timeout=60)

    invalid = smev_node.responses(4200000122)[0]
    assert "СНИЛС" in invalid["comment"]
    assert invalid["kind"] == "orgCode" and invalid["cancel_allowed"] is False


async def test_resident_to_enrollment_and_a_portal_cancel(smev_node, exchange,
                                                          reference_campaign, examples_dir,
                                                          running_worker) -> None:
    client = running_worker.client
    smev_node.enqueue((examples_dir / "01-resident.xml").read_bytes())
    smev_node.enqueue((examples_dir / "05-age-6y3m-on-1-september.xml").read_bytes())
    await eventually(lambda: codes(smev_node, 4200000101) == ["1", "311"] or None)
    await eventually(lambda: codes(smev_node, 4200000105) == ["1", "311"] or None)

    resident = client.get_workflow_handle("first-grade-4200000101")
    await resident.execute_update(FirstGradeApplicationWorkflow.invite_to_present_documents,
                                  Invite(actor="Специалист по приёму"))
    await resident.execute_update(FirstGradeApplicationWorkflow.confirm_documents,
                                  StaffStep(actor="Специалист по приёму"))
    await eventually(lambda: codes(smev_node, 4200000101) == ["1", "311", "312", "314"]
                     or None)

    young = client.get_workflow_handle("first-grade-4200000105")
    await young.execute_update(FirstGradeApplicationWorkflow.invite_to_present_documents,
                               Invite(actor="Специалист", deadline=date(2030, 1, 10)))
    await young.execute_update(FirstGradeApplicationWorkflow.confirm_documents,
                               StaffStep(actor="Специалист"))
    await eventually(lambda: codes(smev_node, 4200000105)[-1:] == ["313"] or None)
    await young.execute_update(FirstGradeApplicationWorkflow.decide_age_permission,
                               PermissionDecision(actor="Учредитель", granted=True))
    await eventually(lambda: codes(smev_node, 4200000105)[-1:] == ["314"] or None)

    # 314 does not allow a cancel from the portal: REJECTED, 319, state unchanged.
    smev_node.enqueue((examples_dir / "09-cancel-request.xml").read_bytes())
    await eventually(lambda: [r["kind"] for r in smev_node.responses(4200000101)][-2:] ==
                     ["cancelResponse", "orgCode"] or None)
    answers = smev_node.responses(4200000101)
    assert answers[-2]["code"] == "REJECTED" and answers[-1]["code"] in (319, "319")

    campaign = client.get_workflow_handle(f"first-grade-campaign-{reference_campaign}-SEV-0801")
    from workflows.enrollment.campaign import FirstGradeSchoolCampaignWorkflow
    from workflows.enrollment.messages import SignOrder

    # The 2026 campaign is over: its workflow closes wave 1 within a second of starting.
    for _ in range(100):
        view = await campaign.query(FirstGradeSchoolCampaignWorkflow.view)
        if view.phase in ("wave1_allocated", "wave2"):
            break
        await asyncio.sleep(0.1)
    signed = await campaign.execute_update(
        FirstGradeSchoolCampaignWorkflow.sign_enrollment_order,
        SignOrder(actor="Директор"))
    assert len(signed.application_ids) == 2
    for order_id in (4200000101, 4200000105):
        await eventually(lambda o=order_id: codes(smev_node, o)[-1:] == ["3"] or None)
    enrolled = smev_node.responses(4200000105)[-1]
    assert signed.number in enrolled["comment"]

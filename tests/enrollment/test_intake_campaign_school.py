"""A filing names a school of another year's campaign only: answered 332, not a fault."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import select

from activities.enrollment.intake import process_message
from tests.conftest import shared_path
from tests.enrollment.campaigns import campaign_yaml
from tests.enrollment.payloads import variant
from tsos.campaigns import load_and_prepare
from tsos.db.enrollment import FirstGradeApplication, SmevInboxMessage, SmevOutboxMessage
from tsos.db.session import session_scope


def test_a_school_only_in_another_years_campaign_is_answered_332(
        database_url, settings, demo_region) -> None:
    reference = shared_path("reference", "epgu", "first-grade", "campaign-example.yaml")
    with session_scope(database_url) as session:
        load_and_prepare(session, reference.read_text(encoding="utf-8"), settings)
        # Next year's campaign takes in a school that the 2026 one does not.
        load_and_prepare(session, campaign_yaml(date(2027, 4, 10)).replace(
            "SEV-0801", "SEV-0805"), settings)

    payload = variant("01-resident", order_id=4200077001, school="SEV-0805")
    now = datetime(2026, 4, 2, 9, 0, tzinfo=UTC)
    with session_scope(database_url) as session:
        inbox = SmevInboxMessage(message_id=str(uuid.uuid1()), reply_to="portal|reply",
                                 received_at=now, raw=payload, payload=payload, state="new")
        session.add(inbox)
        session.flush()
        outcome = process_message(session, inbox, now=now, region_oktmo="67000000")
        assert outcome.start is None
        answer = session.scalar(select(SmevOutboxMessage).where(
            SmevOutboxMessage.order_id == 4200077001))
        assert answer is not None and answer.code == "332"
        assert "SEV-0805" in answer.comment or "школ" in answer.comment
        assert session.scalar(select(FirstGradeApplication)) is None

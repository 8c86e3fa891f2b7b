"""Nothing is lost and nothing is said twice: redelivery, hostile input, a killed worker."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import func, select

from tests.enrollment.conftest import codes, eventually
from tsos.db.enrollment import (
    FirstGradeApplication,
    SmevInboxMessage,
    SmevOutboxMessage,
)
from tsos.db.session import session_scope

pytestmark = pytest.mark.asyncio


def _count(database_url: str, model, *where) -> int:  # type: ignore[no-untyped-def]
    with session_scope(database_url) as session:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


async def test_a_message_whose_ack_is_lost_is_registered_once(
        smev_node, exchange, reference_campaign, examples_dir, database_url,
        monkeypatch) -> None:
    from gateways.smev.client import SmevClient

    # The first two acks never reach SMEV: the node delivers the message again after its
    # redelivery timeout, three times in all.
    real_ack = SmevClient.ack
    failures = {"left": 2}

    def flaky_ack(self, message_id, accepted=True):  # type: ignore[no-untyped-def]
        if failures["left"] > 0:
            failures["left"] -= 1
            raise ConnectionError("ack lost")
        return real_ack(self, message_id, accepted)

    monkeypatch.setattr(SmevClient, "ack", flaky_ack)
    smev_node.enqueue((examples_dir / "01-resident.xml").read_bytes())

    await eventually(lambda: failures["left"] == 0 or None, timeout=30)
    await eventually(lambda: codes(smev_node, 4200000101) == ["1", "311"] or None,
                     timeout=30)
    await asyncio.sleep(3)  # past another redelivery timeout: nothing more may come

    assert codes(smev_node, 4200000101) == ["1", "311"]
    assert _count(database_url, SmevInboxMessage) == 1
    assert _count(database_url, FirstGradeApplication) == 1


async def test_the_same_order_sent_again_repeats_its_status(
        smev_node, exchange, reference_campaign, examples_dir, database_url) -> None:
    data = (examples_dir / "01-resident.xml").read_bytes()
    smev_node.enqueue(data)
    await eventually(lambda: codes(smev_node, 4200000101) == ["1", "311"] or None)

    # The portal sends the same order twice more, as new SMEV messages.
    smev_node.enqueue(data)
    smev_node.enqueue(data)
    await eventually(lambda: codes(smev_node, 4200000101) == ["1", "311", "311", "311"]
                     or None)
    assert _count(database_url, FirstGradeApplication) == 1
    assert _count(database_url, SmevInboxMessage) == 3


HOSTILE = {
    "external-entity": b'<?xml version="1.0" encoding="UTF-8"?>\n'
                       b'<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
                       b'<fg:FormData xmlns:fg="urn://x-artefacts-tsos/epgu/concentrator/'
                       b'first-grade/1.0.0" oktmo="67000000">&x;</fg:FormData>',
    "billion-laughs": b'<?xml version="1.0"?>\n<!DOCTYPE l [<!ENTITY a "aaaa">'
                      b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">'
                      b'<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;">]>\n<l>&c;</l>',
    "windows-1251": '<?xml version="1.0" encoding="windows-1251"?>\n<fg:FormData '
                    'xmlns:fg="urn://x-artefacts-tsos/epgu/concentrator/first-grade/1.0.0" '
                    'oktmo="67000000"><fg:x>Привет</fg:x></fg:FormData>'.encode("cp1251"),
    "unknown-namespace": b'<?xml version="1.0" encoding="UTF-8"?>\n'
                         b'<FormData xmlns="urn://somebody/else/1.0"/>',
    "too-large": b'<?xml version="1.0" encoding="UTF-8"?>\n<fg:FormData xmlns:fg="urn://'
                 b'x-artefacts-tsos/epgu/concentrator/first-grade/1.0.0" oktmo="67000000">'
                 + b"<!-- " + b"x" * (2 * 1024 * 1024) + b" -->" + b"</fg:FormData>",
}


async def test_hostile_payloads_are_stored_rejected_and_the_queue_goes_on(
        smev_node, exchange, reference_campaign, examples_dir, database_url) -> None:
    for data in HOSTILE.values():
        smev_node.enqueue(data)
    smev_node.enqueue((examples_dir / "01-resident.xml").read_bytes())

    await eventually(lambda: codes(smev_node, 4200000101) == ["1", "311"] or None,
                     timeout=60)
    rejected = await eventually(lambda: [r for r in smev_node.responses()
                                         if r["kind"] == "RequestRejected"]
                                if len([r for r in smev_node.responses()
                                        if r["kind"] == "RequestRejected"]) == len(HOSTILE)
                                else None, timeout=30)
    assert {r["code"] for r in rejected} == {"FAILURE", "UNKNOWN_REQUEST_DESCRIPTION"}
    assert all("root:" not in (r["comment"] or "") for r in rejected)

    with session_scope(database_url) as session:
        stored = list(session.scalars(select(SmevInboxMessage)
                                      .where(SmevInboxMessage.order_id.is_(None))))
        assert len(stored) == len(HOSTILE)
        assert all(m.raw and m.outcome.startswith("rejected:") for m in stored)
        everything = b"".join(m.raw for m in stored)
        assert b"root:x:0:0" not in everything
        outbox = session.scalar(select(func.count()).select_from(SmevOutboxMessage))
        assert outbox == len(HOSTILE) + 2


async def test_the_same_child_written_otherwise_is_answered_as_a_duplicate(
        smev_node, exchange, reference_campaign, database_url) -> None:
    from tests.enrollment.payloads import variant

    smev_node.enqueue(variant("01-resident", order_id=7001, child_name="Артём"))
    await eventually(lambda: codes(smev_node, 7001) == ["1", "311"] or None)

    # The parent sends again from another device: Е for Ё, other letter case.
    smev_node.enqueue(variant("01-resident", order_id=7002, child_name="АРТЕМ",
                              child_surname="примеров"))
    await eventually(lambda: codes(smev_node, 7002) == ["331"] or None)

    duplicate = smev_node.responses(7002)[0]
    assert "01.04.2026 00:00:05 (МСК)" in duplicate["comment"]
    assert _count(database_url, FirstGradeApplication) == 1

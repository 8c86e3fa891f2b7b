"""The demo speaks to the local node signed, with a generated GOST test key."""

from __future__ import annotations

import asyncio

import pytest
from lxml import etree

from gateways.smev import namespaces as ns
from gateways.smev.local_node.store import NodeStore
from gateways.smev.signing import verify
from tests.enrollment.conftest import codes, eventually, exchange_config
from tests.enrollment.payloads import variant
from tsos.clock import SystemClock
from tsos.exchange_runner import client_factory, make_settings_signer
from tsos.smev_exchange import SmevExchange


def _local_settings(settings, node, **extra):  # type: ignore[no-untyped-def]
    return settings.model_copy(update={"smev_endpoint": None,
                                       "smev_node_url": node.url, **extra})


@pytest.mark.asyncio
async def test_responses_to_the_local_node_carry_a_valid_signature(
        smev_node, settings, database_url, running_worker, queue_names,
        reference_campaign, tmp_path) -> None:
    local = _local_settings(settings, smev_node)
    exchange = SmevExchange(exchange_config(database_url, settings, queue_names),
                            client_factory(local), running_worker.client, SystemClock())
    stop = asyncio.Event()
    task = asyncio.create_task(exchange.run(stop))
    try:
        order_id = 4200088001
        smev_node.enqueue(variant("01-resident", order_id=order_id))
        await eventually(lambda: codes(smev_node, order_id)[:2] == ["1", "311"] or None)
    finally:
        stop.set()
        await task

    store = NodeStore(tmp_path / "smev-node.sqlite3")  # the smev_node fixture's file
    try:
        envelopes = [r.envelope for r in store.responses(order_id)]
    finally:
        store.close()
    assert len(envelopes) >= 2
    for envelope in envelopes:
        root = etree.fromstring(envelope, etree.XMLParser(resolve_entities=False,
                                                          no_network=True))
        signature = next(root.iter(f"{{{ns.DS}}}Signature"))
        target_id = next(signature.iter(f"{{{ns.DS}}}Reference")).get("URI").lstrip("#")
        target = next(e for e in root.iter() if e.get("Id") == target_id)
        assert verify(signature, target)


def test_unsigned_only_when_asked_and_only_for_the_local_node(settings, smev_node) -> None:
    assert make_settings_signer(_local_settings(settings, smev_node)) is not None
    assert make_settings_signer(_local_settings(settings, smev_node,
                                                smev_sign_local=False)) is None
    with pytest.raises(SystemExit):
        make_settings_signer(settings.model_copy(update={
            "smev_endpoint": "https://smev.example/ws", "smev_sign_local": False}))

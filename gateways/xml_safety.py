"""The one hardened XML parser of every gateway: what comes from outside (SMEV envelopes,
portal payloads, schemas) is parsed without entities, DTDs, the network or huge trees."""

from __future__ import annotations

from lxml import etree


def hardened_parser(*, recover: bool = False, collect_ids: bool = True) -> etree.XMLParser:
    """A parser that resolves no entity, loads no DTD, fetches nothing and refuses huge
    trees; comments, processing instructions and whitespace are kept (signatures need them).

    `recover` reads what it can of broken XML (to find a MessageID to answer); `collect_ids`
    off saves the ID table where nothing looks elements up by ID.
    """
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        recover=recover,
        collect_ids=collect_ids,
        remove_blank_text=False,
        remove_comments=False,
        remove_pis=False,
    )

"""Exclusive C14N and the octets a SMEV reference digest is computed over."""

from __future__ import annotations

import copy
from collections.abc import Sequence

from lxml import etree

from .transform import smev_transform

# libxml2 writes namespace URIs into C14N output without escaping these characters, which
# makes the output ill-formed (attribute values are escaped correctly).
_UNSAFE_IN_C14N_NAMESPACE = frozenset('&<"')


def exclusive_c14n(
    element: etree._Element, inclusive_prefixes: Sequence[str] = ()
) -> bytes:
    """Exclusive XML canonicalisation (without comments) of one element and its subtree."""
    return etree.tostring(
        element,
        method="c14n",
        exclusive=True,
        with_comments=False,
        inclusive_ns_prefixes=list(inclusive_prefixes) or None,
    )


def reference_octets(element: etree._Element) -> bytes:
    """What SMEV hashes for `Reference URI="#Id"`: exclusive C14N, then the SMEV transform."""
    if _uses_unsafe_namespace(element):
        # The SMEV transform depends only on the parsed content of its input, so an ordinary
        # serialisation of the same node-set (comments removed, their surrounding text
        # joined, as in C14N) gives it the same input as a correct C14N would.
        detached = copy.deepcopy(element)
        etree.strip_tags(detached, etree.Comment)
        return smev_transform(
            etree.tostring(detached, encoding="utf-8", with_tail=False)
        )
    return smev_transform(exclusive_c14n(element))


def _uses_unsafe_namespace(element: etree._Element) -> bool:
    for node in element.iter(tag=etree.Element):
        uris = [etree.QName(node).namespace or ""]
        uris.extend(key[1:].partition("}")[0] for key in node.attrib if key[:1] == "{")
        if any(_UNSAFE_IN_C14N_NAMESPACE.intersection(uri) for uri in uris):
            return True
    return False

"""ASN.1 structures for GOST keys, which asn1crypto's own key classes do not know."""

from __future__ import annotations

from asn1crypto import core


class AlgorithmIdentifier(core.Sequence):
    """AlgorithmIdentifier with opaque parameters."""

    _fields = [
        ("algorithm", core.ObjectIdentifier),
        ("parameters", core.Any, {"optional": True}),
    ]


class GostKeyParameters(core.Sequence):
    """GostR3410-2012-PublicKeyParameters (RFC 9215 §4.2)."""

    _fields = [
        ("public_key_param_set", core.ObjectIdentifier),
        ("digest_param_set", core.ObjectIdentifier, {"optional": True}),
        ("encryption_param_set", core.ObjectIdentifier, {"optional": True}),
    ]


class SubjectPublicKeyInfo(core.Sequence):
    """SubjectPublicKeyInfo with the key left as bytes."""

    _fields = [
        ("algorithm", AlgorithmIdentifier),
        ("public_key", core.OctetBitString),
    ]


class _Attributes(core.SetOf):
    _child_spec = core.Any


class PrivateKeyInfo(core.Sequence):
    """PKCS#8 PrivateKeyInfo (RFC 5208) with the key left as bytes."""

    _fields = [
        ("version", core.Integer),
        ("private_key_algorithm", AlgorithmIdentifier),
        ("private_key", core.OctetString),
        ("attributes", _Attributes, {"implicit": 0, "optional": True}),
    ]

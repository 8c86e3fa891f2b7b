"""GOST private keys in PEM files: unencrypted PKCS#8, the form the OpenSSL GOST engine uses.

The file is `-----BEGIN PRIVATE KEY-----` around a PrivateKeyInfo whose algorithm is
id-tc26-gost3410-12-256 with parameters (curve OID, id-tc26-gost3411-12-256) and whose
privateKey octets are the 32-byte scalar, little-endian. OpenSSL with the GOST engine reads
and writes exactly this, so one key file serves both signers. Reading also accepts the two
older encodings the engine accepts (a nested OCTET STRING, an INTEGER); masked CryptoPro
export keys are not supported.
"""

from __future__ import annotations

from pathlib import Path

from asn1crypto import core, pem

from .asn1 import GostKeyParameters, PrivateKeyInfo
from .errors import KeyMaterialError
from .gost import (
    DIGEST_ALGORITHM_OID,
    KEY_ALGORITHM_OID,
    GostPrivateKey,
    is_supported_curve,
)


def dump_private_key(key: GostPrivateKey) -> bytes:
    """The key as PEM (unencrypted PKCS#8)."""
    parameters = GostKeyParameters(
        {
            "public_key_param_set": key.curve_oid,
            "digest_param_set": DIGEST_ALGORITHM_OID,
        }
    )
    info = PrivateKeyInfo(
        {
            "version": 0,
            "private_key_algorithm": {
                "algorithm": KEY_ALGORITHM_OID,
                "parameters": core.Any.load(parameters.dump()),
            },
            "private_key": key.scalar.to_bytes(32, "little"),
        }
    )
    return pem.armor("PRIVATE KEY", info.dump())


def load_private_key(source: bytes) -> GostPrivateKey:
    """Read a key written by dump_private_key() or by OpenSSL with the GOST engine."""
    if pem.detect(source):
        kind, _, der = pem.unarmor(source)
        if kind != "PRIVATE KEY":
            raise KeyMaterialError(
                f"expected an unencrypted PKCS#8 PRIVATE KEY, got {kind}"
            )
    else:
        der = source

    try:
        info = PrivateKeyInfo.load(der)
        algorithm = info["private_key_algorithm"]["algorithm"].dotted
        parameters = GostKeyParameters.load(
            info["private_key_algorithm"]["parameters"].dump()
        )
        curve_oid = parameters["public_key_param_set"].dotted
        octets = info["private_key"].native
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyMaterialError(f"unreadable PKCS#8 private key: {exc}") from exc

    if algorithm != KEY_ALGORITHM_OID:
        raise KeyMaterialError(
            f"not a GOST R 34.10-2012 (256) key: algorithm {algorithm}"
        )
    if not is_supported_curve(curve_oid):
        raise KeyMaterialError(f"unsupported GOST parameter set {curve_oid}")
    return GostPrivateKey(curve_oid, _scalar(octets))


def read_private_key_file(path: Path | str) -> GostPrivateKey:
    """Load a private key file (PEM or DER PKCS#8)."""
    try:
        source = Path(path).read_bytes()
    except OSError as exc:
        raise KeyMaterialError(
            f"cannot read private key file {path}: {exc.strerror}"
        ) from exc
    return load_private_key(source)


def _scalar(octets: bytes) -> int:
    if len(octets) == 32:
        value = int.from_bytes(octets, "little")
    elif len(octets) == 34 and octets[:2] == b"\x04\x20":
        value = int.from_bytes(octets[2:], "little")
    elif octets[:1] == b"\x02":
        value = core.Integer.load(octets).native
    else:
        raise KeyMaterialError(
            "unsupported GOST private key encoding (masked or foreign)"
        )

    if value <= 0:
        raise KeyMaterialError("GOST private key is zero or negative")
    return value

"""GOST R 34.11-2012 / 34.10-2012 (256 bit) and the byte orders SMEV and CryptoPro use.

Byte orders, checked against real SMEV signatures (the reference samples verify with these
rules, see the tests) and against the OpenSSL GOST engine:

- the hash is the Streebog-256 output as OpenSSL, CryptoPro and the standard's examples print
  it; for signing, those 32 bytes are read as a **little-endian** integer (the engine's
  `hashsum2bn`), so gostcrypto, which reads big-endian, gets them reversed;
- `SignatureValue` (and an X.509 signature) is `s || r`, each 32 bytes big-endian, which is
  what `openssl dgst -sign` writes; gostcrypto produces `r || s`, so the halves are swapped;
- a public key in a certificate is an OCTET STRING of `x || y`, each 32 bytes little-endian;
- a private key in PKCS#8 is the 32-byte scalar, little-endian (as the engine writes it).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from functools import cache

from gostcrypto import gosthash, gostsignature

from .errors import KeyMaterialError

KEY_ALGORITHM_OID = "1.2.643.7.1.1.1.1"  # id-tc26-gost3410-12-256
SIGNATURE_ALGORITHM_OID = "1.2.643.7.1.1.3.2"  # id-tc26-signwithdigest-gost3410-12-256
DIGEST_ALGORITHM_OID = "1.2.643.7.1.1.2.2"  # id-tc26-gost3411-12-256

# The curve of most SMEV certificates; also what generated test keys use.
CRYPTOPRO_A_OID = "1.2.643.2.2.35.1"

# Curve OIDs (CryptoPro and TC26 names of the same curves) -> gostcrypto parameter sets
# (R 1323565.1.024-2019 lists the equivalences).
_CURVES_BY_OID = {
    "1.2.643.7.1.2.1.1.1": "id-tc26-gost-3410-2012-256-paramSetA",
    "1.2.643.2.2.35.1": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.36.0": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.7.1.2.1.1.2": "id-tc26-gost-3410-2012-256-paramSetB",
    "1.2.643.2.2.35.2": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.7.1.2.1.1.3": "id-tc26-gost-3410-2012-256-paramSetC",
    "1.2.643.2.2.35.3": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.2.2.36.1": "id-tc26-gost-3410-2012-256-paramSetD",
    "1.2.643.7.1.2.1.1.4": "id-tc26-gost-3410-2012-256-paramSetD",
}

_SIZE = 32


@dataclass(frozen=True)
class GostPublicKey:
    """A GOST R 34.10-2012 (256) public key: the point (x, y) on the curve named by its OID."""

    curve_oid: str
    x: int
    y: int


@dataclass(frozen=True)
class GostPrivateKey:
    """A GOST R 34.10-2012 (256) private key; the scalar is kept out of repr()."""

    curve_oid: str
    scalar: int = field(repr=False)

    def public_key(self) -> GostPublicKey:
        """The matching public key (one scalar multiplication, about 30 ms)."""
        point = _curve(self.curve_oid).public_key_generate(
            bytearray(self.scalar.to_bytes(_SIZE, "big"))
        )
        return GostPublicKey(
            self.curve_oid,
            int.from_bytes(point[:_SIZE], "big"),
            int.from_bytes(point[_SIZE:], "big"),
        )


def streebog256(data: bytes) -> bytes:
    """GOST R 34.11-2012 hash, 256-bit, in the usual (OpenSSL/CryptoPro) byte order."""
    return bytes(gosthash.new("streebog256", data=bytearray(data)).digest())


def generate_private_key(curve_oid: str = CRYPTOPRO_A_OID) -> GostPrivateKey:
    """A fresh random private key on the given curve."""
    order = gostsignature.CURVES_R_1323565_1_024_2019[_curve_name(curve_oid)]["q"]
    return GostPrivateKey(curve_oid, secrets.randbelow(order - 1) + 1)


def sign_digest(key: GostPrivateKey, digest: bytes) -> bytes:
    """Sign a Streebog-256 digest; returns `s || r` as SMEV's SignatureValue carries it."""
    if len(digest) != _SIZE:
        raise ValueError("a GOST R 34.11-2012 (256) digest is 32 bytes")

    r_s = _curve(key.curve_oid).sign(
        bytearray(key.scalar.to_bytes(_SIZE, "big")), bytearray(digest[::-1])
    )
    return bytes(r_s[_SIZE:] + r_s[:_SIZE])


def verify_digest(key: GostPublicKey, digest: bytes, signature_value: bytes) -> bool:
    """Check an `s || r` signature over a Streebog-256 digest."""
    if len(digest) != _SIZE or len(signature_value) != 2 * _SIZE:
        return False

    point = key.x.to_bytes(_SIZE, "big") + key.y.to_bytes(_SIZE, "big")
    r_s = signature_value[_SIZE:] + signature_value[:_SIZE]
    try:
        return bool(
            _curve(key.curve_oid).verify(
                bytearray(point), bytearray(digest[::-1]), bytearray(r_s)
            )
        )
    except gostsignature.GOSTSignatureError:
        return False


def public_key_from_octets(curve_oid: str, octets: bytes) -> GostPublicKey:
    """A public key from the certificate form: `x || y`, little-endian halves."""
    if len(octets) != 2 * _SIZE:
        raise KeyMaterialError(
            f"a 256-bit GOST public key is 64 bytes, got {len(octets)}"
        )
    _curve(curve_oid)
    return GostPublicKey(
        curve_oid,
        int.from_bytes(octets[:_SIZE], "little"),
        int.from_bytes(octets[_SIZE:], "little"),
    )


def public_key_to_octets(key: GostPublicKey) -> bytes:
    """The certificate form of a public key: `x || y`, little-endian halves."""
    return key.x.to_bytes(_SIZE, "little") + key.y.to_bytes(_SIZE, "little")


def is_supported_curve(curve_oid: str) -> bool:
    """Whether the curve is one of the 256-bit GOST R 34.10-2012 parameter sets."""
    return curve_oid in _CURVES_BY_OID


def _curve_name(curve_oid: str) -> str:
    name = _CURVES_BY_OID.get(curve_oid)
    if name is None:
        raise KeyMaterialError(
            f"unsupported GOST R 34.10-2012 (256) parameter set {curve_oid}"
        )
    return name


@cache
def _curve(curve_oid: str) -> gostsignature.GOST34102012:
    return gostsignature.new(
        gostsignature.MODE_256,
        gostsignature.CURVES_R_1323565_1_024_2019[_curve_name(curve_oid)],
    )

"""X.509 certificates with GOST R 34.10-2012 (256) keys: reading them and making test ones."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import core, keys, pem, x509

from .asn1 import GostKeyParameters, SubjectPublicKeyInfo
from .errors import KeyMaterialError
from .gost import (
    DIGEST_ALGORITHM_OID,
    KEY_ALGORITHM_OID,
    SIGNATURE_ALGORITHM_OID,
    GostPrivateKey,
    GostPublicKey,
    is_supported_curve,
    public_key_from_octets,
    public_key_to_octets,
    sign_digest,
    streebog256,
)


@dataclass(frozen=True)
class CertificateInfo:
    """What the signature layer needs from a certificate.

    `subject` may hold a person's name (personal certificates): never log it.
    """

    der: bytes
    subject: str
    issuer: str
    serial_number: int
    not_before: datetime
    not_after: datetime
    public_key: GostPublicKey


def read_certificate(der: bytes) -> CertificateInfo:
    """Parse a DER certificate carrying a GOST R 34.10-2012 (256) public key."""
    try:
        certificate = x509.Certificate.load(der)
        tbs = certificate["tbs_certificate"]
        key_info = SubjectPublicKeyInfo.load(tbs["subject_public_key_info"].dump())
        algorithm = key_info["algorithm"]["algorithm"].dotted
        info = CertificateInfo(
            der=der,
            subject=certificate.subject.human_friendly,
            issuer=certificate.issuer.human_friendly,
            serial_number=certificate.serial_number,
            not_before=certificate.not_valid_before,
            not_after=certificate.not_valid_after,
            public_key=_public_key(algorithm, key_info),
        )
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyMaterialError(f"unreadable certificate: {exc}") from exc
    return info


def read_certificate_file(path: Path | str) -> bytes:
    """The DER bytes of a certificate file in PEM or DER form."""
    try:
        source = Path(path).read_bytes()
    except OSError as exc:
        raise KeyMaterialError(
            f"cannot read certificate file {path}: {exc.strerror}"
        ) from exc

    if pem.detect(source):
        kind, _, der = pem.unarmor(source)
        if kind != "CERTIFICATE":
            raise KeyMaterialError(f"expected a CERTIFICATE in {path}, got {kind}")
        return der
    return source


def make_self_signed_certificate(
    key: GostPrivateKey,
    *,
    common_name: str,
    organization: str,
    not_before: datetime,
    not_after: datetime,
) -> bytes:
    """A self-signed GOST certificate (DER) for tests and demos; dates must be timezone-aware."""
    public_key = key.public_key()
    name = x509.Name.build(
        {
            "country_name": "RU",
            "organization_name": organization,
            "common_name": common_name,
        }
    )
    key_bits = core.OctetString(public_key_to_octets(public_key)).dump()
    tbs = x509.TbsCertificate(
        {
            "version": "v3",
            "serial_number": secrets.randbits(63) | 1,
            "signature": {"algorithm": SIGNATURE_ALGORITHM_OID},
            "issuer": name,
            "validity": {
                "not_before": _time(not_before),
                "not_after": _time(not_after),
            },
            "subject": name,
            "subject_public_key_info": keys.PublicKeyInfo.load(
                _key_info(public_key).dump()
            ),
            "extensions": [
                {
                    "extn_id": "key_usage",
                    "critical": True,
                    "extn_value": {"digital_signature", "non_repudiation"},
                },
                {
                    "extn_id": "basic_constraints",
                    "critical": True,
                    "extn_value": {"ca": False},
                },
                {
                    "extn_id": "key_identifier",
                    "critical": False,
                    "extn_value": hashlib.sha1(key_bits).digest(),
                },
            ],
        }
    )
    tbs_der = tbs.dump()

    certificate = x509.Certificate(
        {
            "tbs_certificate": x509.TbsCertificate.load(tbs_der),
            "signature_algorithm": {"algorithm": SIGNATURE_ALGORITHM_OID},
            "signature_value": sign_digest(key, streebog256(tbs_der)),
        }
    )
    return certificate.dump()


def read_public_key_info(der: bytes) -> GostPublicKey:
    """The GOST public key of a DER SubjectPublicKeyInfo (e.g. `openssl pkey -pubout`)."""
    try:
        key_info = SubjectPublicKeyInfo.load(der)
        return _public_key(key_info["algorithm"]["algorithm"].dotted, key_info)
    except (ValueError, TypeError, KeyError) as exc:
        raise KeyMaterialError(f"unreadable public key: {exc}") from exc


def _public_key(algorithm: str, key_info: SubjectPublicKeyInfo) -> GostPublicKey:
    if algorithm != KEY_ALGORITHM_OID:
        raise KeyMaterialError(
            f"not a GOST R 34.10-2012 (256) key: algorithm {algorithm}"
        )

    parameters = GostKeyParameters.load(key_info["algorithm"]["parameters"].dump())
    curve_oid = parameters["public_key_param_set"].dotted
    if not is_supported_curve(curve_oid):
        raise KeyMaterialError(f"unsupported GOST parameter set {curve_oid}")

    octets = core.OctetString.load(key_info["public_key"].native).native
    return public_key_from_octets(curve_oid, octets)


def _key_info(public_key: GostPublicKey) -> SubjectPublicKeyInfo:
    parameters = GostKeyParameters(
        {
            "public_key_param_set": public_key.curve_oid,
            "digest_param_set": DIGEST_ALGORITHM_OID,
        }
    )
    return SubjectPublicKeyInfo(
        {
            "algorithm": {
                "algorithm": KEY_ALGORITHM_OID,
                "parameters": core.Any.load(parameters.dump()),
            },
            "public_key": core.OctetString(public_key_to_octets(public_key)).dump(),
        }
    )


def _time(moment: datetime) -> x509.Time:
    if moment.tzinfo is None:
        raise ValueError("certificate dates must be timezone-aware")
    # RFC 5280: UTCTime up to 2049, GeneralizedTime from 2050.
    moment = moment.replace(microsecond=0)
    if moment.year < 2050:
        return x509.Time({"utc_time": moment})
    return x509.Time({"general_time": moment})

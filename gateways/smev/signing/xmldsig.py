"""Detached XMLDSig signatures in the SMEV 3 profile: building and verifying `ds:Signature`.

The shape is the one seen in real SMEV 3 traffic (smev.md §2.2): exclusive C14N for
SignedInfo; one Reference to `#Id` with the transforms exclusive C14N then the SMEV
transform; GOST R 34.11-2012 (256) digest; GOST R 34.10-2012 (256) signature; the signer's
certificate in KeyInfo/X509Data. The element is written without whitespace between tags,
and nothing inside it may change after signing.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass

from lxml import etree

from .canonical import exclusive_c14n, reference_octets
from .certificates import CertificateInfo, read_certificate
from .errors import (
    KeyMaterialError,
    ReferenceNotFound,
    SignatureInvalid,
    TransformError,
)
from .gost import streebog256, verify_digest
from .transform import ALGORITHM as SMEV_TRANSFORM

logger = logging.getLogger(__name__)

DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
EXC_C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"
SIGNATURE_METHOD = (
    "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"
)
DIGEST_METHOD = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"
REFERENCE_TRANSFORMS = (EXC_C14N, SMEV_TRANSFORM)

_NSMAP = {"ds": DSIG_NS}
# xs:ID values are NCNames; this also keeps "#<id>" a plain same-document reference.
_NCNAME = re.compile(r"^[^\W\d][\w.\-]*$")


@dataclass(frozen=True)
class VerifiedSignature:
    """The outcome of a successful verify(): what was signed, and by which certificate."""

    reference_id: str
    digest_value: bytes
    certificate: CertificateInfo


def find_signed_element(element: etree._Element, reference_id: str) -> etree._Element:
    """The one element with `Id=reference_id`: `element` itself or one of its descendants.

    The Id must be unique in the whole document, or a verifier could resolve the reference to
    a different element than the one we hashed.
    """
    if not isinstance(reference_id, str) or not _NCNAME.match(reference_id):
        raise ValueError(f"reference id {reference_id!r} is not an XML NCName")

    root = element.getroottree().getroot()
    matches = root.xpath("//*[@Id = $rid]", rid=reference_id)
    if len(matches) > 1:
        raise ReferenceNotFound(
            f"Id {reference_id!r} occurs {len(matches)} times in the document"
        )

    candidates = element.xpath("descendant-or-self::*[@Id = $rid]", rid=reference_id)
    if not candidates:
        raise ReferenceNotFound(f"no element with Id {reference_id!r}")
    return candidates[0]


def build_signature(
    *,
    reference_id: str,
    digest: bytes,
    certificate_der: bytes,
    sign_octets: Callable[[bytes], bytes],
) -> etree._Element:
    """A `ds:Signature` over a reference whose digest is known; SignedInfo is signed here."""
    signature = etree.Element(_ds("Signature"), nsmap=_NSMAP)
    signed_info = etree.SubElement(signature, _ds("SignedInfo"))
    etree.SubElement(signed_info, _ds("CanonicalizationMethod"), Algorithm=EXC_C14N)
    etree.SubElement(signed_info, _ds("SignatureMethod"), Algorithm=SIGNATURE_METHOD)

    reference = etree.SubElement(signed_info, _ds("Reference"), URI=f"#{reference_id}")
    transforms = etree.SubElement(reference, _ds("Transforms"))
    for algorithm in REFERENCE_TRANSFORMS:
        etree.SubElement(transforms, _ds("Transform"), Algorithm=algorithm)
    etree.SubElement(reference, _ds("DigestMethod"), Algorithm=DIGEST_METHOD)
    etree.SubElement(reference, _ds("DigestValue")).text = _b64(digest)

    value = sign_octets(exclusive_c14n(signed_info))
    etree.SubElement(signature, _ds("SignatureValue")).text = _b64(value)

    key_info = etree.SubElement(signature, _ds("KeyInfo"))
    x509_data = etree.SubElement(key_info, _ds("X509Data"))
    etree.SubElement(x509_data, _ds("X509Certificate")).text = _b64(certificate_der)
    return signature


def verify(
    signature: etree._Element, signed_element: etree._Element
) -> VerifiedSignature:
    """Check a detached SMEV signature over `signed_element`; raises SignatureInvalid.

    Checks the profile, the reference digest and the GOST signature with the public key of
    the certificate in KeyInfo. It does not decide whether that certificate is trusted
    (chain, validity dates, revocation): the caller checks the returned certificate.
    """
    if signature.tag != _ds("Signature"):
        raise SignatureInvalid(f"expected ds:Signature, got {signature.tag}")

    signed_info = _one(signature, "SignedInfo")
    canonicalization = _one(signed_info, "CanonicalizationMethod")
    _expect_algorithm(canonicalization, EXC_C14N, "canonicalization method")
    _expect_algorithm(
        _one(signed_info, "SignatureMethod"), SIGNATURE_METHOD, "signature method"
    )

    reference_id, digest_value = _check_reference(
        _one(signed_info, "Reference"), signed_element
    )

    certificate = _certificate(signature)
    signature_value = _base64(_one(signature, "SignatureValue"), "SignatureValue")
    signed_info_octets = exclusive_c14n(
        signed_info, _inclusive_prefixes(canonicalization)
    )
    if not verify_digest(
        certificate.public_key, streebog256(signed_info_octets), signature_value
    ):
        raise SignatureInvalid(
            "signature value does not match SignedInfo and the certificate key"
        )

    logger.debug(
        "SMEV signature verified: reference=%s certificate_serial=%s",
        reference_id,
        certificate.serial_number,
    )
    return VerifiedSignature(reference_id, digest_value, certificate)


def _check_reference(
    reference: etree._Element, signed_element: etree._Element
) -> tuple[str, bytes]:
    element_id = signed_element.get("Id")
    if not element_id:
        raise SignatureInvalid("the signed element has no Id attribute")
    if reference.get("URI") != f"#{element_id}":
        raise SignatureInvalid(
            f"reference URI {reference.get('URI')!r} does not point at Id {element_id!r}"
        )
    same_id = (
        signed_element.getroottree().getroot().xpath("//*[@Id = $rid]", rid=element_id)
    )
    if len(same_id) != 1:
        raise SignatureInvalid(f"Id {element_id!r} is not unique in the document")

    transforms = tuple(
        t.get("Algorithm")
        for t in _one(reference, "Transforms").findall(_ds("Transform"))
    )
    if transforms != REFERENCE_TRANSFORMS:
        raise SignatureInvalid(f"unsupported reference transforms {transforms}")
    _expect_algorithm(_one(reference, "DigestMethod"), DIGEST_METHOD, "digest method")

    expected = _base64(_one(reference, "DigestValue"), "DigestValue")
    try:
        actual = streebog256(reference_octets(signed_element))
    except TransformError as exc:
        raise SignatureInvalid(f"signed element cannot be transformed: {exc}") from exc
    if not hmac.compare_digest(actual, expected):
        raise SignatureInvalid(
            "digest of the signed element does not match DigestValue"
        )
    return element_id, actual


def _certificate(signature: etree._Element) -> CertificateInfo:
    found = signature.findall(
        f"{_ds('KeyInfo')}/{_ds('X509Data')}/{_ds('X509Certificate')}"
    )
    if not found:
        raise SignatureInvalid("no KeyInfo/X509Data/X509Certificate in the signature")
    try:
        return read_certificate(_base64(found[0], "X509Certificate"))
    except KeyMaterialError as exc:
        raise SignatureInvalid(f"unusable signer certificate: {exc}") from exc


def _one(parent: etree._Element, local_name: str) -> etree._Element:
    found = parent.findall(_ds(local_name))
    if len(found) != 1:
        raise SignatureInvalid(
            f"expected exactly one ds:{local_name}, found {len(found)}"
        )
    return found[0]


def _expect_algorithm(element: etree._Element, expected: str, what: str) -> None:
    if element.get("Algorithm") != expected:
        raise SignatureInvalid(f"unsupported {what} {element.get('Algorithm')!r}")


def _inclusive_prefixes(canonicalization: etree._Element) -> list[str]:
    # The InclusiveNamespaces element lives in the exc-c14n namespace itself.
    inclusive = canonicalization.find(f"{{{EXC_C14N}}}InclusiveNamespaces")
    if inclusive is None:
        return []
    return (inclusive.get("PrefixList") or "").split()


def _base64(element: etree._Element, what: str) -> bytes:
    text = "".join((element.text or "").split())
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid(f"{what} is not valid base64") from exc


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _ds(local_name: str) -> str:
    return f"{{{DSIG_NS}}}{local_name}"

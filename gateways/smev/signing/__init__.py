"""SMEV 3 XML signatures: the SMEV transform, GOST XMLDSig signing and verification."""

from .canonical import exclusive_c14n, reference_octets
from .certificates import CertificateInfo, read_certificate, read_certificate_file
from .credentials import generate_test_credentials
from .errors import (
    KeyMaterialError,
    ReferenceNotFound,
    SignatureInvalid,
    SignerUnavailable,
    SigningFailed,
    SmevSignatureError,
    TransformError,
)
from .signers import (
    GostcryptoSigner,
    OpenSslGostSigner,
    Signer,
    XmlDsigSigner,
    make_signer,
    openssl_gost_available,
)
from .transform import smev_transform
from .xmldsig import (
    DIGEST_METHOD,
    DSIG_NS,
    EXC_C14N,
    SIGNATURE_METHOD,
    SMEV_TRANSFORM,
    VerifiedSignature,
    verify,
)

__all__ = [
    "DIGEST_METHOD",
    "DSIG_NS",
    "EXC_C14N",
    "SIGNATURE_METHOD",
    "SMEV_TRANSFORM",
    "CertificateInfo",
    "GostcryptoSigner",
    "KeyMaterialError",
    "OpenSslGostSigner",
    "ReferenceNotFound",
    "SignatureInvalid",
    "Signer",
    "SignerUnavailable",
    "SigningFailed",
    "SmevSignatureError",
    "TransformError",
    "VerifiedSignature",
    "XmlDsigSigner",
    "exclusive_c14n",
    "generate_test_credentials",
    "make_signer",
    "openssl_gost_available",
    "read_certificate",
    "read_certificate_file",
    "reference_octets",
    "smev_transform",
    "verify",
]

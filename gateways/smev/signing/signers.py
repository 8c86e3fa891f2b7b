"""Signers that produce SMEV 3 signatures: the interface and two GOST implementations.

A signer needs one primitive, `sign_octets()` (GOST R 34.10-2012 over the Streebog-256 hash
of some octets, returned as SMEV's `s || r`); the XMLDSig around it is shared. So a
production signer on a CryptoPro key (pycades) only has to implement that method.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
from abc import ABC, abstractmethod
from functools import lru_cache
from pathlib import Path
from typing import Literal, Protocol, runtime_checkable

from lxml import etree

from .canonical import reference_octets
from .certificates import (
    CertificateInfo,
    read_certificate,
    read_certificate_file,
    read_public_key_info,
)
from .errors import KeyMaterialError, SignerUnavailable, SigningFailed
from .gost import GostPrivateKey, sign_digest, streebog256
from .private_keys import read_private_key_file
from .xmldsig import build_signature, find_signed_element

logger = logging.getLogger(__name__)

SignerPreference = Literal["auto", "openssl", "gostcrypto"]

# The M1 message of GOST R 34.11-2012, used to prove the OpenSSL engine hashes correctly.
_PROBE = b"012345678901234567890123456789012345678901234567890123456789012"
_SIGNATURE_SIZE = 64


@runtime_checkable
class Signer(Protocol):
    """Makes detached SMEV signatures with one key and its certificate."""

    @property
    def certificate_der(self) -> bytes:
        """The signer's certificate (DER), as placed in KeyInfo."""
        ...

    def sign(self, element: etree._Element, *, reference_id: str) -> etree._Element:
        """A `ds:Signature` over the element with `Id=reference_id` (itself or a descendant)."""
        ...


class XmlDsigSigner(ABC):
    """The SMEV XMLDSig built around one signing primitive."""

    def __init__(self, certificate_der: bytes) -> None:
        self._certificate = read_certificate(certificate_der)

    @property
    def certificate_der(self) -> bytes:
        """The signer's certificate (DER), as placed in KeyInfo."""
        return self._certificate.der

    @property
    def certificate(self) -> CertificateInfo:
        """The parsed signer certificate (its subject may be a person: do not log it)."""
        return self._certificate

    def sign(self, element: etree._Element, *, reference_id: str) -> etree._Element:
        """A `ds:Signature` over the element with `Id=reference_id` (itself or a descendant).

        The caller places the result (e.g. into CallerInformationSystemSignature) and must not
        change the signed element or the signature afterwards.
        """
        signed = find_signed_element(element, reference_id)
        signature = build_signature(
            reference_id=reference_id,
            digest=self.digest(reference_octets(signed)),
            certificate_der=self.certificate_der,
            sign_octets=self._checked_sign_octets,
        )
        logger.debug(
            "SMEV signature made: reference=%s signer=%s certificate_serial=%s",
            reference_id,
            type(self).__name__,
            self._certificate.serial_number,
        )
        return signature

    def digest(self, data: bytes) -> bytes:
        """GOST R 34.11-2012 (256) hash of the reference octets."""
        return streebog256(data)

    @abstractmethod
    def sign_octets(self, data: bytes) -> bytes:
        """GOST R 34.10-2012 signature over streebog256(data), as `s || r` (64 bytes)."""

    def _checked_sign_octets(self, data: bytes) -> bytes:
        value = self.sign_octets(data)
        if len(value) != _SIGNATURE_SIZE:
            raise SigningFailed(f"signature value is {len(value)} bytes, expected 64")
        return value


class GostcryptoSigner(XmlDsigSigner):
    """Pure-Python signer (gostcrypto); about 30 ms a signature plus hashing."""

    def __init__(self, private_key: GostPrivateKey, certificate_der: bytes) -> None:
        super().__init__(certificate_der)
        if private_key.public_key() != self._certificate.public_key:
            raise KeyMaterialError("the private key does not match the certificate")
        self._private_key = private_key

    @classmethod
    def from_files(
        cls, key_path: Path | str, cert_path: Path | str
    ) -> GostcryptoSigner:
        """A signer from a PKCS#8 PEM key file and a PEM/DER certificate file."""
        return cls(read_private_key_file(key_path), read_certificate_file(cert_path))

    def sign_octets(self, data: bytes) -> bytes:
        """GOST R 34.10-2012 signature over streebog256(data), as `s || r` (64 bytes)."""
        return sign_digest(self._private_key, streebog256(data))


class OpenSslGostSigner(XmlDsigSigner):
    """Signer through the OpenSSL command line with the GOST engine (libengine-gost-openssl)."""

    # Above this size the reference octets are hashed by OpenSSL: a process start costs
    # about 5 ms, pure-Python Streebog about 4 ms per KiB.
    _NATIVE_DIGEST_FROM = 2048

    def __init__(
        self,
        key_path: Path | str,
        cert_path: Path | str,
        *,
        openssl: str = "openssl",
        timeout: float = 30.0,
    ) -> None:
        if not openssl_gost_available(openssl):
            raise SignerUnavailable(
                "OpenSSL with the GOST engine is not available "
                "(Debian package libengine-gost-openssl)"
            )
        super().__init__(read_certificate_file(cert_path))
        if not Path(key_path).is_file():
            raise KeyMaterialError(f"private key file {key_path} does not exist")
        self._openssl = shutil.which(openssl) or openssl
        self._key_path = str(Path(key_path).resolve())
        self._timeout = timeout

        try:
            public_der = self._run(
                ["pkey", "-in", self._key_path, "-pubout", "-outform", "DER"]
            )
        except SigningFailed as exc:
            raise KeyMaterialError(
                f"OpenSSL cannot read the private key: {exc}"
            ) from exc
        if read_public_key_info(public_der) != self._certificate.public_key:
            raise KeyMaterialError("the private key does not match the certificate")

    def digest(self, data: bytes) -> bytes:
        """GOST R 34.11-2012 (256) hash, by OpenSSL for large inputs."""
        if len(data) < self._NATIVE_DIGEST_FROM:
            return streebog256(data)
        return self._run(["dgst", "-md_gost12_256", "-binary"], data)

    def sign_octets(self, data: bytes) -> bytes:
        """GOST R 34.10-2012 signature over streebog256(data), as `s || r` (64 bytes)."""
        # `openssl dgst -sign` writes s || r, each big-endian: exactly SMEV's SignatureValue.
        return self._run(
            ["dgst", "-md_gost12_256", "-sign", self._key_path, "-binary"], data
        )

    def _run(self, arguments: list[str], data: bytes = b"") -> bytes:
        command = [self._openssl, arguments[0], "-engine", "gost", *arguments[1:]]
        try:
            result = subprocess.run(
                command,
                input=data,
                capture_output=True,
                timeout=self._timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise SigningFailed(f"openssl {arguments[0]} failed to run: {exc}") from exc

        if result.returncode != 0:
            detail = result.stderr.decode("utf-8", "replace").strip()[-500:]
            raise SigningFailed(
                f"openssl {arguments[0]} exited {result.returncode}: {detail}"
            )
        return result.stdout


@lru_cache(maxsize=8)
def openssl_gost_available(openssl: str = "openssl") -> bool:
    """Whether `openssl` with the GOST engine runs here and hashes GOST's own test vector."""
    executable = shutil.which(openssl)
    if executable is None:
        return False

    try:
        result = subprocess.run(
            [executable, "dgst", "-engine", "gost", "-md_gost12_256", "-binary"],
            input=_PROBE,
            capture_output=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return result.returncode == 0 and result.stdout == streebog256(_PROBE)


def make_signer(
    key_path: Path | str,
    cert_path: Path | str,
    prefer: SignerPreference = "auto",
) -> XmlDsigSigner:
    """A signer for a key file and its certificate; "auto" takes OpenSSL when it is there."""
    if prefer not in ("auto", "openssl", "gostcrypto"):
        raise ValueError(f"unknown signer preference {prefer!r}")

    if prefer == "openssl" or (prefer == "auto" and openssl_gost_available()):
        signer: XmlDsigSigner = OpenSslGostSigner(key_path, cert_path)
    else:
        signer = GostcryptoSigner.from_files(key_path, cert_path)

    logger.info(
        "SMEV signer ready: backend=%s certificate_serial=%s",
        type(signer).__name__,
        signer.certificate.serial_number,
    )
    return signer

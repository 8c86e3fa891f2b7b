"""Errors of the SMEV signature layer; messages are for logs and operators, in English."""

from __future__ import annotations


class SmevSignatureError(Exception):
    """Base of every error raised by the SMEV signature layer."""


class TransformError(SmevSignatureError):
    """The SMEV transform cannot process this XML (e.g. an element without a namespace)."""


class ReferenceNotFound(SmevSignatureError):
    """No single element carries the Id the signature should cover."""


class SignatureInvalid(SmevSignatureError):
    """A signature did not verify; `reason` says which check failed."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class KeyMaterialError(SmevSignatureError):
    """A private key or certificate file is unreadable or of an unsupported kind."""


class SignerUnavailable(SmevSignatureError):
    """The requested signer cannot run here (e.g. OpenSSL without the GOST engine)."""


class SigningFailed(SmevSignatureError):
    """The signing backend failed to produce a signature."""

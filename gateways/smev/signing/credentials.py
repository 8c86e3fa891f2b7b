"""A GOST test key and self-signed certificate for tests and the demo; never for production.

Files: `smev-test-key.pem` (unencrypted PKCS#8, see private_keys.py; mode 0600) and
`smev-test-cert.pem` (X.509 PEM). Both OpenSSL with the GOST engine and the pure-Python
signer read them. SMEV itself will not accept this certificate: it is not issued by an
accredited certification centre nor registered for an information system.
"""

from __future__ import annotations

import fcntl
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import pem

from .certificates import (
    make_self_signed_certificate,
    read_certificate,
    read_certificate_file,
)
from .errors import KeyMaterialError
from .gost import generate_private_key
from .private_keys import dump_private_key, read_private_key_file

logger = logging.getLogger(__name__)

KEY_FILE = "smev-test-key.pem"
CERT_FILE = "smev-test-cert.pem"

_VALIDITY = timedelta(days=3 * 365)
# Regenerate a certificate this close to its end, so a test run never meets an expiry.
_RENEW_BEFORE = timedelta(days=30)


def generate_test_credentials(
    directory: Path | str,
    *,
    common_name: str = "Тестовая ИС ЦОС",
    organization: str = "ЦОС (тестовый ключ)",
) -> tuple[Path, Path]:
    """(key_path, cert_path) in `directory`, reusing a still valid matching pair if present."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    key_path, cert_path = directory / KEY_FILE, directory / CERT_FILE

    # Parallel test workers may share the directory: one of them generates, the others wait.
    with open(directory / ".smev-test-credentials.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _usable(key_path, cert_path):
            return key_path, cert_path

        key = generate_private_key()
        now = datetime.now(UTC)
        certificate = make_self_signed_certificate(
            key,
            common_name=common_name,
            organization=organization,
            not_before=now - timedelta(days=1),
            not_after=now + _VALIDITY,
        )
        _write(key_path, dump_private_key(key), mode=0o600)
        _write(cert_path, pem.armor("CERTIFICATE", certificate), mode=0o644)

    logger.info(
        "generated a GOST test key and self-signed certificate in %s", directory
    )
    return key_path, cert_path


def _usable(key_path: Path, cert_path: Path) -> bool:
    if not (key_path.exists() and cert_path.exists()):
        return False
    try:
        key = read_private_key_file(key_path)
        certificate = read_certificate(read_certificate_file(cert_path))
    except KeyMaterialError:
        return False
    fresh = certificate.not_after - datetime.now(UTC) > _RENEW_BEFORE
    return fresh and key.public_key() == certificate.public_key


def _write(path: Path, data: bytes, *, mode: int) -> None:
    temporary = path.with_name(path.name + ".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as stream:
        stream.write(data)
    os.chmod(temporary, mode)
    os.replace(temporary, path)

"""Fixtures of the SMEV signature tests: generated GOST credentials and signers."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from gateways.smev.signing import (
    GostcryptoSigner,
    OpenSslGostSigner,
    generate_test_credentials,
    openssl_gost_available,
)

OPENSSL_MISSING = (
    "OpenSSL with the GOST engine is not available here "
    "(install the Debian package libengine-gost-openssl)"
)


def require_openssl_gost() -> None:
    """Skip the calling test when the OpenSSL GOST engine is missing."""
    if not openssl_gost_available():
        pytest.skip(OPENSSL_MISSING)


def openssl(*arguments: str, data: bytes = b"") -> bytes:
    """Run `openssl <command> -engine gost <arguments>`; its standard output."""
    result = subprocess.run(
        ["openssl", arguments[0], "-engine", "gost", *arguments[1:]],
        input=data,
        capture_output=True,
        check=True,
        timeout=30,
    )
    return result.stdout


@pytest.fixture(scope="session")
def credentials(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(key_path, cert_path) of a generated test key, shared by the session."""
    return generate_test_credentials(tmp_path_factory.mktemp("smev-credentials"))


@pytest.fixture(scope="session")
def other_credentials(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A second, unrelated test key and certificate."""
    return generate_test_credentials(tmp_path_factory.mktemp("smev-other-credentials"))


@pytest.fixture(scope="session")
def gostcrypto_signer(credentials: tuple[Path, Path]) -> GostcryptoSigner:
    return GostcryptoSigner.from_files(*credentials)


@pytest.fixture(scope="session")
def openssl_signer(credentials: tuple[Path, Path]) -> OpenSslGostSigner:
    require_openssl_gost()
    return OpenSslGostSigner(*credentials)

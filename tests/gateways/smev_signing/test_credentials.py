"""Generated GOST test credentials: format, reuse and renewal."""

from __future__ import annotations

import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

from asn1crypto import pem

from gateways.smev.signing import generate_test_credentials, read_certificate
from gateways.smev.signing.certificates import (
    make_self_signed_certificate,
    read_certificate_file,
)
from gateways.smev.signing.private_keys import read_private_key_file


def test_files_are_pem_and_the_key_is_private(credentials: tuple[Path, Path]) -> None:
    key_path, cert_path = credentials

    assert key_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert cert_path.read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert stat.S_IMODE(key_path.stat().st_mode) == 0o600


def test_certificate_matches_the_key(credentials: tuple[Path, Path]) -> None:
    key_path, cert_path = credentials

    certificate = read_certificate(read_certificate_file(cert_path))

    assert certificate.public_key == read_private_key_file(key_path).public_key()
    assert certificate.subject == certificate.issuer
    assert certificate.not_before < datetime.now(UTC) < certificate.not_after


def test_second_call_reuses_the_files(tmp_path: Path) -> None:
    first = generate_test_credentials(tmp_path)
    contents = [path.read_bytes() for path in first]

    second = generate_test_credentials(tmp_path)

    assert second == first
    assert [path.read_bytes() for path in second] == contents


def test_mismatched_or_expiring_pair_is_replaced(
    tmp_path: Path, other_credentials
) -> None:
    key_path, cert_path = generate_test_credentials(tmp_path)
    cert_path.write_bytes(other_credentials[1].read_bytes())

    generate_test_credentials(tmp_path)
    repaired = read_certificate(read_certificate_file(cert_path))

    assert repaired.public_key == read_private_key_file(key_path).public_key()

    key = read_private_key_file(key_path)
    now = datetime.now(UTC)
    expiring = make_self_signed_certificate(
        key,
        common_name="Тест",
        organization="Тест",
        not_before=now - timedelta(days=400),
        not_after=now + timedelta(days=2),
    )
    cert_path.write_bytes(pem.armor("CERTIFICATE", expiring))

    generate_test_credentials(tmp_path)
    renewed = read_certificate(read_certificate_file(cert_path))

    assert renewed.not_after > now + timedelta(days=365)

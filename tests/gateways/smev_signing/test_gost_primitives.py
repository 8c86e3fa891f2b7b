"""GOST R 34.11-2012 / 34.10-2012 primitives, key files and their byte orders."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateways.smev.signing.certificates import read_certificate, read_certificate_file
from gateways.smev.signing.errors import KeyMaterialError
from gateways.smev.signing.gost import (
    generate_private_key,
    sign_digest,
    streebog256,
    verify_digest,
)
from gateways.smev.signing.private_keys import (
    dump_private_key,
    load_private_key,
    read_private_key_file,
)

from .conftest import openssl, require_openssl_gost

# GOST R 34.11-2012, Appendix A: message M1 (the standard writes it as the number
# 0x3231...30, i.e. these bytes) and message M2 (cp1251 text from "Слово о полку Игореве").
M1 = b"012345678901234567890123456789012345678901234567890123456789012"
M1_HASH_256 = "9d151eefd8590b89daa6ba6cb74af9275dd051026bb149a452fd84e5e57b5500"
M2 = "Се ветри, Стрибожи внуци, веютъ с моря стрелами на храбрыя плъкы Игоревы".encode(
    "cp1251"
)
M2_HASH_256 = "9dd2fe4e90409e5da87f53976d7405b0c0cac628fc669a741d50063c557e8f50"


def test_streebog256_matches_the_standard_examples() -> None:
    assert streebog256(M1).hex() == M1_HASH_256
    assert streebog256(M2).hex() == M2_HASH_256


def test_sign_and_verify_a_digest() -> None:
    key = generate_private_key()
    public_key = key.public_key()
    digest = streebog256(b"some octets")

    value = sign_digest(key, digest)

    assert len(value) == 64
    assert verify_digest(public_key, digest, value)
    assert not verify_digest(public_key, streebog256(b"other octets"), value)
    assert not verify_digest(public_key, digest, value[32:] + value[:32])
    assert not verify_digest(generate_private_key().public_key(), digest, value)
    assert not verify_digest(public_key, digest, value[:63])


def test_private_key_pem_round_trip_and_format() -> None:
    key = generate_private_key()

    pem = dump_private_key(key)

    assert pem.startswith(b"-----BEGIN PRIVATE KEY-----")
    assert load_private_key(pem) == key


def test_foreign_key_files_are_refused(tmp_path: Path) -> None:
    encrypted = tmp_path / "encrypted.pem"
    encrypted.write_bytes(
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n"
    )

    with pytest.raises(KeyMaterialError, match="ENCRYPTED PRIVATE KEY"):
        read_private_key_file(encrypted)
    with pytest.raises(KeyMaterialError, match="cannot read"):
        read_private_key_file(tmp_path / "missing.pem")
    with pytest.raises(KeyMaterialError, match="unreadable"):
        load_private_key(b"\x30\x03\x02\x01\x00")


# --- the same conventions, proved against an independent implementation (OpenSSL) -------


def test_streebog256_matches_openssl() -> None:
    require_openssl_gost()
    data = bytes(range(256)) * 5

    assert openssl("dgst", "-md_gost12_256", "-binary", data=data) == streebog256(data)


def test_openssl_signature_verifies_with_our_byte_order(
    credentials: tuple[Path, Path],
) -> None:
    require_openssl_gost()
    key_path, cert_path = credentials
    data = b"<ds:SignedInfo>octets</ds:SignedInfo>"

    value = openssl("dgst", "-md_gost12_256", "-sign", str(key_path), data=data)
    public_key = read_certificate(read_certificate_file(cert_path)).public_key

    assert verify_digest(public_key, streebog256(data), value)


def test_our_signature_verifies_in_openssl(
    credentials: tuple[Path, Path], tmp_path: Path
) -> None:
    require_openssl_gost()
    key_path, cert_path = credentials
    data = b"<ds:SignedInfo>octets</ds:SignedInfo>"
    (tmp_path / "sig.bin").write_bytes(
        sign_digest(read_private_key_file(key_path), streebog256(data))
    )
    (tmp_path / "pub.pem").write_bytes(
        openssl("x509", "-in", str(cert_path), "-noout", "-pubkey")
    )

    out = openssl(
        "dgst",
        "-md_gost12_256",
        "-verify",
        str(tmp_path / "pub.pem"),
        "-signature",
        str(tmp_path / "sig.bin"),
        data=data,
    )

    assert b"Verified OK" in out


def test_openssl_reads_our_key_and_verifies_our_certificate(
    credentials: tuple[Path, Path],
) -> None:
    require_openssl_gost()
    key_path, cert_path = credentials

    from_key = openssl("pkey", "-in", str(key_path), "-pubout")
    from_cert = openssl("x509", "-in", str(cert_path), "-noout", "-pubkey")
    verified = openssl("verify", "-CAfile", str(cert_path), str(cert_path))

    assert from_key == from_cert
    assert b": OK" in verified


@pytest.mark.parametrize("paramset", ["A", "B", "C", "TCA"])
def test_openssl_keys_of_every_256_bit_curve(paramset: str, tmp_path: Path) -> None:
    require_openssl_gost()
    key_file = tmp_path / "key.pem"
    key_file.write_bytes(
        openssl(
            "genpkey", "-algorithm", "gost2012_256", "-pkeyopt", f"paramset:{paramset}"
        )
    )
    (tmp_path / "pub.pem").write_bytes(openssl("pkey", "-in", str(key_file), "-pubout"))
    data = b"octets"
    (tmp_path / "sig.bin").write_bytes(
        sign_digest(read_private_key_file(key_file), streebog256(data))
    )

    out = openssl(
        "dgst",
        "-md_gost12_256",
        "-verify",
        str(tmp_path / "pub.pem"),
        "-signature",
        str(tmp_path / "sig.bin"),
        data=data,
    )

    assert b"Verified OK" in out

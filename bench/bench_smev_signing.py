"""Time per SMEV signature (and per verification) for each signer available here.

Usage: .venv/bin/python bench/bench_smev_signing.py [--rounds N] [--payload-kib K]
Prints mean and p95 in milliseconds; the request carries K KiB of business text.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from gateways.smev.signing import (
    GostcryptoSigner,
    OpenSslGostSigner,
    XmlDsigSigner,
    generate_test_credentials,
    openssl_gost_available,
    verify,
)

TYPES = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.3"
BASIC = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.3"


def request(payload_kib: int) -> etree._Element:
    """An invented SenderProvidedRequestData with `payload_kib` KiB of text."""
    root = etree.Element(
        f"{{{TYPES}}}SenderProvidedRequestData", Id="SIGNED_BY_CONSUMER"
    )
    etree.SubElement(
        root, f"{{{TYPES}}}MessageID"
    ).text = "0d5a8f4e-2f3a-11ef-9a1b-0242ac120002"
    content = etree.SubElement(root, f"{{{BASIC}}}MessagePrimaryContent")
    business = etree.SubElement(content, "{urn://example.org/bench/1.0}request")
    for index in range(max(1, payload_kib * 1024 // 64)):
        item = etree.SubElement(
            business, "{urn://example.org/bench/1.0}item", n=str(index)
        )
        item.text = "Тестовые данные & <символы> для замера " + "x" * 8
    return root


def timings(action: Callable[[], object], rounds: int) -> list[float]:
    """Milliseconds of each of `rounds` calls, after one warm-up call."""
    action()
    result = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        result.append((time.perf_counter() - started) * 1000)
    return result


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--payload-kib", type=int, default=2)
    arguments = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        key_path, cert_path = generate_test_credentials(Path(directory))
        signers: dict[str, XmlDsigSigner] = {
            "gostcrypto": GostcryptoSigner.from_files(key_path, cert_path)
        }
        if openssl_gost_available():
            signers["openssl"] = OpenSslGostSigner(key_path, cert_path)
        else:
            print(
                "openssl: skipped (no GOST engine; Debian package libengine-gost-openssl)"
            )

        element = request(arguments.payload_kib)
        print(
            f"payload {arguments.payload_kib} KiB, {arguments.rounds} rounds, times in ms"
        )
        for name, signer in signers.items():
            signature = signer.sign(element, reference_id="SIGNED_BY_CONSUMER")
            for what, action in (
                (
                    "sign",
                    lambda s=signer: s.sign(element, reference_id="SIGNED_BY_CONSUMER"),
                ),
                ("verify", lambda s=signature: verify(s, element)),
            ):
                values = timings(action, arguments.rounds)
                print(
                    f"{name:<11} {what:<7} mean {statistics.fmean(values):7.1f}"
                    f"   p95 {p95(values):7.1f}"
                )
    return 0


if __name__ == "__main__":
    sys.exit(main())

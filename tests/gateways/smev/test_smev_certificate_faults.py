"""Certificate expiry and renewal (smev.md §7 #10): CertificateIsExpired and
SenderIsNotRegistered are "certificate/registration", never retried; the exchange alerts
well before the signing certificate expires."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from gateways.smev.client import SmevClient
from gateways.smev.errors import (
    CERTIFICATE_OR_REGISTRATION,
    SmevCertificateFault,
    SmevRejectingFault,
    SoapFault,
    fault_error,
)
from gateways.smev.signing import (
    generate_test_credentials,
    make_signer,
    read_certificate,
    read_certificate_file,
)
from tsos.clock import FixedClock
from tsos.smev_exchange import CERTIFICATE_WARNING, ExchangeConfig, SmevExchange


@pytest.mark.parametrize("fault", [
    SoapFault("soap:Server", name="SenderIsNotRegistered"),
    SoapFault("soap:Server", name="SignatureVerificationFault", reason="CertificateIsExpired"),
    SoapFault("soap:Server", name="SignatureVerificationFault",
              reason="CertificateIsNotFound"),
])
def test_certificate_and_registration_faults(fault: SoapFault) -> None:
    error = fault_error(fault)
    assert isinstance(error, SmevCertificateFault)
    assert not error.retryable and error.category == CERTIFICATE_OR_REGISTRATION
    assert error.error_type == fault.name
    assert CERTIFICATE_OR_REGISTRATION in str(error)


@pytest.mark.parametrize("reason", ["SignatureIsInvalid", "PoorSOAPEnvelopeFormat"])
def test_our_own_signature_bugs_are_not_certificate_faults(reason: str) -> None:
    error = fault_error(SoapFault("soap:Server", name="SignatureVerificationFault",
                                  reason=reason))
    assert type(error) is SmevRejectingFault and error.category is None
    assert not error.retryable


def _exchange(now: datetime) -> SmevExchange:
    return SmevExchange(ExchangeConfig(database_url="postgresql://unused/x",
                                       region_oktmo="67000000", answer_alert_minutes=30),
                        lambda: None, None, FixedClock(now))  # type: ignore[arg-type]


def _client(expires_at: datetime | None) -> SmevClient:
    return SimpleNamespace(certificate_expires_at=expires_at)  # type: ignore[return-value]


@pytest.mark.parametrize(("left", "alerted"), [
    (timedelta(days=90), None), (CERTIFICATE_WARNING - timedelta(days=1), "expires in"),
    (timedelta(days=-1), "has expired")])
def test_the_certificate_is_alerted_before_it_expires(caplog, left, alerted) -> None:
    now = datetime(2026, 12, 7, tzinfo=UTC)
    with caplog.at_level(logging.ERROR, logger="tsos.smev_exchange"):
        assert _exchange(now)._check_certificate(_client(now + left)) == left
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    if alerted is None:
        assert messages == []
    else:
        assert len(messages) == 1 and alerted in messages[0]


def test_a_real_signer_gives_its_certificate_expiry(tmp_path) -> None:
    key_path, cert_path = generate_test_credentials(tmp_path / "key")
    client = SmevClient("http://127.0.0.1:9/smev", signer=make_signer(key_path, cert_path))
    certificate = read_certificate(read_certificate_file(cert_path))
    assert client.certificate_expires_at == certificate.not_after
    assert SmevClient("http://127.0.0.1:9/smev").certificate_expires_at is None
    assert _exchange(datetime.now(UTC))._check_certificate(
        SmevClient("http://127.0.0.1:9/smev")) is None

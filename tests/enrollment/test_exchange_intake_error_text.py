"""A failed intake keeps the kind of failure and ids, never the exception's text, which may
quote personal data (a database error's DETAIL quotes the row)."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import IntegrityError

from gateways.smev import namespaces as ns
from tests.enrollment.exchange_support import bare_exchange
from tsos.db.enrollment import SmevInboxMessage
from tsos.db.models import Person
from tsos.db.session import session_scope
from tsos.smev_exchange import safe_failure

SURNAME = "Секретнова"
SNILS = "11223344595"


def _duplicate_snils(database_url: str) -> IntegrityError:
    with session_scope(database_url) as session:
        session.add(Person(surname="Первая", name="Анна", snils=SNILS, match_key="первая анна"))
    with pytest.raises(IntegrityError) as caught, session_scope(database_url) as session:
        session.add(Person(surname=SURNAME, name="Анна", snils=SNILS,
                           match_key="секретнова анна"))
        session.flush()
    return caught.value


def test_a_database_error_is_described_by_kind_and_place(database_url) -> None:
    error = _duplicate_snils(database_url)
    assert SNILS in str(error)  # DETAIL quotes the row
    described = safe_failure(error)
    assert described.startswith("UniqueViolation (SQLSTATE 23505, table persons")
    assert " at " in described and SNILS not in described and SURNAME not in described


def test_any_other_error_is_described_by_its_type() -> None:
    try:
        raise ValueError(f"{SURNAME} {SNILS}")
    except ValueError as exc:
        described = safe_failure(exc)
    assert described.startswith("ValueError at ") and "test_any_other_error" in described
    assert SURNAME not in described and SNILS not in described


@pytest.mark.parametrize("kind", ["database", "other"])
def test_the_stored_error_and_the_log_quote_nothing(database_url, monkeypatch, caplog,
                                                    kind) -> None:
    import tsos.smev_exchange as exchange_module

    database_error = _duplicate_snils(database_url) if kind == "database" else None

    def process(session, inbox, **kwargs):  # type: ignore[no-untyped-def]
        if database_error is not None:
            raise database_error
        raise ValueError(f"ребёнок {SURNAME}, СНИЛС {SNILS}")

    monkeypatch.setattr(exchange_module, "process_message", process)
    with session_scope(database_url) as session:
        inbox = SmevInboxMessage(message_id=ns.new_message_id(), reply_to="opaque",
                                 received_at=datetime.now(UTC), raw=b"<x/>", payload=None)
        session.add(inbox)
        session.flush()
        inbox_id = inbox.id

    exchange = bare_exchange(database_url, lambda: None, answer_alert_minutes=30)
    with caplog.at_level(logging.DEBUG, logger="tsos.smev_exchange"):
        exchange._intake_messages(10, isolated=True)

    with session_scope(database_url) as session:
        stored = session.get(SmevInboxMessage, inbox_id)
        assert stored.state == "failed" and stored.outcome.startswith("failed:answered_")
        error = stored.error
    expected = "UniqueViolation" if kind == "database" else "ValueError"
    assert error.startswith(expected) and " at " in error
    assert SNILS not in error and SURNAME not in error

    failed = [r for r in caplog.records if r.getMessage() == "intake failed"]
    assert len(failed) == 1 and failed[0].inbox_id == inbox_id
    assert failed[0].levelno == logging.ERROR and failed[0].error == error
    for record in caplog.records:
        text = record.getMessage() + repr(record.__dict__) + (record.exc_text or "")
        assert SNILS not in text and SURNAME not in text

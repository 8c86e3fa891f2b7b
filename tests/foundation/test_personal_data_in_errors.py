"""A database error reaches logs, Temporal and staff without the values of the row."""

from __future__ import annotations

import io
import logging
import os
import time

import pytest
from sqlalchemy.exc import IntegrityError
from temporalio.exceptions import ActivityError, ApplicationError, RetryState

from activities.refusals import failure_kind, find_refusal, refused
from tsos.db.errors import describe_database_error
from tsos.db.models import Person
from tsos.db.session import session_scope
from tsos.logs import JsonFormatter, TextFormatter
from tsos.worker import SafeDatabaseErrors, build_workers, safe_database_failure

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


def test_bound_values_stay_out_of_the_error_text(database_url) -> None:
    error = _duplicate_snils(database_url)

    # The statement's parameters (the surname among them) are not rendered...
    assert SURNAME not in str(error)
    assert "parameters hidden" in str(error)
    # ...and the description kept for Temporal and staff names no value at all.
    described = describe_database_error(error)
    assert described.startswith("UniqueViolation (SQLSTATE 23505, table persons")
    assert SNILS not in described and SURNAME not in described


@pytest.mark.parametrize("formatter", [TextFormatter(), JsonFormatter()],
                         ids=["text", "json"])
def test_a_logged_database_error_quotes_no_row(database_url, formatter) -> None:
    error = _duplicate_snils(database_url)
    # PostgreSQL's DETAIL quotes the key: the raw error text holds the SNILS.
    assert SNILS in str(error)

    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    logger = logging.getLogger("tests.personal-data")
    logger.addHandler(handler)
    try:
        try:
            raise error
        except IntegrityError as exc:
            logger.exception("insert failed: %s", exc)
    finally:
        logger.removeHandler(handler)

    logged = stream.getvalue()
    assert "UniqueViolation" in logged and "Traceback" in logged
    assert SNILS not in logged and SURNAME not in logged


def test_the_worker_describes_an_activity_database_error(database_url) -> None:
    error = _duplicate_snils(database_url)
    failure = safe_database_failure(error)
    assert failure.type == "UniqueViolation" and not failure.non_retryable
    assert SNILS not in failure.message and failure.__cause__ is None


async def test_every_worker_carries_the_safe_errors_interceptor(settings, database_url,
                                                                temporal_env) -> None:
    workers = build_workers(temporal_env.client, settings, database_url)
    assert workers
    for worker in workers:
        interceptors = worker._config["interceptors"]  # type: ignore[attr-defined]
        assert any(isinstance(i, SafeDatabaseErrors) for i in interceptors)


def _activity_error(cause: BaseException) -> ActivityError:
    error = ActivityError("activity failed", scheduled_event_id=1, started_event_id=2,
                          identity="w", activity_type="apply_transition", activity_id="1",
                          retry_state=RetryState.NON_RETRYABLE_FAILURE)
    error.__cause__ = cause
    return error


def test_a_fault_keeps_our_text_of_a_refusal_and_only_the_kind_of_a_failure() -> None:
    refusal = refused("Переход из «confirmed» по событию «invite» не допускается.",
                      type="TransitionNotAllowed")
    assert find_refusal(_activity_error(refusal)).message.startswith("Переход")

    leaked = ApplicationError(f'duplicate key\nDETAIL:  Key (snils)=({SNILS}) already exists.',
                              type="UniqueViolation")
    assert find_refusal(_activity_error(leaked)) is None
    assert failure_kind(leaked) == "UniqueViolation"


def test_the_embedded_servers_own_log_quotes_no_row(database_url) -> None:
    from tests.conftest import TEST_DATA_DIR

    if os.environ.get("DATABASE_URL"):
        pytest.skip("DATABASE_URL names an outside server: its log is its operator's")
    server_log = TEST_DATA_DIR / "pg" / "log"
    start = server_log.stat().st_size

    _duplicate_snils(database_url)

    # The server writes its log as it goes; the error line proves this error has reached it.
    deadline = time.monotonic() + 5
    while True:
        with server_log.open("rb") as log_file:
            log_file.seek(start)
            written = log_file.read().decode("utf-8", "replace")
        if "duplicate key" in written or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert "duplicate key" in written
    assert SNILS not in written and SURNAME not in written

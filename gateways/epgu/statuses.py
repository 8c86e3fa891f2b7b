"""The status table of a payload contract: our internal states mapped to portal codes."""

from __future__ import annotations

import csv
import io
import string
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum


class CodeKind(StrEnum):
    """Which element of `statusCode` carries the number."""

    TECH_CODE = "techCode"
    ORG_CODE = "orgCode"


class StatusTableError(ValueError):
    """The status table file is malformed; raised when it is loaded."""


class UnknownState(KeyError):
    """No row of the status table has this internal state."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


class MissingPlaceholder(ValueError):
    """A comment template needs values that were not given."""

    def __init__(self, state: str, names: tuple[str, ...]) -> None:
        super().__init__(f"status {state!r} needs placeholders: {', '.join(names)}")
        self.state = state
        self.names = names


@dataclass(frozen=True)
class StatusRow:
    code_kind: CodeKind
    code: int
    state: str
    template: str
    cancel_allowed: bool
    terminal: bool

    @property
    def placeholders(self) -> tuple[str, ...]:
        """Names of the `{placeholders}` of the comment template, in order of appearance."""
        names: list[str] = []
        for _, name, _, _ in string.Formatter().parse(self.template):
            if name is not None and name not in names:
                names.append(name)
        return tuple(names)

    def fill(self, values: Mapping[str, str]) -> str:
        """Return the comment with every placeholder filled; refuse if any is missing.

        Values must be already formatted strings: a date or a number passed as is would
        be printed in the wrong form and reach the parent.
        """
        missing = tuple(
            name
            for name in self.placeholders
            if not str(values.get(name) or "").strip()
        )
        if missing:
            raise MissingPlaceholder(self.state, missing)

        for name in self.placeholders:
            if not isinstance(values[name], str):
                raise TypeError(
                    f"placeholder {name!r} of status {self.state!r} must be a formatted str"
                )
        return self.template.format_map(
            {name: values[name] for name in self.placeholders}
        )


class StatusTable:
    """Rows of a status table, looked up by internal state or by code."""

    def __init__(self, rows: list[StatusRow]) -> None:
        self._by_state: dict[str, StatusRow] = {}
        self._by_code: dict[tuple[CodeKind, int], StatusRow] = {}
        for row in rows:
            if row.state in self._by_state:
                raise StatusTableError(f"state {row.state!r} appears twice")
            if (row.code_kind, row.code) in self._by_code:
                raise StatusTableError(f"{row.code_kind} {row.code} appears twice")
            self._by_state[row.state] = row
            self._by_code[(row.code_kind, row.code)] = row

    @classmethod
    def from_csv(cls, text: str) -> StatusTable:
        reader = csv.DictReader(io.StringIO(text))
        expected = [
            "code_kind",
            "code",
            "state",
            "text_ru",
            "cancel_allowed",
            "terminal",
        ]
        if reader.fieldnames != expected:
            raise StatusTableError(
                f"columns must be {expected}, got {reader.fieldnames}"
            )
        return cls(
            [_row_from_record(record, line) for line, record in enumerate(reader, 2)]
        )

    def by_state(self, state: str) -> StatusRow:
        try:
            return self._by_state[state]
        except KeyError:
            raise UnknownState(state) from None

    def by_code(self, code_kind: CodeKind, code: int) -> StatusRow | None:
        return self._by_code.get((code_kind, code))

    @property
    def states(self) -> tuple[str, ...]:
        return tuple(self._by_state)

    def __iter__(self) -> Iterator[StatusRow]:
        return iter(self._by_state.values())

    def __len__(self) -> int:
        return len(self._by_state)

    def __contains__(self, state: object) -> bool:
        return state in self._by_state


def _row_from_record(record: dict[str, str], line: int) -> StatusRow:
    try:
        row = StatusRow(
            code_kind=CodeKind(record["code_kind"]),
            code=int(record["code"]),
            state=record["state"],
            template=record["text_ru"],
            cancel_allowed=_boolean(record["cancel_allowed"]),
            terminal=_boolean(record["terminal"]),
        )
        _ = row.placeholders  # a malformed template fails here, at load, not at send
    except (ValueError, KeyError) as error:
        raise StatusTableError(f"line {line}: {error}") from error

    if not row.state or not row.template.strip():
        raise StatusTableError(f"line {line}: state and text_ru must not be empty")
    return row


def _boolean(value: str) -> bool:
    if value == "true":
        return True
    if value == "false":
        return False
    raise ValueError(f"expected true or false, got {value!r}")

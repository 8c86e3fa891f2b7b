"""Compiling XML schemas safely in a process with many threads."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")

# libxml2 sets up its schema machinery lazily, on the first schema compiled, and that set-up
# is not thread-safe: sixteen activity threads compiling their first schema at once have
# crashed a worker. Compiling is rare (once per thread and schema), so it is done one at a
# time, process-wide; validating with a compiled schema needs no lock.
_COMPILE = threading.Lock()


def compile_schema(build: Callable[[], T]) -> T:
    """Run `build` (which compiles an XMLSchema) while no other thread compiles one."""
    with _COMPILE:
        return build()

"""Engines and sessions, one engine per database URL per process."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache

from sqlalchemy import Engine, create_engine
from sqlalchemy.orm import Session, sessionmaker


def sqlalchemy_url(url: str) -> str:
    """Accept the plain `postgresql://` form everywhere and use the psycopg 3 driver."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@lru_cache(maxsize=16)
def get_engine(url: str) -> Engine:
    # hide_parameters: an error's text (logged, or carried by a Temporal failure) must not
    # quote the values of a row, which are people's names, birth dates and documents.
    return create_engine(sqlalchemy_url(url), pool_pre_ping=True, pool_size=10,
                         max_overflow=20, hide_parameters=True)


@lru_cache(maxsize=16)
def _factory(url: str) -> sessionmaker[Session]:
    return sessionmaker(get_engine(url), expire_on_commit=False)


@contextmanager
def session_scope(url: str) -> Iterator[Session]:
    """A unit of work: commits on success, rolls back on any error."""
    session = _factory(url)()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

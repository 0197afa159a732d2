"""The engine and sessions (DESIGN.md §8).

SQLite is tuned so that concurrent writers queue instead of failing: WAL, a long
`busy_timeout`, and write transactions that begin IMMEDIATE, so the write lock is taken
up front and never upgraded mid-transaction (the upgrade is what raises "database is
locked" in spite of busy_timeout). Read-only requests use a deferred BEGIN and run
beside the writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session

from models.settings import get_settings

READONLY = "donthu_readonly"


def _make_engine(url: str) -> Engine:
    settings = get_settings()
    if url.startswith("sqlite"):
        path = make_url(url).database
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 60},
            pool_size=settings.pool_size,
            max_overflow=20,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite would defer it).
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            readonly = conn.get_execution_options().get(READONLY, False)
            conn.exec_driver_sql("BEGIN" if readonly else "BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_size=settings.pool_size, max_overflow=20, pool_pre_ping=True)


@lru_cache
def get_engine(url: str | None = None) -> Engine:
    return _make_engine(url or get_settings().database_url)


@lru_cache(maxsize=16)
def _readonly(engine: Engine) -> Engine:
    """One read-only view per engine, instead of a new OptionEngine on every GET (issue 7)."""
    return engine.execution_options(**{READONLY: True})


def new_session(readonly: bool = False, engine: Engine | None = None) -> Session:
    eng = engine or get_engine()
    if readonly:
        eng = _readonly(eng)
    return Session(eng, expire_on_commit=False)


@contextmanager
def session_scope(readonly: bool = False, engine: Engine | None = None) -> Iterator[Session]:
    """A unit of work outside a request (CLI, scheduler): commit or roll back as one."""
    session = new_session(readonly, engine)
    try:
        yield session
        if readonly:
            session.rollback()
        else:
            session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

"""The async engine and sessions over the configured database URL."""

from __future__ import annotations

import time
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

# Operators write plain URLs; the gateway needs the asyncio driver of each backend.
_ASYNC_DRIVERS = {"sqlite": "aiosqlite", "postgresql": "asyncpg", "mysql": "aiomysql"}
# A server connection that was in use this recently is handed out as it is; one that sat
# longer in the pool is pinged first, and replaced if the server dropped it meanwhile.
PING_AFTER_IDLE = 1.0
_RETURNED_AT = "tricircle_returned_at"


def async_url(url: str | URL) -> URL:
    """Return `url` with the asyncio driver of its backend (``mysql`` -> ``mysql+aiomysql``)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "mariadb":
        backend = "mysql"
    if backend not in _ASYNC_DRIVERS:
        raise ValueError(f"unsupported database backend {backend!r}")
    return parsed.set(drivername=f"{backend}+{_ASYNC_DRIVERS[backend]}")


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets readers go on while a writer commits; the timeout rides out short write bursts.
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def _ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pings a connection that sat in the pool `idle_seconds` or more before handing it
    out; a failed ping makes the pool replace it. Unlike pool_pre_ping, a connection in
    steady use goes without: the ping is a round trip (three on asyncpg: BEGIN, ';',
    ROLLBACK) on every checkout, more than most of the gateway's transactions cost. A
    connection that is not pinged and turns out dropped fails its one request, and the
    error invalidates every connection the pool held before it."""
    dialect = engine.sync_engine.dialect

    def returned(_dbapi_connection: Any, record: Any) -> None:
        record.info[_RETURNED_AT] = time.monotonic()

    def handed_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # a new connection has no time in the pool: it was made just now
        returned_at = record.info.get(_RETURNED_AT)
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return
        try:
            dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("dropped while idle in the pool") from exc

    event.listen(engine.sync_engine.pool, "checkin", returned)
    event.listen(engine.sync_engine.pool, "checkout", handed_out)


def create_engine(
    url: str | URL, *, ping_after_idle: float = PING_AFTER_IDLE, **kwargs: Any
) -> AsyncEngine:
    target = async_url(url)
    if target.get_backend_name() == "sqlite":
        engine = create_async_engine(target, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    engine = create_async_engine(target, pool_recycle=3600, **kwargs)
    _ping_when_idle(engine, ping_after_idle)
    return engine


class Database:
    """One engine and its session factory, shared by everything in a process."""

    def __init__(self, url: str | URL, **engine_kwargs: Any) -> None:
        self.url = async_url(url)
        self.engine = create_engine(self.url, **engine_kwargs)
        self.session = async_sessionmaker(self.engine, expire_on_commit=False, class_=AsyncSession)

    @property
    def backend(self) -> str:
        return self.url.get_backend_name()

    async def dispose(self) -> None:
        await self.engine.dispose()

"""Server connections the server dropped: replaced before use after they sat idle in the
pool; in steady use, the one request that meets the drop fails and the next gets a new
connection."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text
from sqlalchemy.engine import make_url

from tricircle.db.engine import Database, create_engine

# each server's id of the current connection, and how another connection ends it
_SESSION = {
    "postgresql": ("SELECT pg_backend_pid()", "SELECT pg_terminate_backend({})"),
    "mysql": ("SELECT CONNECTION_ID()", "KILL {}"),
}


async def _served_by(db: Database) -> int:
    async with db.engine.connect() as connection:
        return int(await connection.scalar(text(_SESSION[db.backend][0])))


async def _drop_from_the_server(url: str, session_id: int) -> None:
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            backend = make_url(url).get_backend_name()
            await connection.execute(text(_SESSION[backend][1].format(session_id)))
    finally:
        await admin.dispose()


# only servers drop connections: the embedded SQLite has none
on_servers = pytest.mark.parametrize("database_url", ["postgresql", "mariadb"], indirect=True)


@on_servers
async def test_a_connection_dropped_while_idle_is_replaced_before_use(database_url: str) -> None:
    db = Database(database_url, ping_after_idle=0.0, pool_size=1, max_overflow=0)
    try:
        dropped = await _served_by(db)
        await _drop_from_the_server(database_url, dropped)
        assert await _served_by(db) != dropped
    finally:
        await db.dispose()


@on_servers
async def test_a_connection_in_steady_use_fails_one_request_then_is_replaced(
    database_url: str,
) -> None:
    db = Database(database_url, ping_after_idle=3600.0, pool_size=1, max_overflow=0)
    try:
        dropped = await _served_by(db)
        await _drop_from_the_server(database_url, dropped)
        with pytest.raises(exc.DBAPIError) as failed:
            await _served_by(db)
        assert failed.value.connection_invalidated
        assert await _served_by(db) != dropped
    finally:
        await db.dispose()

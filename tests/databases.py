"""Throw-away databases on SQLite, PostgreSQL and MariaDB for the storage tests."""

from __future__ import annotations

import asyncio
import os
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.requirements import unavailable
from tricircle.db import migrate
from tricircle.db.engine import create_engine

SERVER_URLS = {
    "postgresql": os.environ.get(
        "TRICIRCLE_TEST_POSTGRESQL_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
    ),
    "mariadb": os.environ.get("TRICIRCLE_TEST_MARIADB_URL", "mysql://root@127.0.0.1:3306/test"),
}
BACKENDS = ("sqlite", "postgresql", "mariadb")


async def _admin(server_url: str, statement: str) -> None:
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


class ServerUnreachable(Exception):
    pass


@contextmanager
def scratch_database(server_url: str, prefix: str = "tricircle_test") -> Iterator[str]:
    """A new database beside `server_url`'s (a temporary file for SQLite), migrated to head
    and dropped afterwards."""
    if make_url(server_url).get_backend_name() == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            url = f"sqlite:///{tmp}/tricircle.sqlite"
            migrate.upgrade(url)
            yield url
        return
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(server_url, f"CREATE DATABASE {name}"))
    except Exception as exc:  # any connect failure means the server is not there
        raise ServerUnreachable(f"{server_url}: {exc}") from exc
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(server_url, f"DROP DATABASE {name}"))


@contextmanager
def migrated_database(backend: str) -> Iterator[str]:
    """A scratch database on `backend`; a server that is not there skips (fails in CI)."""
    try:
        with scratch_database(SERVER_URLS.get(backend, "sqlite://")) as url:
            yield url
    except ServerUnreachable as exc:
        unavailable(backend, str(exc))

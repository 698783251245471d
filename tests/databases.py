"""Throw-away databases on SQLite, PostgreSQL and MariaDB for the storage tests."""

from __future__ import annotations

import asyncio
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def migrated_database(backend: str, tmp_dir: Path) -> Iterator[str]:
    """Create an empty database on `backend`, migrate it to head, drop it afterwards."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_dir / 'tricircle.sqlite'}"
        migrate.upgrade(url)
        yield url
        return
    server_url = SERVER_URLS[backend]
    name = f"tricircle_test_{uuid.uuid4().hex[:12]}"
    try:
        asyncio.run(_admin(server_url, f"CREATE DATABASE {name}"))
    except Exception as exc:  # any connect failure means the server is not there
        unavailable(backend, f"{server_url}: {exc}")
    url = make_url(server_url).set(database=name).render_as_string(hide_password=False)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        asyncio.run(_admin(server_url, f"DROP DATABASE {name}"))

from __future__ import annotations

import asyncio

from sqlalchemy import inspect

from tricircle.db import migrate
from tricircle.db.engine import Database
from tricircle.db.schema import metadata


async def _tables(database: Database) -> set[str]:
    async with database.engine.connect() as connection:
        return set(await connection.run_sync(lambda c: inspect(c).get_table_names()))


async def test_head_has_every_model_table(db: Database) -> None:
    tables = await _tables(db)
    assert set(metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrade_is_idempotent_and_downgrade_empties(tmp_path) -> None:
    url = f"sqlite:///{tmp_path / 'm.sqlite'}"
    migrate.upgrade(url)
    migrate.upgrade(url)
    migrate.downgrade(url, "base")
    database = Database(url)
    try:
        tables = asyncio.run(_tables(database))
    finally:
        asyncio.run(database.dispose())
    assert tables == {"alembic_version"}

"""Projects' server groups, kept at the top."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select

from tricircle.db.engine import Database
from tricircle.top.models import ServerGroup


class ServerGroupStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, **fields: Any) -> ServerGroup:
        async with self._db.session.begin() as session:
            group = ServerGroup(**fields)
            session.add(group)
            await session.flush()
            return group

    async def get(self, group_id: str) -> ServerGroup | None:
        async with self._db.session() as session:
            return await session.get(ServerGroup, group_id)

    async def listed(
        self, project_id: str | None, *, offset: int = 0, limit: int | None = None
    ) -> Sequence[ServerGroup]:
        """A project's groups (every project's for None), oldest first as Nova lists them."""
        query = select(ServerGroup).order_by(ServerGroup.created_at, ServerGroup.id)
        if project_id is not None:
            query = query.where(ServerGroup.project_id == project_id)
        query = query.offset(offset).limit(limit)
        async with self._db.session() as session:
            return (await session.scalars(query)).all()

    async def delete(self, group_id: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(delete(ServerGroup).where(ServerGroup.id == group_id))
            return result.rowcount > 0


def group_counter(project_id: str) -> Any:
    """A project's server groups, counted under the quota lock."""

    async def count(session: Any) -> dict[str, int]:
        query = select(func.count()).where(ServerGroup.project_id == project_id)
        return {"server_groups": int(await session.scalar(query) or 0)}

    return count

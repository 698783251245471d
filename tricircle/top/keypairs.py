"""Users' key pairs, kept at the top."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from tricircle.db.engine import Database
from tricircle.top.models import Keypair


class KeypairExists(Exception):
    pass


class KeypairStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, **fields: str) -> Keypair:
        async with self._db.session.begin() as session:
            keypair = Keypair(**fields)
            session.add(keypair)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise KeypairExists(fields["name"]) from exc
            return keypair

    async def get(self, user_id: str, name: str) -> Keypair | None:
        async with self._db.session() as session:
            return await session.get(Keypair, (user_id, name))

    async def of_user(
        self, user_id: str, *, limit: int | None = None, marker: str | None = None
    ) -> Sequence[Keypair]:
        query = select(Keypair).where(Keypair.user_id == user_id).order_by(Keypair.name)
        if marker is not None:
            query = query.where(Keypair.name > marker)
        if limit is not None:
            query = query.limit(limit)
        async with self._db.session() as session:
            return (await session.scalars(query)).all()

    async def delete(self, user_id: str, name: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(
                delete(Keypair).where(Keypair.user_id == user_id, Keypair.name == name)
            )
            return result.rowcount > 0

"""A registry of objects the top owns that are public or shared with chosen projects,
each with extra specs: flavors and volume types are both kept this way."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar, Generic, TypeVar

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from tricircle.db.engine import Database

M = TypeVar("M")


class AlreadyExists(Exception):
    pass


class SharedRegistry(Generic[M]):
    model: ClassVar[type]  # with id, name, is_public, extra_specs
    access: ClassVar[type]  # with project_id and `access_key`
    access_key: ClassVar[str]

    def __init__(self, db: Database) -> None:
        self._db = db

    def _granted_to(self, project_id: str | None) -> Any:
        return select(getattr(self.access, self.access_key)).where(
            self.access.project_id == project_id
        )

    async def create(self, *, projects: Sequence[str] = (), **fields: Any) -> M:
        async with self._db.session.begin() as session:
            item = self.model(**fields)
            session.add(item)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise AlreadyExists(fields.get("name", "")) from exc
            for project_id in projects:
                session.add(self.access(**{self.access_key: item.id, "project_id": project_id}))
            return item

    async def get(self, item_id: str) -> M | None:
        async with self._db.session() as session:
            return await session.get(self.model, item_id)

    async def by_name(self, name: str) -> M | None:
        async with self._db.session() as session:
            return await session.scalar(select(self.model).where(self.model.name == name))

    async def visible(
        self, project_id: str | None, *, is_public: bool | None, admin: bool
    ) -> Sequence[M]:
        """What the caller may see, ordered by id; `is_public=None` means both kinds."""
        query = select(self.model).order_by(self.model.id)
        if is_public is not None:
            query = query.where(self.model.is_public.is_(is_public))
        if not admin:
            query = query.where(
                or_(self.model.is_public.is_(True), self.model.id.in_(self._granted_to(project_id)))
            )
        async with self._db.session() as session:
            return (await session.scalars(query)).all()

    async def can_use(self, item: Any, project_id: str | None) -> bool:
        if item.is_public:
            return True
        async with self._db.session() as session:
            return await session.get(self.access, (item.id, project_id)) is not None

    async def update(self, item_id: str, **fields: Any) -> M | None:
        async with self._db.session.begin() as session:
            item = await session.get(self.model, item_id)
            if item is None:
                return None
            for name, value in fields.items():
                setattr(item, name, value)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise AlreadyExists(fields.get("name", "")) from exc
            return item

    async def delete(self, item_id: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(delete(self.model).where(self.model.id == item_id))
            return result.rowcount > 0

    async def set_extra_specs(self, item_id: str, specs: dict[str, str]) -> dict[str, str] | None:
        async with self._db.session.begin() as session:
            item = await session.get(self.model, item_id)
            if item is None:
                return None
            item.extra_specs = {**item.extra_specs, **specs}
            return item.extra_specs

    async def unset_extra_spec(self, item_id: str, key: str) -> bool:
        async with self._db.session.begin() as session:
            item = await session.get(self.model, item_id)
            if item is None or key not in item.extra_specs:
                return False
            item.extra_specs = {k: v for k, v in item.extra_specs.items() if k != key}
            return True

    async def projects(self, item_id: str) -> list[str]:
        """The projects a private item is shared with."""
        async with self._db.session() as session:
            rows = await session.scalars(
                select(self.access.project_id).where(
                    getattr(self.access, self.access_key) == item_id
                )
            )
            return sorted(rows.all())

    async def grant(self, item_id: str, project_id: str) -> bool:
        """False when the project already had access."""
        async with self._db.session.begin() as session:
            if await session.get(self.access, (item_id, project_id)) is not None:
                return False
            session.add(self.access(**{self.access_key: item_id, "project_id": project_id}))
            return True

    async def revoke(self, item_id: str, project_id: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(
                delete(self.access).where(
                    getattr(self.access, self.access_key) == item_id,
                    self.access.project_id == project_id,
                )
            )
            return result.rowcount > 0

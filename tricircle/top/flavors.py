"""The top's flavor registry: flavors, their extra specs and access lists."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.exc import IntegrityError

from tricircle.db.engine import Database
from tricircle.top.models import Flavor, FlavorAccess


class FlavorExists(Exception):
    pass


class FlavorStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, **fields: Any) -> Flavor:
        async with self._db.session.begin() as session:
            flavor = Flavor(**fields)
            session.add(flavor)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise FlavorExists(fields.get("name", "")) from exc
            return flavor

    async def get(self, flavor_id: str) -> Flavor | None:
        async with self._db.session() as session:
            return await session.get(Flavor, flavor_id)

    async def visible(
        self, project_id: str | None, *, is_public: bool | None, admin: bool
    ) -> Sequence[Flavor]:
        """Flavors the caller may see, ordered by id; `is_public=None` means both kinds."""
        query = select(Flavor).order_by(Flavor.id)
        if is_public is True:
            query = query.where(Flavor.is_public.is_(True))
        elif is_public is False:
            query = query.where(Flavor.is_public.is_(False))
        if not admin:
            granted = select(FlavorAccess.flavor_id).where(FlavorAccess.project_id == project_id)
            query = query.where(or_(Flavor.is_public.is_(True), Flavor.id.in_(granted)))
        async with self._db.session() as session:
            return (await session.scalars(query)).all()

    async def can_use(self, flavor: Flavor, project_id: str | None) -> bool:
        if flavor.is_public:
            return True
        async with self._db.session() as session:
            return await session.get(FlavorAccess, (flavor.id, project_id)) is not None

    async def delete(self, flavor_id: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(delete(Flavor).where(Flavor.id == flavor_id))
            return result.rowcount > 0

    async def set_extra_specs(self, flavor_id: str, specs: dict[str, str]) -> dict[str, str] | None:
        async with self._db.session.begin() as session:
            flavor = await session.get(Flavor, flavor_id)
            if flavor is None:
                return None
            flavor.extra_specs = {**flavor.extra_specs, **specs}
            return flavor.extra_specs

    async def unset_extra_spec(self, flavor_id: str, key: str) -> bool:
        async with self._db.session.begin() as session:
            flavor = await session.get(Flavor, flavor_id)
            if flavor is None or key not in flavor.extra_specs:
                return False
            flavor.extra_specs = {k: v for k, v in flavor.extra_specs.items() if k != key}
            return True

    async def access(self, flavor_id: str) -> list[str]:
        async with self._db.session() as session:
            rows = await session.scalars(
                select(FlavorAccess.project_id).where(FlavorAccess.flavor_id == flavor_id)
            )
            return sorted(rows.all())

    async def grant(self, flavor_id: str, project_id: str) -> bool:
        """False when the project already had access."""
        async with self._db.session.begin() as session:
            if await session.get(FlavorAccess, (flavor_id, project_id)) is not None:
                return False
            session.add(FlavorAccess(flavor_id=flavor_id, project_id=project_id))
            return True

    async def revoke(self, flavor_id: str, project_id: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(
                delete(FlavorAccess).where(
                    FlavorAccess.flavor_id == flavor_id, FlavorAccess.project_id == project_id
                )
            )
            return result.rowcount > 0

"""Pods and tenant bindings in the database."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from tricircle.db.engine import Database
from tricircle.db.models import Pod, PodBinding, RoutingEntry

POD_STATES = ("up", "down", "maintenance")


class Conflict(Exception):
    pass


class PodRegistry:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def create(self, **fields: Any) -> Pod:
        async with self._db.session.begin() as session:
            pod = Pod(**fields)
            session.add(pod)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise Conflict("A pod with this name or region already exists.") from exc
            return pod

    async def get(self, pod_id: str) -> Pod | None:
        async with self._db.session() as session:
            return await session.get(Pod, pod_id)

    async def all(self) -> Sequence[Pod]:
        async with self._db.session() as session:
            return (await session.scalars(select(Pod).order_by(Pod.name))).all()

    async def update(self, pod_id: str, **fields: Any) -> Pod | None:
        async with self._db.session.begin() as session:
            pod = await session.get(Pod, pod_id)
            if pod is None:
                return None
            for name, value in fields.items():
                setattr(pod, name, value)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise Conflict("A pod with this name or region already exists.") from exc
            return pod

    async def delete(self, pod_id: str) -> bool:
        async with self._db.session.begin() as session:
            pod = await session.get(Pod, pod_id)
            if pod is None:
                return False
            held = await session.scalar(
                select(func.count()).select_from(RoutingEntry).where(RoutingEntry.pod_id == pod_id)
            )
            if held:
                raise Conflict(f"Pod {pod_id} still holds {held} routed resources.")
            await session.delete(pod)
            return True

    async def usable(self, project_id: str, az: str | None = None) -> list[Pod]:
        """Pods the project may use (its bindings; all pods if it has none), in `az` if given."""
        async with self._db.session() as session:
            bound = select(PodBinding.pod_id).where(PodBinding.project_id == project_id)
            has_bindings = await session.scalar(select(bound.exists()))
            query = select(Pod).order_by(Pod.name)
            if has_bindings:
                query = query.where(Pod.id.in_(bound))
            if az is not None:
                query = query.where(Pod.az_name == az)
            return list((await session.scalars(query)).all())

    async def availability_zones(self) -> dict[str, list[Pod]]:
        zones: dict[str, list[Pod]] = {}
        for pod in await self.all():
            zones.setdefault(pod.az_name, []).append(pod)
        return zones


class BindingRegistry:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def bind(self, project_id: str, pod_id: str) -> PodBinding:
        async with self._db.session.begin() as session:
            if await session.get(Pod, pod_id) is None:
                raise LookupError(f"Pod {pod_id} could not be found.")
            binding = PodBinding(project_id=project_id, pod_id=pod_id)
            session.add(binding)
            try:
                await session.flush()
            except IntegrityError as exc:
                raise Conflict(f"Project {project_id} is already bound to pod {pod_id}.") from exc
            return binding

    async def unbind(self, project_id: str, pod_id: str) -> bool:
        async with self._db.session.begin() as session:
            result = await session.execute(
                delete(PodBinding).where(
                    PodBinding.project_id == project_id, PodBinding.pod_id == pod_id
                )
            )
            return result.rowcount > 0

    async def list(
        self, project_id: str | None = None, pod_id: str | None = None
    ) -> Sequence[PodBinding]:
        query = select(PodBinding).order_by(PodBinding.project_id, PodBinding.pod_id)
        if project_id is not None:
            query = query.where(PodBinding.project_id == project_id)
        if pod_id is not None:
            query = query.where(PodBinding.pod_id == pod_id)
        async with self._db.session() as session:
            return (await session.scalars(query)).all()

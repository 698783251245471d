"""The limits: ``[quota]`` defaults, overridden by the quota class "default", by the
project's own limits, and by its user's (Nova's order)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from oslo_config import cfg
from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from tricircle.db.engine import Database
from tricircle.quota.models import ANY_USER, QuotaClassLimit, QuotaLimit
from tricircle.quota.resources import configured_defaults
from tricircle.quota.statements import DEFAULT_CLASS, LIMITS


class LimitStore:
    def __init__(self, db: Database, conf: cfg.ConfigOpts) -> None:
        self.db = db
        self._conf = conf

    async def defaults(self, service: str, names: Iterable[str] = ()) -> dict[str, int]:
        """Every limit a project without overrides has; `names` the service's other quotas
        (Cinder's per volume type), unlimited unless the class sets them."""
        async with self.db.session() as session:
            return await self._class(session, service, DEFAULT_CLASS, names)

    async def class_limits(
        self, service: str, class_name: str, names: Iterable[str] = ()
    ) -> dict[str, int]:
        async with self.db.session() as session:
            limits = await self._class(session, service, DEFAULT_CLASS, names)
            return {**limits, **await _class_rows(session, service, class_name)}

    async def project(
        self, service: str, project_id: str, user_id: str = ANY_USER, names: Iterable[str] = ()
    ) -> dict[str, int]:
        async with self.db.session() as session:
            return await self.effective(session, service, project_id, user_id, names)

    async def overrides(self, service: str, project_id: str, user_id: str) -> dict[str, int]:
        async with self.db.session() as session:
            return await _limit_rows(session, service, project_id, user_id)

    async def effective(
        self,
        session: AsyncConnection | AsyncSession,
        service: str,
        project_id: str,
        user_id: str,
        names: Iterable[str],
    ) -> dict[str, int]:
        """The limits that apply, read in one query."""
        params = {"service": service, "project_id": project_id, "user_id": user_id}
        return self.over_configured(service, names, (await session.execute(LIMITS, params)).all())

    def over_configured(
        self, service: str, names: Iterable[str], rows: Iterable[Sequence[Any]]
    ) -> dict[str, int]:
        """The configured limits, with the default class's, then the project's, then the
        user's over them: `rows` of `LIMITS` (kind, resource, pod, limit)."""
        limits = self._configured(service, names)
        for _kind, name, _pod, limit in sorted(rows, key=lambda row: row[0]):
            limits[name] = int(limit)
        return limits

    async def set_project(
        self, service: str, project_id: str, user_id: str, values: Mapping[str, int]
    ) -> None:
        async with self.db.session.begin() as session:
            for name, value in values.items():
                await session.merge(
                    QuotaLimit(
                        project_id=project_id,
                        user_id=user_id,
                        service=service,
                        resource=name,
                        hard_limit=value,
                    )
                )

    async def delete_project(self, service: str, project_id: str, user_id: str | None) -> None:
        """A user's limits, or (`user_id` None) the project's and all its users'."""
        query = delete(QuotaLimit).where(
            QuotaLimit.project_id == project_id, QuotaLimit.service == service
        )
        if user_id is not None:
            query = query.where(QuotaLimit.user_id == user_id)
        async with self.db.session.begin() as session:
            await session.execute(query)

    async def set_class(self, service: str, class_name: str, values: Mapping[str, int]) -> None:
        async with self.db.session.begin() as session:
            for name, value in values.items():
                await session.merge(
                    QuotaClassLimit(
                        class_name=class_name, service=service, resource=name, hard_limit=value
                    )
                )

    def _configured(self, service: str, names: Iterable[str]) -> dict[str, int]:
        return {**dict.fromkeys(names, -1), **configured_defaults(self._conf, service)}

    async def _class(
        self, session: AsyncSession, service: str, class_name: str, names: Iterable[str]
    ) -> dict[str, int]:
        limits = self._configured(service, names)
        return {**limits, **await _class_rows(session, service, class_name)}


async def _class_rows(session: AsyncSession, service: str, class_name: str) -> dict[str, int]:
    query = select(QuotaClassLimit.resource, QuotaClassLimit.hard_limit).where(
        QuotaClassLimit.class_name == class_name, QuotaClassLimit.service == service
    )
    return {name: limit for name, limit in (await session.execute(query)).all()}


async def _limit_rows(
    session: AsyncSession, service: str, project_id: str, user_id: str
) -> dict[str, int]:
    query = select(QuotaLimit.resource, QuotaLimit.hard_limit).where(
        QuotaLimit.project_id == project_id,
        QuotaLimit.service == service,
        QuotaLimit.user_id == user_id,
    )
    return {name: limit for name, limit in (await session.execute(query)).all()}

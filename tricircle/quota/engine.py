"""Reserve, commit, release: the arithmetic of one quota per project, in the top database.

Every write to a project's usage or reservations first locks the project's row in
``quota_projects`` (an upsert, which takes the row lock on PostgreSQL and MariaDB and the
write lock on SQLite), so the check "in use + reserved + requested <= limit" and the
reservation it allows are one step for every gateway process at once.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from oslo_config import cfg
from sqlalchemy import delete, func, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.quota.limits import LimitStore
from tricircle.quota.models import ANY_USER, QuotaProject, QuotaReservation, QuotaUsage

# what a caller counts itself under the lock (key pairs: rows of the top's own table)
Counter = Callable[[AsyncSession], Awaitable[dict[str, int]]]


class OverQuota(Exception):
    """`requested` of `resource` does not fit: `used` (in use and reserved) of `limit`."""

    def __init__(self, resource: str, requested: int, used: int, limit: int) -> None:
        super().__init__(f"{resource}: requested {requested}, used {used} of {limit}")
        self.resource, self.requested, self.used, self.limit = resource, requested, used, limit


@dataclass(frozen=True)
class Usage:
    in_use: int = 0
    reserved: int = 0


@dataclass(frozen=True)
class Reservation:
    """What one create holds: `units` times `per_unit` (a multiple create's servers)."""

    uuid: str
    service: str
    project_id: str
    per_unit: Mapping[str, int]
    units: int
    counted: frozenset[str] = field(default_factory=frozenset)


class QuotaEngine:
    def __init__(self, db: Database, conf: cfg.ConfigOpts) -> None:
        self.db = db
        self.limits = LimitStore(db, conf)
        self._expire = dt.timedelta(seconds=conf.quota.reservation_expire)

    async def reserve(
        self,
        service: str,
        project_id: str,
        per_unit: Mapping[str, int],
        *,
        user_id: str = ANY_USER,
        min_units: int = 1,
        max_units: int = 1,
        counter: Counter | None = None,
    ) -> Reservation:
        """Holds as many units as fit between `min_units` and `max_units` (as Nova boots as
        many servers as fit); OverQuota when not even `min_units` do."""
        wanted = {name: each for name, each in per_unit.items() if each > 0}
        now = utcnow()
        async with _locked(self.db) as session:
            await _lock(session, service, project_id)
            limits = await self.limits.effective(session, service, project_id, user_id, wanted)
            counted = await counter(session) if counter is not None else {}
            used = _added(await _in_use(session, service, project_id), counted)
            used = _added(used, await _reserved(session, service, project_id, now))
            units = max_units
            for name, each in wanted.items():  # in the caller's order: its first refusal
                limit = limits.get(name, -1)
                if limit < 0:
                    continue
                room = (limit - used.get(name, 0)) // each
                if room < min_units:
                    raise OverQuota(name, each * min_units, used.get(name, 0), limit)
                units = min(units, room)
            reservation = Reservation(
                str(uuid.uuid4()), service, project_id, wanted, units, frozenset(counted)
            )
            await session.execute(
                delete(QuotaReservation).where(
                    QuotaReservation.project_id == project_id,
                    QuotaReservation.service == service,
                    QuotaReservation.expires_at <= now,
                )
            )
            session.add_all(
                QuotaReservation(
                    uuid=reservation.uuid,
                    project_id=project_id,
                    user_id=user_id,
                    service=service,
                    resource=name,
                    amount=each * units,
                    expires_at=now + self._expire,
                )
                for name, each in wanted.items()
            )
        return reservation

    async def commit(self, reservation: Reservation, pod_id: str, units: int | None = None) -> bool:
        """The pod took `units` (all that were reserved, by default): they are in use there
        and the reservation goes, in one transaction. A reservation that expired meanwhile
        is committed all the same: the pod holds what it made. True when the project had
        no usage in that pod before (its first landing there)."""
        taken = reservation.units if units is None else units
        deltas = {
            name: each * taken
            for name, each in reservation.per_unit.items()
            if name not in reservation.counted
        }
        project_id, service = reservation.project_id, reservation.service
        async with _locked(self.db) as session:
            await _lock(session, service, project_id)
            held = select(QuotaUsage.resource).where(
                QuotaUsage.project_id == project_id,
                QuotaUsage.service == service,
                QuotaUsage.pod_id == pod_id,
            )
            first = (await session.execute(held.limit(1))).first() is None
            await _drop(session, reservation.uuid)
            await _add_usage(session, service, project_id, pod_id, deltas)
        return first and bool(deltas)

    async def release(self, reservation: Reservation) -> None:
        async with self.db.session.begin() as session:
            await _drop(session, reservation.uuid)

    async def change_usage(
        self, service: str, project_id: str, pod_id: str, deltas: Mapping[str, int]
    ) -> None:
        """Usage that changed without a reservation (a delete the pod accepted: negative)."""
        async with _locked(self.db) as session:
            await _lock(session, service, project_id)
            await _add_usage(session, service, project_id, pod_id, deltas)

    async def usage(self, service: str, project_id: str) -> dict[str, Usage]:
        """In use (every pod's last known share, summed) and reserved, by resource."""
        async with self.db.session() as session:
            in_use = await _in_use(session, service, project_id)
            reserved = await _reserved(session, service, project_id, utcnow())
        return {
            name: Usage(in_use.get(name, 0), reserved.get(name, 0)) for name in {*in_use, *reserved}
        }

    async def version(self, service: str, project_id: str) -> int:
        async with self.db.session() as session:
            found = await session.get(QuotaProject, (project_id, service))
        return found.version if found is not None else 0

    async def correct(
        self,
        service: str,
        project_id: str,
        pod_id: str,
        counts: Mapping[str, int],
        seen_version: int,
    ) -> bool:
        """Sets the project's usage in the pod to what the pod counted, unless the usage
        changed since `seen_version` was read (before the pod was asked) or a reservation
        is open (the pod may already count what is about to be committed)."""
        now = utcnow()
        async with _locked(self.db) as session:
            version = await _lock(session, service, project_id)
            if version != seen_version + 1 or await _reserved(session, service, project_id, now):
                return False
            await session.execute(
                delete(QuotaUsage).where(
                    QuotaUsage.project_id == project_id,
                    QuotaUsage.service == service,
                    QuotaUsage.pod_id == pod_id,
                )
            )
            session.add_all(
                QuotaUsage(
                    project_id=project_id,
                    service=service,
                    resource=name,
                    pod_id=pod_id,
                    in_use=count,
                )
                for name, count in counts.items()
                if count
            )
        return True

    async def expire(self) -> int:
        """Rolls back every expired reservation; how many rows went."""
        async with self.db.session.begin() as session:
            result = await session.execute(
                delete(QuotaReservation).where(QuotaReservation.expires_at <= utcnow())
            )
        return result.rowcount


@asynccontextmanager
async def _locked(db: Database) -> AsyncIterator[AsyncSession]:
    """A transaction whose reads, after the project's lock, see what the lock's previous
    holder committed (MariaDB's REPEATABLE READ would show an older snapshot)."""
    async with db.session.begin() as session:
        if db.backend != "sqlite":
            await session.connection(execution_options={"isolation_level": "READ COMMITTED"})
        yield session


async def _lock(session: AsyncSession, service: str, project_id: str) -> int:
    """Locks the project's row (creating it) for the rest of the transaction; its version."""
    values = {"project_id": project_id, "service": service, "version": 1}
    bumped = {"version": QuotaProject.version + 1}
    name = session.get_bind().dialect.name
    if name == "mysql":
        statement = mysql.insert(QuotaProject).values(values).on_duplicate_key_update(bumped)
    else:
        dialect = postgresql if name == "postgresql" else sqlite
        statement = (
            dialect.insert(QuotaProject)
            .values(values)
            .on_conflict_do_update(index_elements=["project_id", "service"], set_=bumped)
        )
    await session.execute(statement)
    found = await session.get(QuotaProject, (project_id, service), populate_existing=True)
    assert found is not None
    return found.version


async def _in_use(session: AsyncSession, service: str, project_id: str) -> dict[str, int]:
    query = (
        select(QuotaUsage.resource, func.sum(QuotaUsage.in_use))
        .where(QuotaUsage.project_id == project_id, QuotaUsage.service == service)
        .group_by(QuotaUsage.resource)
    )
    return {name: int(total) for name, total in (await session.execute(query)).all()}


async def _reserved(
    session: AsyncSession, service: str, project_id: str, now: dt.datetime
) -> dict[str, int]:
    query = (
        select(QuotaReservation.resource, func.sum(QuotaReservation.amount))
        .where(
            QuotaReservation.project_id == project_id,
            QuotaReservation.service == service,
            QuotaReservation.expires_at > now,
        )
        .group_by(QuotaReservation.resource)
    )
    return {name: int(total) for name, total in (await session.execute(query)).all()}


async def _drop(session: AsyncSession, reservation_uuid: str) -> None:
    await session.execute(delete(QuotaReservation).where(QuotaReservation.uuid == reservation_uuid))


async def _add_usage(
    session: AsyncSession,
    service: str,
    project_id: str,
    pod_id: str,
    deltas: Mapping[str, int],
) -> None:
    """Adds each delta to the pod's share; a share never goes below zero (a delete of what
    a correction already took out)."""
    for name, delta in deltas.items():
        if not delta:
            continue
        key = (project_id, service, name, pod_id)
        row = await session.get(QuotaUsage, key)
        if row is None:
            session.add(
                QuotaUsage(
                    project_id=project_id,
                    service=service,
                    resource=name,
                    pod_id=pod_id,
                    in_use=max(delta, 0),
                )
            )
        else:
            row.in_use = max(row.in_use + delta, 0)
    await session.flush()


def _added(a: Mapping[str, int], b: Mapping[str, int]) -> dict[str, int]:
    return {name: a.get(name, 0) + b.get(name, 0) for name in {*a, *b}}

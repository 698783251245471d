"""Reserve, commit, release: the arithmetic of one quota per project, in the top database.

Every reservation, change of usage and correction first locks the project's row in
``quota_projects`` (an upsert, which takes the row lock on PostgreSQL and MariaDB and the
write lock on SQLite), so the check "in use + reserved + requested <= limit" and the
reservation it allows are one step for every gateway process at once. The lock is each
transaction's first statement: on MariaDB, whose REPEATABLE READ takes its snapshot at
the first plain read, every read after it sees what the lock's previous holder committed.
A reservation then reads the limits and what the project holds in one query.

A commit takes no lock: what the project holds stays the same, reserved becoming in use
at once (one statement on PostgreSQL, one transaction elsewhere, whose first statement is
a write so that SQLite takes its write lock before anything is read).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from oslo_config import cfg
from sqlalchemy import Row, delete
from sqlalchemy.ext.asyncio import AsyncConnection

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.quota import statements
from tricircle.quota.limits import LimitStore
from tricircle.quota.models import ANY_USER, QuotaReservation
from tricircle.quota.statements import Kind

# what a caller counts itself under the lock (key pairs: rows of the top's own table)
Counter = Callable[[AsyncConnection], Awaitable[dict[str, int]]]


class OverQuota(Exception):
    """`requested` of `resource` does not fit: `used` (in use and reserved) of `limit`."""

    def __init__(self, resource: str, requested: int, used: int, limit: int) -> None:
        super().__init__(f"{resource}: requested {requested}, used {used} of {limit}")
        self.resource, self.requested, self.used, self.limit = resource, requested, used, limit


@dataclass(frozen=True)
class Usage:
    in_use: int = 0
    reserved: int = 0

    @property
    def held(self) -> int:
        return self.in_use + self.reserved


@dataclass(frozen=True)
class Reservation:
    """What one create holds: `units` times `per_unit` (a multiple create's servers)."""

    uuid: str
    service: str
    project_id: str
    per_unit: Mapping[str, int]
    units: int
    counted: frozenset[str] = field(default_factory=frozenset)
    # the pods the project had usage in when it reserved: a commit elsewhere is a first landing
    landed: frozenset[str] = field(default_factory=frozenset)


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
        async with self.db.engine.begin() as session:
            await _lock(session, service, project_id)
            counted = await counter(session) if counter is not None else {}
            read = {"service": service, "project_id": project_id, "user_id": user_id, "now": now}
            standing = _Standing((await session.execute(statements.STANDING, read)).all())
            limits = self.limits.over_configured(service, wanted, standing.limits)
            held = standing.held()
            used = {name: held.get(name, 0) + counted.get(name, 0) for name in wanted}
            units = max_units
            for name, each in wanted.items():  # in the caller's order: its first refusal
                limit = limits.get(name, -1)
                if limit < 0:
                    continue
                room = (limit - used[name]) // each
                if room < min_units:
                    raise OverQuota(name, each * min_units, used[name], limit)
                units = min(units, room)
            reservation = Reservation(
                str(uuid.uuid4()),
                service,
                project_id,
                wanted,
                units,
                frozenset(counted),
                frozenset(standing.pods),
            )
            if wanted:
                rows = [
                    {
                        "uuid": reservation.uuid,
                        "project_id": project_id,
                        "user_id": user_id,
                        "service": service,
                        "resource": name,
                        "amount": each * units,
                        "expires_at": now + self._expire,
                    }
                    for name, each in wanted.items()
                ]
                await session.execute(statements.INSERT_RESERVATIONS, rows)
        return reservation

    async def commit(self, reservation: Reservation, pod_id: str, units: int | None = None) -> bool:
        """The pod took `units` (all that were reserved, by default): they are in use there
        and the reservation goes, at once. A reservation that expired meanwhile is
        committed all the same: the pod holds what it made. True when the project had no
        usage in that pod when it reserved and now has (its first landing there)."""
        taken = reservation.units if units is None else units
        # in the order of the names: concurrent commits take the rows' locks in one order
        grown = {
            name: each * taken
            for name, each in sorted(reservation.per_unit.items())
            if name not in reservation.counted and each * taken > 0
        }
        # no lock (see above): a reservation's one query sees it before or after, never between
        in_one = statements.commit_in_one(self.db.backend)
        if in_one is not None:
            async with self.db.engine.connect() as session:
                await session.execution_options(isolation_level="AUTOCOMMIT")
                params = {
                    "uuid": reservation.uuid,
                    "of_project": reservation.project_id,
                    "of_service": reservation.service,
                    "of_pod": pod_id,
                    "now": utcnow(),
                    "resources": list(grown),
                    "amounts": list(grown.values()),
                }
                await session.execute(in_one, params)
        else:
            async with self.db.engine.begin() as session:
                await _drop(session, reservation.uuid)
                await _add_usage(
                    session, reservation.service, reservation.project_id, pod_id, grown
                )
        return bool(grown) and pod_id not in reservation.landed

    async def release(self, reservation: Reservation) -> None:
        async with self.db.engine.begin() as session:
            await _drop(session, reservation.uuid)

    async def change_usage(
        self, service: str, project_id: str, pod_id: str, deltas: Mapping[str, int]
    ) -> None:
        """Usage that changed without a reservation (a delete the pod accepted: negative)."""
        async with self.db.engine.begin() as session:
            await _lock(session, service, project_id)
            await _add_usage(session, service, project_id, pod_id, deltas)

    async def usage(self, service: str, project_id: str) -> dict[str, Usage]:
        """In use (every pod's last known share, summed) and reserved, by resource."""
        async with self.db.engine.connect() as session:
            return (await _held(session, service, project_id)).usage()

    async def settled_version(self, service: str, project_id: str) -> int | None:
        """The project's usage version to hand `correct`, read before the pods are asked;
        None while a reservation is open (its create may be counted by its pod and then
        committed: a correction now could count it twice, or not at all)."""
        async with self.db.engine.connect() as session:
            if (await _held(session, service, project_id)).any_reserved():
                return None
            return await _version(session, service, project_id)

    async def correct(
        self,
        service: str,
        project_id: str,
        pod_id: str,
        counts: Mapping[str, int],
        seen_version: int,
    ) -> bool:
        """Sets the project's usage in the pod to what the pod counted, unless a reservation
        was made or a delete counted since `seen_version` (`settled_version`, read before
        the pod was asked), or a reservation is open."""
        async with self.db.engine.begin() as session:
            await _lock(session, service, project_id)
            moved = await _version(session, service, project_id) != seen_version + 1
            if moved or (await _held(session, service, project_id)).any_reserved():
                return False
            pod = {"project_id": project_id, "service": service, "pod_id": pod_id}
            await session.execute(statements.DROP_POD_USAGE, pod)
            counted = _usage_rows(service, project_id, pod_id, counts, utcnow())
            if counted:
                await session.execute(statements.INSERT_USAGE, counted)
        return True

    async def expire(self) -> int:
        """Rolls back every expired reservation; how many rows went."""
        async with self.db.engine.begin() as session:
            result = await session.execute(
                delete(QuotaReservation).where(QuotaReservation.expires_at <= utcnow())
            )
        return result.rowcount


class _Standing:
    """Rows of `statements.STANDING` or `HELD`: the limits, and what the project holds."""

    def __init__(self, rows: list[Row]) -> None:
        self.limits: list[Row] = []
        self.in_use: dict[str, int] = {}
        self.reserved: dict[str, int] = {}
        self.pods: set[str] = set()
        for row in rows:
            kind, name, pod_id, amount = row
            if kind == Kind.IN_USE:
                self.in_use[name] = self.in_use.get(name, 0) + int(amount or 0)
                self.pods.add(pod_id)
            elif kind == Kind.RESERVED:
                self.reserved[name] = int(amount or 0)
            else:
                self.limits.append(row)

    def held(self) -> dict[str, int]:
        return {name: usage.held for name, usage in self.usage().items()}

    def any_reserved(self) -> bool:
        return any(self.reserved.values())

    def usage(self) -> dict[str, Usage]:
        names = self.in_use.keys() | self.reserved.keys()
        return {name: Usage(self.in_use.get(name, 0), self.reserved.get(name, 0)) for name in names}


async def _lock(session: AsyncConnection, service: str, project_id: str) -> None:
    """Locks the project's row (creating it) for the rest of the transaction."""
    statement = statements.lock_project(session.dialect.name)
    await session.execute(statement, {"project_id": project_id, "service": service, "version": 1})


async def _version(session: AsyncConnection, service: str, project_id: str) -> int:
    params = {"project_id": project_id, "service": service}
    return int(await session.scalar(statements.VERSION, params) or 0)


async def _held(session: AsyncConnection, service: str, project_id: str) -> _Standing:
    """In use over the pods and reserved (unexpired), by resource: one query."""
    params = {"project_id": project_id, "service": service, "now": utcnow()}
    return _Standing((await session.execute(statements.HELD, params)).all())


async def _drop(session: AsyncConnection, reservation_uuid: str) -> None:
    await session.execute(statements.DROP_RESERVATION, {"uuid": reservation_uuid})


def _usage_rows(
    service: str,
    project_id: str,
    pod_id: str,
    amounts: Mapping[str, int],
    now: dt.datetime,
) -> list[dict[str, object]]:
    """Rows of the pod's share, one per resource of a positive amount."""
    return [
        {
            "project_id": project_id,
            "service": service,
            "pod_id": pod_id,
            "resource": name,
            "in_use": amount,
            "updated_at": now,
        }
        for name, amount in amounts.items()
        if amount > 0
    ]


async def _add_usage(
    session: AsyncConnection,
    service: str,
    project_id: str,
    pod_id: str,
    deltas: Mapping[str, int],
) -> None:
    """Adds each delta to the pod's share: what grows in one statement, what shrinks in
    another; a share never goes below zero (a delete of what a correction already took
    out)."""
    now = utcnow()
    grown = _usage_rows(service, project_id, pod_id, deltas, now)
    if grown:
        await session.execute(statements.add_usage(session.dialect.name), grown)
    lowered = [
        {
            "of_project": project_id,
            "of_service": service,
            "of_pod": pod_id,
            "of_resource": name,
            "delta": delta,
            "now": now,
        }
        for name, delta in deltas.items()
        if delta < 0
    ]
    if lowered:
        await session.execute(statements.LOWER_USAGE, lowered)

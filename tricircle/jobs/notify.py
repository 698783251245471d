"""Waking idle workers when a job is enqueued.

Workers in the enqueuing process are woken right after the commit; on
PostgreSQL every worker also LISTENs for the NOTIFY that the enqueue sends
inside its transaction (delivered on commit). Other backends fall back to the
workers' short poll.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.engine import URL
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

LOG = logging.getLogger(__name__)
CHANNEL = "tricircle_jobs"
_local: set[asyncio.Event] = set()
_FLAG = "tricircle_jobs_wake"


def subscribe_local(wakeup: asyncio.Event) -> None:
    _local.add(wakeup)


def unsubscribe_local(wakeup: asyncio.Event) -> None:
    _local.discard(wakeup)


def _wake_local(session: Session) -> None:
    session.info.pop(_FLAG, None)
    for wakeup in _local:
        wakeup.set()


async def announce(session: AsyncSession) -> None:
    """Wake workers once `session`'s transaction commits."""
    sync = session.sync_session
    if not sync.info.get(_FLAG):
        sync.info[_FLAG] = True
        event.listen(sync, "after_commit", _wake_local, once=True)
    if session.bind.dialect.name == "postgresql":
        await session.execute(select(func.pg_notify(CHANNEL, "")))


class PostgresListener:
    """A dedicated asyncpg connection that LISTENs and sets `wakeup` on NOTIFY."""

    def __init__(self, url: URL, wakeup: asyncio.Event) -> None:
        self._url = url
        self._wakeup = wakeup
        self._conn: Any = None

    async def start(self) -> None:
        import asyncpg  # only PostgreSQL deployments need it

        dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._conn = await asyncpg.connect(dsn)
        await self._conn.add_listener(CHANNEL, self._notified)

    def _notified(self, *_args: Any) -> None:
        self._wakeup.set()

    @property
    def alive(self) -> bool:
        return self._conn is not None and not self._conn.is_closed()

    async def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
            self._conn = None

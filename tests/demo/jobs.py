"""A failed job in the demo's database, as an operator would find one."""

from __future__ import annotations

import asyncio
import uuid
from pathlib import Path

from tricircle.db.engine import Database
from tricircle.jobs.models import FAIL, Job, job_key


async def _insert_failed(database: Path, resource_id: str) -> str:
    db = Database(f"sqlite:///{database}")
    try:
        async with db.session.begin() as session:
            job = Job(
                type="drill",  # no worker handles it: a redone drill waits, visibly
                resource_type="server",
                resource_id=resource_id,
                status=FAIL,
                key=job_key("drill", "server", resource_id),
                attempts=3,
                last_error="the pod refused the drill",
            )
            session.add(job)
        return job.id
    finally:
        await db.dispose()


def failed_job(demo_data: Path) -> str:
    """Inserts a failed job into the running demo's SQLite database; its id."""
    return asyncio.run(_insert_failed(demo_data / "tricircle.sqlite", str(uuid.uuid4())))

"""A failed job in the demo's database, as an operator would find one."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from tricircle.jobs.models import FAIL, Job, job_key


def failed_job(demo_data: Path) -> str:
    """Inserts a failed job into the running demo's SQLite database; its id. Synchronous:
    the browser tests run inside playwright's own event loop."""
    resource_id = str(uuid.uuid4())
    engine = create_engine(f"sqlite:///{demo_data / 'tricircle.sqlite'}")
    try:
        with Session(engine) as session, session.begin():
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
            session.flush()
            job_id = job.id
        return job_id
    finally:
        engine.dispose()

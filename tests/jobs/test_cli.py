"""``tricircle job`` against a running gateway."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.gateway.harness import Client, Gateway
from tricircle.jobs.cli import job_main
from tricircle.jobs.queue import enqueue


async def _job(gateway: Gateway, admin: Client, capsys: pytest.CaptureFixture, *argv: str) -> str:
    base = ["--url", gateway.url, "--token", admin.token]
    assert await asyncio.to_thread(job_main, [*base, *argv]) == 0
    return capsys.readouterr().out


async def test_list_show_delete(gateway: Gateway, admin: Client, capsys) -> None:
    async with gateway.services.db.session.begin() as session:
        job = await enqueue(session, "copy_image", "image", "img-9", project_id="p1")
    table = await _job(gateway, admin, capsys, "list", "--status", "new", "--project", "p1")
    assert job.id in table and "copy_image" in table.splitlines()[1]
    shown = json.loads(await _job(gateway, admin, capsys, "show", job.id))
    assert shown["id"] == job.id and shown["attempt_log"] == []
    await _job(gateway, admin, capsys, "delete", job.id)
    listed = json.loads(await _job(gateway, admin, capsys, "list", "--project", "p1", "--json"))
    assert listed == {"jobs": []}
    with pytest.raises(SystemExit, match="error 404"):
        await _job(gateway, admin, capsys, "redo", job.id)

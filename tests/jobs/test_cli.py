"""``tricircle job`` against a running gateway."""

from __future__ import annotations

import asyncio
import json

import pytest

from tests.gateway.harness import Client, Gateway
from tricircle.jobs.cli import job_main, worker_main
from tricircle.jobs.queue import enqueue


async def _job(gateway: Gateway, capsys: pytest.CaptureFixture, *argv: str) -> str:
    assert await asyncio.to_thread(job_main, ["--url", gateway.url, *argv]) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("main", "secret"), [(job_main, ["--token=t"]), (worker_main, ["--database-url=u"])]
)
def test_secrets_are_no_arguments(main, secret, capsys) -> None:
    """Arguments show in every user's process list: a token or a database URL never is one."""
    with pytest.raises(SystemExit):
        main([*secret, "list"])
    error = capsys.readouterr().err
    assert "unrecognized arguments" in error and secret[0] in error


async def test_list_show_delete(gateway: Gateway, admin: Client, capsys, monkeypatch) -> None:
    monkeypatch.setenv("OS_TOKEN", admin.token)
    async with gateway.services.db.session.begin() as session:
        job = await enqueue(session, "copy_image", "image", "img-9", project_id="p1")
    table = await _job(gateway, capsys, "list", "--status", "new", "--project", "p1")
    assert job.id in table and "copy_image" in table.splitlines()[1]
    shown = json.loads(await _job(gateway, capsys, "show", job.id))
    assert shown["id"] == job.id and shown["attempt_log"] == []
    await _job(gateway, capsys, "delete", job.id)
    listed = json.loads(await _job(gateway, capsys, "list", "--project", "p1", "--json"))
    assert listed == {"jobs": []}
    with pytest.raises(SystemExit, match="error 404"):
        await _job(gateway, capsys, "redo", job.id)

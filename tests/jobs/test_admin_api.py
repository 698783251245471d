"""``/v1.0/jobs`` through a running gateway, admin only."""

from __future__ import annotations

from tests.gateway.harness import Client, Gateway
from tests.jobs.helpers import eventually, quick, status_is
from tricircle.jobs.models import FAIL
from tricircle.jobs.policy import PermanentError
from tricircle.jobs.queue import enqueue
from tricircle.jobs.registry import JobContext, Registry
from tricircle.jobs.worker import Worker


async def _enqueue(gateway: Gateway, resource_id: str, project_id: str = "p1") -> str:
    async with gateway.services.db.session.begin() as session:
        job = await enqueue(
            session, "sg_sync", "security_group", resource_id, project_id=project_id
        )
        return job.id


async def test_jobs_are_admin_only(gateway: Gateway, demo: Client) -> None:
    job_id = await _enqueue(gateway, "sg-1")
    for method, path in (
        ("GET", "/v1.0/jobs"),
        ("GET", f"/v1.0/jobs/{job_id}"),
        ("PUT", f"/v1.0/jobs/{job_id}"),
        ("DELETE", f"/v1.0/jobs/{job_id}"),
    ):
        reply = await demo.call(method, path)
        assert reply.status == 403, (method, path)
        assert reply.body["error"]["code"] == 403


async def test_list_show_redo_delete(gateway: Gateway, admin: Client) -> None:
    db = gateway.services.db
    ids = [await _enqueue(gateway, f"sg-{n}", project_id=f"p{n % 2}") for n in range(5)]
    handlers = Registry()

    @handlers.handler("sg_sync")
    async def sync(ctx: JobContext) -> None:
        if ctx.job.resource_id == "sg-0":
            raise PermanentError("security group sg-0 is gone")

    async with Worker(db, handlers, quick()):
        await eventually(lambda: status_is(db, ids[0], FAIL))

    failed = await admin.get("/v1.0/jobs", params={"status": "fail"})
    assert [j["id"] for j in failed.body["jobs"]] == [ids[0]], failed.body
    # the gateway's own worker keeps a reconcile job scheduled: look at this test's jobs only
    first = await admin.get("/v1.0/jobs", params={"limit": "3", "type": "sg_sync"})
    assert len(first.body["jobs"]) == 3
    rest = await admin.get(first.body["jobs_links"][0]["href"].split(gateway.url, 1)[1])
    assert [j["id"] for j in first.body["jobs"] + rest.body["jobs"]] == ids[::-1]
    p0 = await admin.get("/v1.0/jobs", params={"project_id": "p0", "type": "sg_sync"})
    assert {j["id"] for j in p0.body["jobs"]} == {ids[0], ids[2], ids[4]}
    one = await admin.get("/v1.0/jobs", params={"resource_id": "sg-3"})
    assert [j["id"] for j in one.body["jobs"]] == [ids[3]]

    shown = (await admin.get(f"/v1.0/jobs/{ids[0]}")).body["job"]
    assert shown["status"] == "fail" and "sg-0 is gone" in shown["last_error"]
    assert [a["outcome"] for a in shown["attempt_log"]] == ["fail"]

    redone = await admin.put(f"/v1.0/jobs/{ids[0]}")
    assert redone.status == 200 and redone.body["job"]["status"] == "new"
    assert (await admin.put(f"/v1.0/jobs/{ids[0]}")).status == 409
    assert (await admin.delete(f"/v1.0/jobs/{ids[0]}")).status == 204
    assert (await admin.get(f"/v1.0/jobs/{ids[0]}")).status == 404
    assert (await admin.delete(f"/v1.0/jobs/{ids[0]}")).status == 404


async def test_bad_queries_are_400(gateway: Gateway, admin: Client) -> None:
    assert (await admin.get("/v1.0/jobs", params={"status": "lost"})).status == 400
    assert (await admin.get("/v1.0/jobs", params={"limit": "x"})).status == 400
    assert (await admin.get("/v1.0/jobs", params={"marker": "nope"})).status == 400

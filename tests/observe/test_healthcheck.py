"""/healthcheck answers as oslo.middleware's: OK while the database answers, 503 otherwise."""

from __future__ import annotations

from tests.gateway.harness import Client, Gateway
from tests.jobs.helpers import eventually
from tricircle.db.engine import Database
from tricircle.sim.faults import Faults

JSON = {"Accept": "application/json"}


async def test_ok_as_text_and_to_head_without_a_token(gateway: Gateway) -> None:
    assert gateway.http is not None
    async with gateway.http.get(gateway.url + "/healthcheck") as answer:
        assert (answer.status, await answer.text()) == (200, "OK")
    async with gateway.http.head(gateway.url + "/healthcheck") as answer:
        assert answer.status == 204


async def test_a_project_user_gets_the_verdict_only(demo: Client) -> None:
    reply = await demo.get("/healthcheck", headers=JSON)
    assert (reply.status, reply.body) == (200, {"reasons": ["OK"]})


async def test_an_admin_sees_every_pod_with_its_admin_state_and_observed_health(
    gateway: Gateway, admin: Client
) -> None:
    pods = (await admin.get("/v1.0/pods")).body["pods"]
    pod2 = next(pod for pod in pods if pod["name"] == "pod2")
    await admin.put(f"/v1.0/pods/{pod2['id']}", {"pod": {"state": "maintenance"}})
    await gateway.sim.pods["pod1"].set_faults(Faults(down="refuse"))

    async def pod1_seen_down() -> bool:
        reply = await admin.get("/healthcheck", headers=JSON)
        return {p["name"]: p["health"] for p in reply.body["pods"]}["pod1"] == "down"

    await eventually(pod1_seen_down)
    reply = await admin.get("/healthcheck", headers=JSON)
    assert reply.status == 200 and reply.body["detailed"] is True
    assert reply.body["reasons"][0]["reason"] == "OK"
    report = {p["name"]: p for p in reply.body["pods"]}
    assert report["pod1"]["health"] == "down" and report["pod1"]["reason"]
    assert (report["pod1"]["az_name"], report["pod1"]["admin_state"]) == ("az1", "up")
    assert report["pod2"]["admin_state"] == "maintenance"
    assert report["pod3"] == {**report["pod3"], "health": "up", "reason": None}


async def test_an_unreachable_database_is_a_503_with_the_reason(
    gateway: Gateway, admin: Client, tmp_path
) -> None:
    working = gateway.services.db
    gateway.services.db = Database(f"sqlite:///{tmp_path}/missing/dir/tricircle.sqlite")
    try:
        assert gateway.http is not None
        async with gateway.http.get(gateway.url + "/healthcheck") as answer:
            assert answer.status == 503
            assert await answer.text() == "The database cannot be reached."
        reply = await admin.get("/healthcheck", headers=JSON)
        assert reply.status == 503
        assert reply.body["reasons"][0]["reason"] == "The database cannot be reached."
    finally:
        await gateway.services.db.dispose()
        gateway.services.db = working

"""Compute calls answered over every pod: tenant usage summed and paged as Nova pages its
cells, migrations merged, console tokens found in their pod; instance actions routed."""

from __future__ import annotations

import asyncio

from tests.gateway.harness import Client
from tests.gateway.test_servers import SERVERS, boot
from tricircle.sim.compute.model import Aggregate

USAGE = "/compute/v2.1/os-simple-tenant-usage"
MV = "OpenStack-API-Version"
PERIOD = "start=2020-01-01T00:00:00&end=2100-01-01T00:00:00"


async def _active(client: Client, az: str, name: str) -> str:
    server_id = (await client.post(SERVERS, boot(name, az=az))).body["server"]["id"]
    for _ in range(200):
        shown = await client.get(f"{SERVERS}/{server_id}")
        if shown.body["server"]["status"] == "ACTIVE":
            return server_id
        await asyncio.sleep(0.05)
    raise AssertionError(f"{server_id} never became ACTIVE")


async def test_usage_is_summed_over_the_pods_and_paged_across_them(gateway, admin, demo) -> None:
    servers = {await _active(demo, "az1", "u1"), await _active(demo, "az2", "u2")}
    project = await gateway.sim_project("demo")
    every = await admin.get(f"{USAGE}?{PERIOD}&detailed=1")
    assert every.status == 200, every.body
    (usage,) = [u for u in every.body["tenant_usages"] if u["tenant_id"] == project]
    assert {s["instance_id"] for s in usage["server_usages"]} == servers
    assert usage["total_vcpus_usage"] == sum(s["hours"] for s in usage["server_usages"])
    summary = await admin.get(f"{USAGE}?{PERIOD}")
    assert all("server_usages" not in u for u in summary.body["tenant_usages"])

    paged = {MV: "compute 2.40"}
    seen, query = [], f"{PERIOD}&limit=1"
    for _ in range(3):
        page = await demo.get(f"{USAGE}/{project}?{query}", headers=paged)
        assert page.status == 200, page.body
        found = page.body["tenant_usage"].get("server_usages", [])
        seen += [s["instance_id"] for s in found]
        if "tenant_usage_links" not in page.body:
            break
        next_href = page.body["tenant_usage_links"][0]["href"]
        assert f"/compute/v2.1/os-simple-tenant-usage/{project}?" in next_href
        query = next_href.split("?", 1)[1]
    assert sorted(seen) == sorted(servers)  # each once, over two pods
    bad = await demo.get(f"{USAGE}/{project}?{PERIOD}&marker=nope", headers=paged)
    assert bad.status == 400 and "nope" in bad.body["badRequest"]["message"]
    assert (await demo.get(f"{USAGE}?{PERIOD}")).status == 403


async def test_migrations_consoles_and_instance_actions(gateway, admin, demo) -> None:
    migrations = await admin.get("/compute/v2.1/os-migrations")
    assert (migrations.status, migrations.body) == (200, {"migrations": []})
    assert (await demo.get("/compute/v2.1/os-migrations")).status == 403
    paged = await admin.get("/compute/v2.1/os-migrations?marker=x", headers={MV: "compute 2.59"})
    assert paged.status == 400
    token = "/compute/v2.1/os-console-auth-tokens/abc"
    missing = await admin.get(token, headers={MV: "compute 2.31"})
    assert missing.body == {"itemNotFound": {"code": 404, "message": "Token not found"}}
    assert (await admin.get(token)).status == 400  # Nova: no tokens below 2.31
    assert (await demo.get(token, headers={MV: "compute 2.31"})).status == 403

    server_id = await _active(demo, "az2", "acts")
    assert (await demo.post(f"{SERVERS}/{server_id}/action", {"os-stop": None})).status == 202
    listed = await demo.get(f"{SERVERS}/{server_id}/os-instance-actions")
    actions = listed.body["instanceActions"]
    assert [a["action"] for a in actions] == ["stop", "create"]
    shown = await demo.get(f"{SERVERS}/{server_id}/os-instance-actions/{actions[0]['request_id']}")
    assert shown.body["instanceAction"]["instance_uuid"] == server_id


async def test_aggregates_of_every_pod_have_ids_of_their_own(gateway, admin, demo) -> None:
    aggregates = "/compute/v2.1/os-aggregates"
    made = {}
    for az, name in (("az1", "fast"), ("az2", "slow")):
        reply = await admin.post(aggregates, {"aggregate": {"name": name, "availability_zone": az}})
        if az == "az2":  # two pods there: which pod's hosts is it for?
            assert reply.status == 400, reply.body
            continue
        assert reply.status == 200, reply.body
        made[name] = reply.body["aggregate"]["id"]
    pod2 = gateway.sim.pods["pod2"].compute
    pod2.aggregates[1] = Aggregate(next(pod2.aggregate_ids), "pod2-own", None)  # its own id 1
    listed = (await admin.get(aggregates)).body["aggregates"]
    assert sorted(a["name"] for a in listed) == ["fast", "pod2-own"]
    assert len({a["id"] for a in listed}) == 2  # both pods say 1
    own = next(a["id"] for a in listed if a["name"] == "pod2-own")
    shown = await admin.get(f"{aggregates}/{own}")
    assert (shown.body["aggregate"]["id"], shown.body["aggregate"]["name"]) == (own, "pod2-own")
    action = f"{aggregates}/{made['fast']}/action"
    added = await admin.post(action, {"add_host": {"host": "pod1-compute1"}})
    assert added.body["aggregate"]["hosts"] == ["pod1-compute1"]
    assert added.body["aggregate"]["id"] == made["fast"]
    missing = await admin.post(action, {"add_host": {"host": "pod2-compute1"}})
    assert missing.status == 404  # another pod's host
    assert (await admin.post(action, {"remove_host": {"host": "pod1-compute1"}})).status == 200
    assert (await admin.delete(f"{aggregates}/{made['fast']}")).status == 200
    assert (await admin.get(f"{aggregates}/{made['fast']}")).status == 404
    assert (await admin.get(f"{aggregates}/999999")).status == 404
    assert (await demo.get(aggregates)).status == 403

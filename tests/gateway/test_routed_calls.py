"""What the kit guarantees of every routed call: the mark stays, routes are dropped only
when the owner's call and the gateway's look agree, fan-outs stay bounded, a user's own
objects in a pod are never replaced, and the inventory reads every page."""

from __future__ import annotations

import asyncio

import aiohttp

from tests.gateway.conftest import GatewayFactory
from tests.gateway.harness import Client, Gateway
from tests.gateway.test_servers import boot
from tricircle.jobs.pod_inventory import PodsInventory
from tricircle.pods.mark import MARK_KEY, MARK_VALUE
from tricircle.pods.routing import SERVER
from tricircle.sim import Faults
from tricircle.sim.compute import server_list
from tricircle.sim.compute.model import Quota

SERVERS = "/compute/v2.1/servers"


async def _server_in(gateway: Gateway, demo: Client) -> tuple[str, str]:
    reply = await demo.post(SERVERS, boot(az="az1"))
    assert reply.status == 202, reply.body
    return reply.body["server"]["id"], "pod1"


async def test_no_metadata_write_removes_or_changes_the_mark(
    gateway: Gateway, demo: Client
) -> None:
    server_id, pod = await _server_in(gateway, demo)
    metadata = f"{SERVERS}/{server_id}/metadata"
    assert (await demo.delete(f"{metadata}/{MARK_KEY}")).status == 404
    assert (await demo.put(f"{metadata}/{MARK_KEY}", {"meta": {MARK_KEY: "x"}})).status == 404
    reply = await demo.post(metadata, {"metadata": {MARK_KEY: "x", "color": "blue"}})
    assert reply.status == 200, reply.body
    assert reply.body["metadata"] == {"color": "blue"}
    reply = await demo.put(metadata, {"metadata": {}})
    assert reply.status == 200
    stored = gateway.sim.pods[pod].servers[server_id].metadata
    assert stored == {MARK_KEY: MARK_VALUE}


async def test_a_route_is_dropped_only_by_its_owners_call(
    gateway: Gateway, demo: Client, admin: Client
) -> None:
    server_id, pod = await _server_in(gateway, demo)
    del gateway.sim.pods[pod].servers[server_id]  # gone behind the gateway's back
    # an admin of another project is answered 404 by the pod, but the route is not theirs
    assert (await admin.get(f"{SERVERS}/{server_id}")).status == 404
    assert await gateway.services.routing.find(SERVER, server_id)
    # the owner's 404, confirmed by the gateway's own look, drops it
    assert (await demo.get(f"{SERVERS}/{server_id}")).status == 404
    assert not await gateway.services.routing.find(SERVER, server_id)


async def test_a_users_own_key_in_a_pod_is_reported_not_replaced(
    gateway: Gateway, demo: Client
) -> None:
    pod = gateway.sim.pods["pod1"]
    async with (
        aiohttp.ClientSession() as http,
        http.post(
            pod.url("compute") + "/os-keypairs",
            json={"keypair": {"name": "k1"}},
            headers={"X-Auth-Token": demo.token},
        ) as answer,
    ):
        assert answer.status == 200
        own = (await answer.json())["keypair"]["public_key"]
    assert (await demo.post("/compute/v2.1/os-keypairs", {"keypair": {"name": "k1"}})).status == 200
    reply = await demo.post(SERVERS, boot(az="az1", key_name="k1"))
    assert reply.status == 409, reply.body
    assert "az1" in reply.body["conflictingRequest"]["message"]
    [kept] = [k for k in pod.compute.keypairs.values() if k.name == "k1"]
    assert kept.public_key == own
    assert pod.servers == {}


async def test_fan_outs_ask_one_pod_at_a_time_when_told(make_gateway: GatewayFactory) -> None:
    gateway = await make_gateway(fanout_per_request=1)
    admin = await gateway.client("admin")
    client = gateway.services.pods
    calls = {"now": 0, "most": 0}
    request = client.request

    async def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls["now"] += 1
        calls["most"] = max(calls["most"], calls["now"])
        try:
            await asyncio.sleep(0.05)  # long enough for the others to start, were they free
            return await request(*args, **kwargs)
        finally:
            calls["now"] -= 1

    client.request = counted  # type: ignore[method-assign]
    reply = await admin.get("/compute/v2.1/os-services")
    assert reply.status == 200, reply.body
    assert calls["most"] == 1


async def test_the_inventory_follows_the_pods_next_links(
    gateway: Gateway, demo: Client, monkeypatch
) -> None:
    made = {(await _server_in(gateway, demo))[0] for _ in range(5)}
    monkeypatch.setattr(server_list, "MAX_LIMIT", 2)  # the pod pages by two
    services = gateway.services
    pod = next(p for p in await services.registry.all() if p.name == "pod1")
    found = await PodsInventory(services.pods, services.service_auth).list_marked(pod, SERVER)
    assert {o.top_id for o in found} == made


async def test_a_pod_that_cannot_be_reached_is_named_in_the_users_terms(
    gateway: Gateway, demo: Client
) -> None:
    server_id, pod = await _server_in(gateway, demo)
    await gateway.sim.pods[pod].set_faults(Faults(down="refuse"))
    reply = await demo.put(f"{SERVERS}/{server_id}", {"server": {"name": "renamed"}})
    assert reply.status == 503, reply.body
    message = reply.body["serviceUnavailable"]["message"]
    # whether the call or the probe found it first
    assert message in (
        "Pod pod1 in az1 could not be reached.",
        "Pod pod1 in az1 is unavailable: could not be reached.",
    ), message
    assert "127.0.0.1" not in message and "Error" not in message


async def test_a_create_the_pod_refuses_leaves_no_route(gateway: Gateway, demo: Client) -> None:
    pod = gateway.sim.pods["pod1"]
    pod.compute.quota = Quota(instances=0)  # the pod's Nova refuses with 403
    reply = await demo.post(SERVERS, boot(az="az1"))
    assert reply.status == 403, reply.body
    assert await gateway.services.routing.page(resource_type=SERVER) == []
    assert pod.servers == {}


async def test_a_server_whose_route_cannot_be_written_is_deleted_again(
    gateway: Gateway, demo: Client, monkeypatch
) -> None:
    routing = gateway.services.routing
    record = routing.add

    async def failing(project_id, resource_type, *args):  # type: ignore[no-untyped-def]
        if resource_type == SERVER:
            raise ConnectionError("the database went away")
        return await record(project_id, resource_type, *args)

    monkeypatch.setattr(routing, "add", failing)
    reply = await demo.post(SERVERS, boot(az="az1"))
    assert reply.status == 500, reply.body
    pod = gateway.sim.pods["pod1"]
    for _ in range(100):
        if not pod.servers:
            break
        await asyncio.sleep(0.05)
    assert pod.servers == {}, "the pod's server outlived its lost route"

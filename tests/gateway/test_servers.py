"""Servers through the gateway: routing, on-demand flavors/key pairs/images, bad input."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from tests.gateway.harness import IMAGE_ID, Client, Gateway
from tricircle.db.models import RoutingEntry

MV_2_54 = {"OpenStack-API-Version": "compute 2.54"}
SERVERS = "/compute/v2.1/servers"


def boot(name: str = "vm", az: str | None = "az1", **extra) -> dict:
    server = {"name": name, "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none", **extra}
    if az:
        server["availability_zone"] = az
    return {"server": server}


async def routing_count(gateway: Gateway, resource_type: str | None = "server") -> int:
    query = select(func.count()).select_from(RoutingEntry)
    if resource_type is not None:
        query = query.where(RoutingEntry.resource_type == resource_type)
    async with gateway.services.db.session() as session:
        return await session.scalar(query)


async def wait_gone(client: Client, server_id: str) -> None:
    for _ in range(200):
        if (await client.get(f"{SERVERS}/{server_id}")).status == 404:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{server_id} not deleted")


async def test_az_picks_a_pod_of_that_az_and_copies_the_flavor(gateway, demo) -> None:
    reply = await demo.post(SERVERS, boot(az="az2"))
    assert reply.status == 202, reply.body
    server_id = reply.body["server"]["id"]
    holders = [name for name, pod in gateway.sim.pods.items() if server_id in pod.servers]
    assert holders in (["pod2"], ["pod3"])
    assert "1" in gateway.sim.pods[holders[0]].compute.flavors
    assert "pod1" not in holders


async def test_projects_spread_over_the_pods_of_an_az_and_each_keeps_to_one(
    gateway, demo, other
) -> None:
    for client in (demo, other):
        for index in range(2):
            assert (await client.post(SERVERS, boot(f"vm{index}", az="az2"))).status == 202
    counts = {name: len(gateway.sim.pods[name].servers) for name in ("pod2", "pod3")}
    assert counts == {"pod2": 2, "pod3": 2}
    projects = {
        name: {s.project_id for s in gateway.sim.pods[name].servers.values()}
        for name in ("pod2", "pod3")
    }
    assert all(len(found) == 1 for found in projects.values()), projects


async def test_no_az_lands_somewhere_usable(gateway, demo) -> None:
    reply = await demo.post(SERVERS, boot(az=None))
    assert reply.status == 202
    shown = await demo.get(f"{SERVERS}/{reply.body['server']['id']}")
    assert shown.status == 200


async def test_actions_metadata_and_delete_are_routed(gateway, demo) -> None:
    server_id = (await demo.post(SERVERS, boot())).body["server"]["id"]
    for _ in range(100):
        if (await demo.get(f"{SERVERS}/{server_id}")).body["server"]["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    assert (await demo.post(f"{SERVERS}/{server_id}/action", {"os-stop": None})).status == 202
    conflict = await demo.post(f"{SERVERS}/{server_id}/action", {"reboot": {"type": "SOFT"}})
    assert conflict.status == 409 and "conflictingRequest" in conflict.body
    meta = await demo.put(f"{SERVERS}/{server_id}/metadata", {"metadata": {"role": "db"}})
    assert meta.status == 200 and meta.body["metadata"] == {"role": "db"}
    renamed = await demo.put(f"{SERVERS}/{server_id}", {"server": {"name": "renamed"}})
    assert renamed.body["server"]["name"] == "renamed"
    assert (await demo.delete(f"{SERVERS}/{server_id}")).status == 204
    await wait_gone(demo, server_id)


async def test_route_is_forgotten_once_the_pod_has_deleted_the_server(gateway, demo) -> None:
    before = await routing_count(gateway)
    server_id = (await demo.post(SERVERS, boot())).body["server"]["id"]
    assert await routing_count(gateway) == before + 1
    assert (await demo.delete(f"{SERVERS}/{server_id}")).status == 204
    for _ in range(200):
        if await routing_count(gateway) == before:
            break
        await asyncio.sleep(0.05)
    assert await routing_count(gateway) == before


async def test_another_projects_server_is_not_found(gateway, demo, other) -> None:
    server_id = (await demo.post(SERVERS, boot())).body["server"]["id"]
    for method in ("GET", "DELETE"):
        reply = await other.call(method, f"{SERVERS}/{server_id}")
        assert reply.status == 404
        assert reply.body["itemNotFound"]["message"] == f"Instance {server_id} could not be found."
    assert (await other.post(f"{SERVERS}/{server_id}/action", {"os-stop": None})).status == 404
    assert (await other.get(SERVERS)).body["servers"] == []
    assert (await demo.get(f"{SERVERS}/{server_id}")).status == 200


async def test_key_pair_is_imported_into_the_pod_at_boot(gateway, demo) -> None:
    created = await demo.post("/compute/v2.1/os-keypairs", {"keypair": {"name": "k1"}})
    assert created.status == 200 and "private_key" in created.body["keypair"]
    reply = await demo.post(SERVERS, boot(key_name="k1"))
    assert reply.status == 202, reply.body
    pod_keys = gateway.sim.pods["pod1"].compute.keypairs
    assert any(k.name == "k1" for k in _all_keys(pod_keys))
    missing = await demo.post(SERVERS, boot(key_name="nope"))
    assert (
        missing.status == 400
        and missing.body["badRequest"]["message"] == "Invalid key_name provided."
    )


def _all_keys(store):
    values = store.values() if hasattr(store, "values") else store
    for value in values:
        if hasattr(value, "name"):
            yield value
        else:
            yield from _all_keys(value)


async def test_image_by_name_is_resolved_in_the_pod(gateway, demo) -> None:
    reply = await demo.post(SERVERS, boot(imageRef="cirros"))
    assert reply.status == 202, reply.body
    server = gateway.sim.pods["pod1"].servers[reply.body["server"]["id"]]
    assert IMAGE_ID in str(vars(server))


async def test_bad_input_is_a_clear_400_and_stores_nothing(gateway, demo) -> None:
    before = await routing_count(gateway, None)
    cases = [
        (b"{not json", "Malformed request body"),
        (b'{"server": {"name": 5, "flavorRef": "1"}}', "name"),
        (b'{"server": {"name": "x"}}', "flavorRef"),
        (b'{"server": []}', "server"),
        (b"[]", "Invalid input"),
    ]
    for raw, words in cases:
        reply = await demo.post(SERVERS, data=raw, headers={"Content-Type": "application/json"})
        assert reply.status == 400, (raw, reply.body)
        assert words in reply.body["badRequest"]["message"], reply.body
    unknown = {
        "flavor": (boot(flavorRef="999"), "Flavor 999 could not be found."),
        "az": (boot(az="az9"), "The requested availability zone is not available"),
        "image": (boot(imageRef="no-such-image"), "availability zone az1"),
    }
    for what, (body, words) in unknown.items():
        reply = await demo.post(SERVERS, body)
        assert reply.status == 400, (what, reply.body)
        assert words in reply.body["badRequest"]["message"]
    assert await routing_count(gateway, None) == before
    assert sum(len(pod.servers) for pod in gateway.sim.pods.values()) == 0


async def test_oversized_body_is_413(gateway, demo) -> None:
    huge = b'{"server": {"name": "' + b"x" * 200_000 + b'"}}'
    reply = await demo.post(SERVERS, data=huge, headers={"Content-Type": "application/json"})
    assert reply.status == 413
    assert reply.body["overLimit"]["code"] == 413


async def test_unknown_paths_and_methods_answer_like_nova(gateway, demo) -> None:
    # Nova's router answers both with the web framework's 404, not a Nova fault
    json = {"Accept": "application/json"}
    missing = await demo.get("/compute/v2.1/os-no-such-thing", headers=json)
    assert missing.status == 404 and missing.body["code"] == "404 Not Found"
    wrong = await demo.call("PATCH", f"{SERVERS}/abc", headers=json)
    assert wrong.status == 404 and wrong.body["title"] == "Not Found"
    page = await demo.get("/compute/v2.1/os-no-such-thing", headers={"Accept": "*/*"})
    assert page.headers["Content-Type"].startswith("text/html") and b"404 Not Found" in page.body


async def test_a_pod_that_refuses_gives_503_naming_it(gateway, demo) -> None:
    from tricircle.sim import Faults

    server_id = (await demo.post(SERVERS, boot())).body["server"]["id"]
    gateway.sim.pods["pod1"].faults = Faults(down="refuse")
    reply = await demo.get(f"{SERVERS}/{server_id}")
    assert reply.status == 503
    assert "pod1" in reply.body["serviceUnavailable"]["message"]


async def test_a_server_deleted_behind_the_gateways_back_loses_its_route(gateway, demo) -> None:
    server_id = (await demo.post(SERVERS, boot())).body["server"]["id"]
    del gateway.sim.pods["pod1"].servers[server_id]
    reply = await demo.get(f"{SERVERS}/{server_id}")
    assert reply.status == 404
    assert await routing_count(gateway) == 0


async def test_the_requested_az_reaches_the_pod_which_pins_the_server(gateway, demo) -> None:
    pinned = {"OpenStack-API-Version": "compute 2.96"}
    for az, want in (("az2", "az2"), (None, None)):
        server_id = (await demo.post(SERVERS, boot(az=az))).body["server"]["id"]
        shown = await demo.get(f"{SERVERS}/{server_id}", headers=pinned)
        assert shown.body["server"]["pinned_availability_zone"] == want


async def test_mixed_case_names_page_in_the_pods_collation(gateway, demo) -> None:
    """As Nova on MariaDB sorts them: without regard to case ("alpha" before "Bravo")."""
    names = ("alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot")
    for index, name in enumerate(names):
        reply = await demo.post(SERVERS, boot(name, az=("az1", "az2")[index % 2]))
        assert reply.status == 202, reply.body
    walked, marker = [], ""
    while True:
        query = f"{SERVERS}?sort_key=display_name&sort_dir=asc&limit=2{marker}"
        page = (await demo.get(query)).body["servers"]
        walked += [server["name"] for server in page]
        if len(page) < 2:
            break
        marker = f"&marker={page[-1]['id']}"
    assert walked == sorted(names, key=str.casefold)


async def test_resize_and_rebuild_bring_what_they_name_into_the_pod(gateway, admin, demo) -> None:
    bigger = {"id": "77", "name": "m1.bigger", "ram": 1024, "vcpus": 1, "disk": 1}
    assert (await admin.post("/compute/v2.1/flavors", {"flavor": bigger})).status == 200
    reply = await demo.post(SERVERS, boot(az="az1"))
    server_id = reply.body["server"]["id"]
    pod = gateway.sim.pods["pod1"]
    for _ in range(100):
        if (await demo.get(f"{SERVERS}/{server_id}")).body["server"]["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    assert "77" not in pod.compute.flavors
    reply = await demo.post(f"{SERVERS}/{server_id}/action", {"resize": {"flavorRef": "77"}})
    assert reply.status == 202, reply.body
    assert "77" in pod.compute.flavors
    reply = await demo.post(f"{SERVERS}/{server_id}/action", {"resize": {"flavorRef": "99"}})
    assert reply.status == 400, reply.body
    # a key pair made after the boot, named by a rebuild (2.54), reaches the pod first
    reply = await demo.post(SERVERS, boot("second", az="az1"))
    second = reply.body["server"]["id"]
    for _ in range(100):
        if (await demo.get(f"{SERVERS}/{second}")).body["server"]["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    assert (
        await demo.post("/compute/v2.1/os-keypairs", {"keypair": {"name": "later"}})
    ).status == 200
    rebuild = {"rebuild": {"imageRef": IMAGE_ID, "key_name": "later"}}
    reply = await demo.post(f"{SERVERS}/{second}/action", rebuild, headers=MV_2_54)
    assert reply.status == 202, reply.body
    assert any(k.name == "later" for k in _all_keys(pod.compute.keypairs))


async def test_multiple_create_routes_every_server(gateway, demo) -> None:
    reply = await demo.post(SERVERS, boot("many", az="az1", min_count=3, max_count=3))
    assert reply.status == 202, reply.body
    reply = await demo.post(
        SERVERS, boot("more", az="az1", min_count=2, max_count=2, return_reservation_id=True)
    )
    assert reply.status == 202 and "reservation_id" in reply.body, reply.body
    listed = (await demo.get(f"{SERVERS}/detail")).body["servers"]
    assert sorted(s["name"] for s in listed) == [
        "many-1", "many-2", "many-3", "more-1", "more-2"
    ]  # fmt: skip
    for server in listed:
        assert (await demo.get(f"{SERVERS}/{server['id']}")).status == 200

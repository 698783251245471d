"""Server groups through the gateway: kept at the top, copied where members land, affinity
in one pod, anti-affinity spread over the AZ's pods."""

from __future__ import annotations

from tests.gateway.harness import IMAGE_ID, Client, Gateway
from tests.gateway.test_servers import SERVERS

GROUPS = "/compute/v2.1/os-server-groups"
MV_2_64 = {"OpenStack-API-Version": "compute 2.64"}


async def _group(client: Client, policy: str) -> str:
    body = {"server_group": {"name": f"g-{policy}", "policy": policy}}
    reply = await client.post(GROUPS, body, headers=MV_2_64)
    assert reply.status == 200, reply.body
    return reply.body["server_group"]["id"]


async def _boot_into(client: Client, group_id: str, name: str, az: str | None = "az2") -> str:
    server = {"name": name, "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"}
    if az:
        server["availability_zone"] = az
    body = {"server": server, "os:scheduler_hints": {"group": group_id}}
    reply = await client.post(SERVERS, body)
    assert reply.status == 202, reply.body
    return reply.body["server"]["id"]


async def _pod_of(gateway: Gateway, server_id: str) -> str:
    entry = await gateway.services.routing.find("server", server_id)
    return entry[0].pod_id


async def test_affinity_members_share_a_pod_and_the_group_lists_them(gateway, demo) -> None:
    group_id = await _group(demo, "affinity")
    first = await _boot_into(demo, group_id, "a1")
    second = await _boot_into(demo, group_id, "a2", az=None)  # no AZ: the members' pod
    assert await _pod_of(gateway, first) == await _pod_of(gateway, second)
    shown = await demo.get(f"{GROUPS}/{group_id}", headers=MV_2_64)
    assert shown.status == 200
    group = shown.body["server_group"]
    assert sorted(group["members"]) == sorted([first, second])
    assert (group["policy"], group["rules"]) == ("affinity", {})
    member = await demo.get(f"{SERVERS}/{first}", headers={"OpenStack-API-Version": "compute 2.71"})
    assert member.body["server"]["server_groups"] == [group_id]  # the top's id, not the copy's
    server = {"name": "a3", "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"}
    body = {"server": {**server, "availability_zone": "az1"}}
    elsewhere = await demo.post(SERVERS, {**body, "os:scheduler_hints": {"group": group_id}})
    assert elsewhere.status == 400, elsewhere.body  # the members are in az2


async def test_anti_affinity_spreads_over_the_pods_of_the_az(gateway, demo) -> None:
    group_id = await _group(demo, "anti-affinity")
    first = await _boot_into(demo, group_id, "b1")
    second = await _boot_into(demo, group_id, "b2")
    pods = {await _pod_of(gateway, first), await _pod_of(gateway, second)}
    assert len(pods) == 2  # each az2 pod has one host: both members could not share one
    listed = await demo.get(GROUPS)
    (group,) = listed.body["server_groups"]
    assert group["policies"] == ["anti-affinity"] and "policy" not in group
    assert sorted(group["members"]) == sorted([first, second])


async def test_a_group_is_copied_once_per_pod_and_its_copies_go_with_it(gateway, demo) -> None:
    group_id = await _group(demo, "soft-affinity")
    await _boot_into(demo, group_id, "c1")
    copies = await gateway.services.routing.find("server_group", group_id)
    assert len(copies) == 1
    pod = gateway.sim.pods[(await gateway.services.directory.get(copies[0].pod_id)).name]
    assert copies[0].bottom_id in pod.compute.server_groups
    assert (await demo.delete(f"{GROUPS}/{group_id}")).status == 204
    assert copies[0].bottom_id not in pod.compute.server_groups
    assert await gateway.services.routing.find("server_group", group_id) == []
    assert (await demo.get(f"{GROUPS}/{group_id}")).status == 404


async def test_groups_refuse_what_nova_refuses(gateway, demo, other) -> None:
    bad = {
        "two policies": {"name": "x", "policies": ["affinity", "anti-affinity"]},
        "soft before 2.15": {"name": "x", "policies": ["soft-affinity"]},
        "no name": {"policies": ["affinity"]},
    }
    for why, body in bad.items():
        reply = await demo.post(GROUPS, {"server_group": body})
        assert reply.status == 400, (why, reply.body)
        assert reply.body["badRequest"]["code"] == 400
    rules = {"name": "x", "policy": "affinity", "rules": {"max_server_per_host": 2}}
    reply = await demo.post(GROUPS, {"server_group": rules}, headers=MV_2_64)
    assert reply.body == {
        "badRequest": {"code": 400, "message": "Only anti-affinity policy supports rules."}
    }
    unknown = "9b1f7fb0-3a8e-4a2c-9a55-2f1f1f1f1f1f"
    reply = await demo.post(
        SERVERS,
        {
            "server": {"name": "x", "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"},
            "os:scheduler_hints": {"group": unknown},
        },
    )
    assert reply.status == 400
    assert reply.body["badRequest"]["message"] == f"Instance group {unknown} could not be found."
    mine = await _group(demo, "affinity")
    assert (await other.get(f"{GROUPS}/{mine}")).status == 403
    assert (await other.get(GROUPS)).body["server_groups"] == []
    assert (await other.get(f"{GROUPS}?all_projects=1")).status == 403


async def test_a_groups_members_are_counted_over_every_pod(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    limits = {"quota_set": {"server_group_members": 1}}
    assert (await admin.put(f"/compute/v2.1/os-quota-sets/{project}", limits)).status == 200
    group_id = await _group(demo, "anti-affinity")
    await _boot_into(demo, group_id, "d1")
    server = {"name": "d2", "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"}
    body = {"server": server, "os:scheduler_hints": {"group": group_id}}
    reply = await demo.post(SERVERS, body)  # another pod of az2 would take it: the top says no
    assert reply.body == {
        "forbidden": {"code": 403, "message": "Quota exceeded, too many servers in group"}
    }

"""Block storage through the gateway: volumes in the pods of their AZs, types from the top."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.gateway.harness import Client, Gateway
from tricircle.sim import Faults

V = "/volume/v3"


async def _available(client: Client, volume_id: str) -> dict[str, Any]:
    for _ in range(100):
        reply = await client.get(f"{V}/volumes/{volume_id}")
        assert reply.status == 200, reply.body
        if reply.body["volume"]["status"] == "available":
            return reply.body["volume"]
        await asyncio.sleep(0.05)
    raise AssertionError(f"volume {volume_id} never became available")


async def _snapshot(client: Client, volume_id: str) -> str:
    """A snapshot of the volume, once available: its path."""
    reply = await client.post(f"{V}/snapshots", {"snapshot": {"volume_id": volume_id}})
    assert reply.status == 202, reply.body
    path = f"{V}/snapshots/{reply.body['snapshot']['id']}"
    for _ in range(100):
        if (await client.get(path)).body["snapshot"]["status"] == "available":
            return path
        await asyncio.sleep(0.05)
    raise AssertionError(f"snapshot of {volume_id} never became available")


async def _pod_volumes(gateway: Gateway, pod: str) -> list[Any]:
    return list(gateway.sim.pods[pod].volume.volumes.values())


async def test_a_type_made_at_the_top_is_copied_where_its_first_volume_lands(
    gateway: Gateway, admin: Client, demo: Client
) -> None:
    reply = await admin.post(
        f"{V}/types", {"volume_type": {"name": "fast", "extra_specs": {"acme:tier": "gold"}}}
    )
    assert reply.status == 200, reply.body
    reply = await demo.post(
        f"{V}/volumes",
        {"volume": {"size": 1, "name": "v1", "volume_type": "fast", "availability_zone": "az2"}},
    )
    assert reply.status == 202, reply.body
    volume = await _available(demo, reply.body["volume"]["id"])
    assert volume["volume_type"] == "fast"
    assert volume["availability_zone"] == "az2"
    assert "tricircle" not in volume["metadata"]  # the gateway's mark stays in the pod
    in_pods = {name: await _pod_volumes(gateway, name) for name in ("pod1", "pod2", "pod3")}
    holders = [name for name, found in in_pods.items() if found]
    assert holders in (["pod2"], ["pod3"])


async def test_volume_lists_merge_the_pods_in_order_and_page(demo: Client) -> None:
    created = []
    for index, az in enumerate(("az1", "az2", "az1", "az2", "az2")):
        reply = await demo.post(
            f"{V}/volumes",
            {"volume": {"size": 1, "name": f"vol-{index}", "availability_zone": az}},
        )
        assert reply.status == 202, reply.body
        created.append(reply.body["volume"]["id"])
    reply = await demo.get(f"{V}/volumes/detail?sort=name:asc")
    assert [v["name"] for v in reply.body["volumes"]] == [f"vol-{i}" for i in range(5)]
    first = await demo.get(f"{V}/volumes?sort=name:asc&limit=2")
    assert [v["name"] for v in first.body["volumes"]] == ["vol-0", "vol-1"]
    assert set(first.body["volumes"][0]) == {"id", "name", "links"}
    marker = first.body["volumes"][-1]["id"]
    second = await demo.get(f"{V}/volumes?sort=name:asc&limit=2&marker={marker}")
    assert [v["name"] for v in second.body["volumes"]] == ["vol-2", "vol-3"]


async def test_bad_volume_requests_leave_nothing_anywhere(
    gateway: Gateway, demo: Client, other: Client
) -> None:
    cases = [
        ({"volume": {"size": 1, "volume_type": "nope"}}, 404),
        ({"volume": {"size": 1, "availability_zone": "az9"}}, 400),
        ({"volume": {"size": 0}}, 400),
        ({"volume": {"size": "abc"}}, 400),
        ({"volume": {"size": 1, "snapshot_id": "0b5f0bc8-1111-4c3e-9b88-000000000000"}}, 404),
        ({}, 400),
    ]
    for body, status in cases:
        reply = await demo.post(f"{V}/volumes", body)
        assert reply.status == status, (body, reply.body)
        assert set(reply.body) <= {"badRequest", "itemNotFound"}, reply.body
    reply = await demo.call("POST", f"{V}/volumes", data=b"{not json")
    assert reply.status == 400
    for name in ("pod1", "pod2", "pod3"):
        assert await _pod_volumes(gateway, name) == []
    # another project's volume is not there for them
    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1}})
    volume_id = reply.body["volume"]["id"]
    assert (await other.get(f"{V}/volumes/{volume_id}")).status == 404
    assert (await other.delete(f"{V}/volumes/{volume_id}")).status == 404
    assert (await other.get(f"{V}/volumes")).body["volumes"] == []


async def test_snapshots_and_volumes_from_them_stay_in_the_volume_pod(demo: Client) -> None:
    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az1"}})
    volume = await _available(demo, reply.body["volume"]["id"])
    reply = await demo.post(f"{V}/snapshots", {"snapshot": {"volume_id": volume["id"]}})
    assert reply.status == 202, reply.body
    snapshot_id = reply.body["snapshot"]["id"]
    listed = await demo.get(f"{V}/snapshots/detail")
    assert [s["id"] for s in listed.body["snapshots"]] == [snapshot_id]
    reply = await demo.post(
        f"{V}/volumes",
        {"volume": {"snapshot_id": snapshot_id, "availability_zone": "az2"}},
    )
    assert reply.status == 400, reply.body
    assert "az1" in reply.body["badRequest"]["message"]


async def test_routed_paths_cannot_leave_the_volume(demo: Client) -> None:
    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1}})
    volume_id = reply.body["volume"]["id"]
    for tail in ("..%2F..%2Ftypes", "metadata/..%2F..", "metadata/%2E%2E", "nope"):
        reply = await demo.get(f"{V}/volumes/{volume_id}/{tail}")
        assert reply.status == 404, (tail, reply.body)


async def test_version_documents_and_zones(gateway: Gateway, demo: Client) -> None:
    reply = await demo.call("GET", "/volume/")
    assert reply.status == 300
    assert reply.body["versions"][0]["id"] == "v3.0"
    zones = await demo.get(f"{V}/os-availability-zone")
    assert [z["zoneName"] for z in zones.body["availabilityZoneInfo"]] == ["az1", "az2"]
    own = await gateway.sim_project("demo")
    assert (await demo.get(f"{V}/{own}/os-availability-zone")).status == 200
    other = await demo.get(f"{V}/{'0' * 32}/os-availability-zone")
    assert other.status == 400
    assert other.body["badRequest"]["message"] == "Malformed request url"


async def test_a_volume_attaches_only_in_its_own_pod_and_boots_there(demo: Client) -> None:
    from tests.gateway.test_servers import boot

    reply = await demo.post("/compute/v2.1/servers", boot(az="az1"))
    assert reply.status == 202, reply.body
    server_id = reply.body["server"]["id"]
    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az2"}})
    volume = await _available(demo, reply.body["volume"]["id"])
    attach = {"volumeAttachment": {"volumeId": volume["id"]}}
    reply = await demo.post(f"/compute/v2.1/servers/{server_id}/os-volume_attachments", attach)
    assert reply.status == 400, reply.body
    message = reply.body["badRequest"]["message"]
    assert "az1" in message and "az2" in message
    # a server booting from the volume goes to the volume's pod, not the AZ asked for
    mapping = {
        "boot_index": 0,
        "uuid": volume["id"],
        "source_type": "volume",
        "destination_type": "volume",
    }
    reply = await demo.post(
        "/compute/v2.1/servers", boot(az="az1", block_device_mapping_v2=[mapping])
    )
    assert reply.status == 400, reply.body
    assert "az2" in reply.body["badRequest"]["message"]


async def test_server_paths_cannot_leave_the_server(gateway: Gateway, demo: Client) -> None:
    from tests.gateway.test_servers import boot

    reply = await demo.post("/compute/v2.1/servers", boot(az="az1"))
    server_id = reply.body["server"]["id"]
    for method, tail in (
        ("GET", "..%2F..%2Fflavors"),
        ("POST", "..%2F..%2Fservers"),
        ("POST", "..%2F..%2Fos-keypairs"),
        ("GET", "metadata/..%2F..%2F..%2Fflavors"),
        ("GET", "no-such-thing"),
    ):
        reply = await demo.call(method, f"/compute/v2.1/servers/{server_id}/{tail}", json={})
        assert reply.status == 404, (method, tail, reply.body)
    assert len(gateway.sim.pods["pod1"].compute.servers) == 1


async def test_a_projects_volume_and_server_of_one_az_share_a_pod(demo: Client) -> None:
    """az2 has two pods: what one project makes there must still attach."""
    from tests.gateway.test_servers import boot

    for index in range(3):
        reply = await demo.post(
            f"{V}/volumes", {"volume": {"size": 1, "name": f"v{index}", "availability_zone": "az2"}}
        )
        assert reply.status == 202, reply.body
    volume = await _available(demo, reply.body["volume"]["id"])
    reply = await demo.post("/compute/v2.1/servers", boot(az="az2"))
    assert reply.status == 202, reply.body
    server_id = reply.body["server"]["id"]
    for _ in range(100):
        shown = await demo.get(f"/compute/v2.1/servers/{server_id}")
        if shown.body["server"]["status"] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    attach = {"volumeAttachment": {"volumeId": volume["id"]}}
    reply = await demo.post(f"/compute/v2.1/servers/{server_id}/os-volume_attachments", attach)
    assert reply.status == 200, reply.body


async def test_a_snapshot_stays_routed_until_its_pod_has_deleted_it(
    gateway: Gateway, demo: Client
) -> None:
    """Cinder deletes a snapshot after its 202: until the pod no longer has it the gateway
    shows it (deleting) rather than a 404, so a client waiting for it to go, as the CLI and
    openstacksdk do, deletes its volume only once the pod lets it; nothing is left."""
    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az1"}})
    volume = await _available(demo, reply.body["volume"]["id"])
    snapshot = await _snapshot(demo, volume["id"])
    assert (await demo.delete(snapshot)).status == 202
    shown = await demo.get(snapshot)
    assert (shown.status, shown.body["snapshot"]["status"]) == (200, "deleting"), shown.body
    while (await demo.get(snapshot)).status != 404:
        await asyncio.sleep(0.05)
    reply = await demo.delete(f"{V}/volumes/{volume['id']}")
    assert reply.status == 202, reply.body
    pod = gateway.sim.pods["pod1"].volume
    for _ in range(100):
        if not pod.volumes:
            break
        await asyncio.sleep(0.05)
    assert not pod.volumes and not pod.snapshots
    routes = await gateway.services.routing.page(resource_type="snapshot")
    assert routes == []


def _mv(version: str) -> dict[str, str]:
    return {"OpenStack-API-Version": f"volume {version}"}


async def test_an_unknown_filter_is_refused_even_with_nothing_to_list(demo: Client) -> None:
    """From 3.31 Cinder refuses a member's unknown filter; with no volumes yet no pod holds
    any, and one the project may use still judges the query."""
    for path in ("/volumes", "/volumes/detail", "/snapshots", "/backups/detail"):
        reply = await demo.get(f"{V}{path}?no_such_filter=1", headers=_mv("3.31"))
        assert reply.status == 400, (path, reply.body)
        assert "no_such_filter" in reply.body["badRequest"]["message"]
        reply = await demo.get(f"{V}{path}?no_such_filter=1", headers=_mv("3.30"))
        assert reply.status == 200, (path, reply.body)
    await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az1"}})
    reply = await demo.get(f"{V}/volumes?no_such_filter=1", headers=_mv("3.31"))
    assert reply.status == 400, reply.body


async def test_a_member_sees_the_extra_specs_cinder_shows_members(
    admin: Client, demo: Client
) -> None:
    specs = {"acme:tier": "gold", "multiattach": "<is> True"}
    reply = await admin.post(f"{V}/types", {"volume_type": {"name": "t", "extra_specs": specs}})
    assert reply.status == 200, reply.body
    assert reply.body["volume_type"]["extra_specs"] == specs
    assert "qos_specs_id" not in reply.body["volume_type"]
    type_path = f"{V}/types/{reply.body['volume_type']['id']}"
    shown = (await demo.get(type_path)).body["volume_type"]
    assert shown["extra_specs"] == {"multiattach": "<is> True"} and "qos_specs_id" not in shown
    listed = (await demo.get(f"{V}/types")).body["volume_types"]
    assert [t["extra_specs"] for t in listed if t["name"] == "t"] == [{"multiattach": "<is> True"}]
    reply = await demo.get(f"{type_path}/extra_specs")
    assert reply.body == {"extra_specs": {"multiattach": "<is> True"}}, reply.body
    assert (await demo.get(f"{type_path}/extra_specs/acme:tier")).status == 404
    assert (await demo.get(f"{type_path}/extra_specs/multiattach")).status == 200
    shown = (await admin.get(type_path)).body["volume_type"]
    assert shown["extra_specs"] == specs and shown["qos_specs_id"] is None


async def test_the_plain_snapshot_list_shows_cinders_summary_view(demo: Client) -> None:
    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az1"}})
    volume = await _available(demo, reply.body["volume"]["id"])
    body = {"snapshot": {"volume_id": volume["id"], "name": "s", "metadata": {"k": "v"}}}
    assert (await demo.post(f"{V}/snapshots", body)).status == 202
    (snapshot,) = (await demo.get(f"{V}/snapshots")).body["snapshots"]
    assert set(snapshot) == {
        *("id", "created_at", "updated_at", "name", "description", "volume_id", "status"),
        *("size", "metadata"),
    }
    assert (snapshot["volume_id"], snapshot["metadata"]) == (volume["id"], {"k": "v"})
    (detail,) = (await demo.get(f"{V}/snapshots/detail")).body["snapshots"]
    assert "os-extended-snapshot-attributes:project_id" in detail


async def test_with_count_counts_over_the_pods(demo: Client) -> None:
    for index, az in enumerate(("az1", "az2", "az1")):
        volume = {"size": 1, "name": f"c{index}", "availability_zone": az}
        assert (await demo.post(f"{V}/volumes", {"volume": volume})).status == 202
    reply = await demo.get(f"{V}/volumes?with_count=true&limit=1", headers=_mv("3.45"))
    assert reply.body["count"] == 3 and len(reply.body["volumes"]) == 1, reply.body
    marker = reply.body["volumes"][0]["id"]
    reply = await demo.get(
        f"{V}/volumes/detail?with_count=true&name=c1&marker={marker}", headers=_mv("3.45")
    )
    assert reply.body["count"] == 1, reply.body
    reply = await demo.get(f"{V}/volumes?with_count=false", headers=_mv("3.45"))
    assert "count" not in reply.body and len(reply.body["volumes"]) == 3
    reply = await demo.get(f"{V}/volumes?with_count=true", headers=_mv("3.44"))
    assert "count" not in reply.body
    reply = await demo.get(f"{V}/snapshots?with_count=true", headers=_mv("3.45"))
    assert reply.body == {"snapshots": [], "count": 0}, reply.body


async def _type(admin: Client, name: str, **fields: Any) -> str:
    reply = await admin.post(f"{V}/types", {"volume_type": {"name": name, **fields}})
    assert reply.status == 200, reply.body
    return reply.body["volume_type"]["id"]


def _pod_type_id(gateway: Gateway, pod: str, name: str) -> str:
    (found,) = [t.id for t in gateway.sim.pods[pod].volume.types.values() if t.name == name]
    return found


async def test_volumes_name_their_type_by_the_tops_id(
    gateway: Gateway, admin: Client, demo: Client
) -> None:
    """A pod's copy of a type has the pod's own id; answers show the top's."""
    fast = await _type(admin, "fast")
    at = _mv("3.63")
    body = {"volume": {"size": 1, "volume_type": "fast", "availability_zone": "az1"}}
    reply = await demo.post(f"{V}/volumes", body, headers=at)
    assert reply.status == 202, reply.body
    assert reply.body["volume"]["volume_type_id"] == fast
    volume_id = reply.body["volume"]["id"]
    assert _pod_type_id(gateway, "pod1", "fast") != fast
    shown = (await demo.get(f"{V}/volumes/{volume_id}", headers=at)).body["volume"]
    assert (shown["volume_type"], shown["volume_type_id"]) == ("fast", fast)
    plain = {"volume": {"size": 1, "availability_zone": "az2"}}
    assert (await demo.post(f"{V}/volumes", plain)).status == 202
    default = (await demo.get(f"{V}/types/default")).body["volume_type"]["id"]
    listed = (await demo.get(f"{V}/volumes/detail?sort=name", headers=at)).body["volumes"]
    assert sorted(v["volume_type_id"] for v in listed) == sorted([fast, default])
    reply = await demo.put(f"{V}/volumes/{volume_id}", {"volume": {"name": "x"}}, headers=at)
    assert reply.body["volume"]["volume_type_id"] == fast, reply.body


async def test_retype_copies_the_new_type_into_the_volumes_pod(
    gateway: Gateway, admin: Client, demo: Client
) -> None:
    await _type(admin, "slow")
    fast = await _type(admin, "fast")
    await _type(admin, "hidden", **{"os-volume-type-access:is_public": False})
    body = {"volume": {"size": 1, "volume_type": "slow", "availability_zone": "az1"}}
    volume = await _available(demo, (await demo.post(f"{V}/volumes", body)).body["volume"]["id"])
    action = f"{V}/volumes/{volume['id']}/action"
    for ref, status in (("nope", 404), ("hidden", 404)):
        reply = await demo.post(action, {"os-retype": {"new_type": ref}})
        assert reply.status == status, (ref, reply.body)
    assert {t.name for t in gateway.sim.pods["pod1"].volume.types.values()} == {
        "__DEFAULT__",
        "slow",
    }
    reply = await demo.post(action, {"os-retype": {"new_type": fast, "migration_policy": "never"}})
    assert reply.status == 202, reply.body
    assert _pod_type_id(gateway, "pod1", "fast") != fast
    for _ in range(100):
        shown = (await demo.get(f"{V}/volumes/{volume['id']}", headers=_mv("3.63"))).body
        if shown["volume"]["volume_type"] == "fast":
            break
        await asyncio.sleep(0.05)
    assert (shown["volume"]["volume_type"], shown["volume"]["volume_type_id"]) == ("fast", fast)


async def test_a_transfer_accepted_by_another_project_moves_its_volume(
    gateway: Gateway, demo: Client, other: Client
) -> None:
    at = _mv("3.55")
    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az2"}})
    volume = await _available(demo, reply.body["volume"]["id"])
    snapshot = await _snapshot(demo, volume["id"])
    reply = await demo.post(
        f"{V}/volume-transfers", {"transfer": {"volume_id": volume["id"]}}, headers=at
    )
    assert reply.status == 202, reply.body
    transfer = reply.body["transfer"]
    accept = f"{V}/volume-transfers/{transfer['id']}/accept"
    reply = await other.post(accept, {"accept": {"auth_key": "wrong"}}, headers=at)
    assert reply.status == 400, reply.body
    assert (await other.get(f"{V}/volumes/{volume['id']}")).status == 404
    reply = await other.post(accept, {"accept": {"auth_key": transfer["auth_key"]}}, headers=at)
    assert reply.status == 202, reply.body
    assert reply.body["transfer"]["volume_id"] == volume["id"]
    assert (await other.get(f"{V}/volumes/{volume['id']}")).status == 200
    assert (await other.get(snapshot)).status == 200
    assert (await demo.get(f"{V}/volumes/{volume['id']}")).status == 404
    assert [v["id"] for v in (await other.get(f"{V}/volumes")).body["volumes"]] == [volume["id"]]
    assert (await demo.get(f"{V}/volumes")).body["volumes"] == []
    routes = await gateway.services.routing.page(resource_type="volume")
    assert [r.project_id for r in routes] == [await gateway.sim_project("other")]
    reply = await other.post(accept, {"accept": {"auth_key": transfer["auth_key"]}}, headers=at)
    assert reply.status == 404, reply.body


async def test_the_summary_by_microversion_and_one_extra_spec_updated(admin: Client) -> None:
    assert (await admin.get(f"{V}/volumes/summary", headers=_mv("3.11"))).status == 404
    reply = await admin.get(f"{V}/volumes/summary", headers=_mv("3.12"))
    assert reply.body == {"volume-summary": {"total_size": 0, "total_count": 0}}, reply.body
    reply = await admin.get(f"{V}/volumes/summary", headers=_mv("3.36"))
    assert reply.body["volume-summary"]["metadata"] == {}, reply.body
    specs = f"{V}/types/{await _type(admin, 't', extra_specs={'k': 'v'})}/extra_specs"
    reply = await admin.put(f"{specs}/k", {"k": "w"})
    assert (reply.status, reply.body) == (200, {"k": "w"}), reply.body
    for body in ({"other": "w"}, {"k": "w", "other": "x"}, ["k"]):
        assert (await admin.put(f"{specs}/k", body)).status == 400, body
    assert (await admin.get(specs)).body == {"extra_specs": {"k": "w"}}


async def test_a_down_pod_leaves_the_volume_list_at_once_and_comes_back(
    gateway: Gateway, demo: Client
) -> None:
    """As for servers below 2.69: the list answers from the pods that answer, without
    waiting once the pod is known down, and shows its volumes again when it is back."""
    for az in ("az1", "az2"):
        reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": az}})
        assert reply.status == 202, reply.body
    pod2 = next(name for name in ("pod2", "pod3") if gateway.sim.pods[name].volume.volumes)
    pod_id = next(
        p.id for p in (await gateway.services.directory.pods()).values() if p.name == pod2
    )
    await gateway.sim.pods[pod2].set_faults(Faults(down="hang"))
    for _ in range(100):
        if gateway.services.pods.health.is_down(pod_id):
            break
        await asyncio.sleep(0.05)
    reply = await demo.get(f"{V}/volumes/detail")
    assert reply.status == 200
    assert [v["availability_zone"] for v in reply.body["volumes"]] == ["az1"]
    await gateway.sim.pods[pod2].set_faults(Faults())
    for _ in range(100):
        if not gateway.services.pods.health.is_down(pod_id):
            break
        await asyncio.sleep(0.05)
    reply = await demo.get(f"{V}/volumes/detail")
    assert sorted(v["availability_zone"] for v in reply.body["volumes"]) == ["az1", "az2"]


async def test_a_servers_delete_on_termination_volume_loses_its_route_with_it(
    gateway: Gateway, demo: Client
) -> None:
    from tests.gateway.test_servers import boot

    reply = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az1"}})
    volume = await _available(demo, reply.body["volume"]["id"])
    mapping = {
        "boot_index": 0,
        "uuid": volume["id"],
        "source_type": "volume",
        "destination_type": "volume",
        "delete_on_termination": True,
    }
    reply = await demo.post("/compute/v2.1/servers", boot(block_device_mapping_v2=[mapping]))
    assert reply.status == 202, reply.body
    server_id = reply.body["server"]["id"]
    for _ in range(100):
        if (await demo.get(f"/compute/v2.1/servers/{server_id}")).body["server"][
            "status"
        ] == "ACTIVE":
            break
        await asyncio.sleep(0.05)
    assert (await demo.delete(f"/compute/v2.1/servers/{server_id}")).status == 204
    routing = gateway.services.routing
    for _ in range(200):
        if not await routing.find("volume", volume["id"]):
            break
        await asyncio.sleep(0.05)
    assert not await routing.find("volume", volume["id"])
    assert (await demo.get(f"{V}/volumes/{volume['id']}")).status == 404

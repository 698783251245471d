"""The top's flavor registry and key pairs, AZs and the aggregated admin calls."""

from __future__ import annotations

FLAVORS = "/compute/v2.1/flavors"
KEYS = "/compute/v2.1/os-keypairs"
V = "OpenStack-API-Version"
SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRiq3cD1bdC6rWT6hHPd0KcpYg1gO1R8a9+9O4vq1kE test@host"
)


async def test_flavor_lists_sort_and_page_like_nova(gateway, admin, demo) -> None:
    listed = await demo.get(FLAVORS)
    assert [f["id"] for f in listed.body["flavors"]] == ["1", "2"]
    assert set(listed.body["flavors"][0]) == {"id", "name", "links"}
    detail = await demo.get(f"{FLAVORS}/detail", headers={V: "compute 2.75"})
    tiny = detail.body["flavors"][0]
    assert tiny["ram"] == 512 and tiny["swap"] == 0 and tiny["description"] is None
    old = await demo.get(f"{FLAVORS}/detail")
    assert old.body["flavors"][0]["swap"] == "" and "description" not in old.body["flavors"][0]
    page = await demo.get(FLAVORS, params={"limit": "1"})
    assert [f["id"] for f in page.body["flavors"]] == ["1"]
    assert "marker=1" in page.body["flavors_links"][0]["href"]
    rest = await demo.get(FLAVORS, params={"marker": "1"})
    assert [f["id"] for f in rest.body["flavors"]] == ["2"]
    assert (await demo.get(FLAVORS, params={"marker": "nope"})).status == 400
    by_ram = await demo.get(FLAVORS, params={"minRam": "1024"})
    assert [f["id"] for f in by_ram.body["flavors"]] == ["2"]


async def test_only_admins_manage_flavors(gateway, admin, demo) -> None:
    body = {"flavor": {"name": "m1.big", "ram": 8192, "vcpus": 4, "disk": 80, "id": "9"}}
    denied = await demo.post(FLAVORS, body)
    assert denied.status == 403 and "forbidden" in denied.body
    created = await admin.post(FLAVORS, body)
    assert created.status == 200 and created.body["flavor"]["id"] == "9"
    assert (await admin.post(FLAVORS, body)).status == 409
    bad = await admin.post(FLAVORS, {"flavor": {"name": "x", "ram": -1, "vcpus": 1, "disk": 1}})
    assert bad.status == 400 and "ram" in bad.body["badRequest"]["message"]
    specs = await admin.post(
        f"{FLAVORS}/9/os-extra_specs", {"extra_specs": {"hw:cpu_policy": "dedicated"}}
    )
    assert specs.status == 200
    shown = await demo.get(f"{FLAVORS}/9", headers={V: "compute 2.61"})
    assert shown.body["flavor"]["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    assert (await demo.delete(f"{FLAVORS}/9")).status == 403
    assert (await admin.delete(f"{FLAVORS}/9")).status == 202
    assert (await demo.get(f"{FLAVORS}/9")).status == 404


async def test_private_flavors_need_access(gateway, admin, demo, other) -> None:
    body = {
        "flavor": {
            "name": "secret",
            "ram": 256,
            "vcpus": 1,
            "disk": 1,
            "id": "p1",
            "os-flavor-access:is_public": False,
        }
    }
    assert (await admin.post(FLAVORS, body)).status == 200
    assert (await demo.get(f"{FLAVORS}/p1")).status == 404
    project = await gateway.sim_project("demo")
    granted = await admin.post(f"{FLAVORS}/p1/action", {"addTenantAccess": {"tenant": project}})
    assert granted.status == 200
    assert (await demo.get(f"{FLAVORS}/p1")).status == 200
    assert (await other.get(f"{FLAVORS}/p1")).status == 404
    boot = {
        "server": {"name": "v", "flavorRef": "p1", "imageRef": "cirros", "availability_zone": "az1"}
    }
    assert (await demo.post("/compute/v2.1/servers", boot)).status == 202
    refused = await other.post("/compute/v2.1/servers", boot)
    assert refused.status == 400 and "p1" in refused.body["badRequest"]["message"]


async def test_keypairs_are_per_user_and_versioned(gateway, demo, other) -> None:
    imported = await demo.post(
        KEYS, {"keypair": {"name": "k", "public_key": SSH_KEY}}, headers={V: "compute 2.2"}
    )
    assert imported.status == 201 and imported.body["keypair"]["type"] == "ssh"
    assert imported.body["keypair"]["fingerprint"].count(":") == 15
    assert (await demo.post(KEYS, {"keypair": {"name": "k", "public_key": SSH_KEY}})).status == 409
    garbage = await demo.post(KEYS, {"keypair": {"name": "g", "public_key": "ssh-rsa nonsense"}})
    assert garbage.status == 400
    unsafe = await demo.post(KEYS, {"keypair": {"name": "bad/name", "public_key": SSH_KEY}})
    assert unsafe.status == 400
    must_import = await demo.post(KEYS, {"keypair": {"name": "n"}}, headers={V: "compute 2.92"})
    assert must_import.status == 400
    assert [k["keypair"]["name"] for k in (await demo.get(KEYS)).body["keypairs"]] == ["k"]
    assert (await other.get(KEYS)).body["keypairs"] == []
    assert (await other.get(f"{KEYS}/k")).status == 404
    shown = await demo.get(f"{KEYS}/k")
    assert shown.body["keypair"]["public_key"] == SSH_KEY
    assert (await demo.delete(f"{KEYS}/k", headers={V: "compute 2.2"})).status == 204
    assert (await demo.get(f"{KEYS}/k")).status == 404


async def test_availability_zones_are_the_pods_zones(gateway, admin, demo) -> None:
    zones = await demo.get("/compute/v2.1/os-availability-zone")
    assert [
        (z["zoneName"], z["zoneState"]["available"]) for z in zones.body["availabilityZoneInfo"]
    ] == [("az1", True), ("az2", True)]
    assert (await demo.get("/compute/v2.1/os-availability-zone/detail")).status == 403
    detail = await admin.get("/compute/v2.1/os-availability-zone/detail")
    assert detail.status == 200


async def test_admin_views_join_every_pod(gateway, admin, demo) -> None:
    hypervisors = await admin.get("/compute/v2.1/os-hypervisors")
    assert hypervisors.status == 200 and len(hypervisors.body["hypervisors"]) >= 3
    services = await admin.get("/compute/v2.1/os-services")
    assert services.status == 200 and len(services.body["services"]) >= 3
    assert (await demo.get("/compute/v2.1/os-hypervisors")).status == 403
    limits = await demo.get("/compute/v2.1/limits")
    assert limits.status == 200 and "maxTotalInstances" in limits.body["limits"]["absolute"]


async def test_image_api_shows_each_image_once(gateway, demo) -> None:
    images = await demo.get("/image/v2/images")
    assert images.status == 200
    assert [i["name"] for i in images.body["images"]] == ["cirros"]
    one = images.body["images"][0]["id"]
    assert (await demo.get(f"/image/v2/images/{one}")).body["id"] == one
    assert (await demo.get("/image/v2/images/nope")).status == 404


async def test_flavor_fields_take_novas_parameter_types(gateway, admin, demo) -> None:
    body = {"name": "typed", "id": 42, "ram": "256", "vcpus": 1, "disk": 1}
    reply = await admin.post(FLAVORS, {"flavor": {**body, "os-flavor-access:is_public": "False"}})
    assert reply.status == 200, reply.body
    assert reply.body["flavor"]["id"] == "42"
    assert reply.body["flavor"]["os-flavor-access:is_public"] is False
    assert (await demo.get(f"{FLAVORS}/42")).status == 404  # private: not the member's
    for bad in ({"id": " 7"}, {"os-flavor-access:is_public": "maybe"}):
        reply = await admin.post(FLAVORS, {"flavor": {**body, "name": "bad", **bad}})
        assert reply.status == 400, (bad, reply.body)


async def test_hypervisors_of_every_pod_have_ids_of_their_own(gateway, admin, demo) -> None:
    old = {"OpenStack-API-Version": "compute 2.52"}
    listed = (await admin.get("/compute/v2.1/os-hypervisors", headers=old)).body["hypervisors"]
    names = {h["hypervisor_hostname"] for h in listed}
    assert names == {"pod1-compute1", "pod2-compute1", "pod3-compute1"}
    ids = [h["id"] for h in listed]
    assert len(set(ids)) == 3 and all(isinstance(i, int) for i in ids)  # each pod says 1
    for hypervisor in listed:
        path = f"/compute/v2.1/os-hypervisors/{hypervisor['id']}"
        shown = (await admin.get(path, headers=old)).body["hypervisor"]
        assert (shown["id"], shown["hypervisor_hostname"]) == (
            hypervisor["id"],
            hypervisor["hypervisor_hostname"],
        )
    again = (await admin.get("/compute/v2.1/os-hypervisors", headers=old)).body["hypervisors"]
    assert [h["id"] for h in again] == ids  # the same ids every time
    stats = await admin.get("/compute/v2.1/os-hypervisors/statistics", headers=old)
    assert stats.body["hypervisor_statistics"]["count"] == 3
    found = await admin.get("/compute/v2.1/os-hypervisors/pod2/search", headers=old)
    assert [h["hypervisor_hostname"] for h in found.body["hypervisors"]] == ["pod2-compute1"]
    new = {"OpenStack-API-Version": "compute 2.53"}
    uuids = (await admin.get("/compute/v2.1/os-hypervisors", headers=new)).body["hypervisors"]
    shown = await admin.get(f"/compute/v2.1/os-hypervisors/{uuids[1]['id']}", headers=new)
    assert shown.body["hypervisor"]["hypervisor_hostname"] == uuids[1]["hypervisor_hostname"]
    for path in ("/compute/v2.1/os-hypervisors/999999", "/compute/v2.1/os-hypervisors/x"):
        assert (await admin.get(path, headers=old)).status == 404
    assert (await demo.get("/compute/v2.1/os-hypervisors", headers=old)).status == 403

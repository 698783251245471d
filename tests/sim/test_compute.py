"""Nova: auth, microversions, servers, state checks, lists, flavors, keypairs, AZs."""

import asyncio

import pytest

IMAGE = "11111111-1111-1111-1111-111111111111"
MV = {"OpenStack-API-Version": "compute 2.96"}


async def boot(api, pod, name="vm", **extra):
    body = {"name": name, "flavorRef": "1", "imageRef": IMAGE, "networks": "none", **extra}
    status, _, resp = await api.call("POST", pod.url("compute") + "/servers",
                                           {"server": body}, MV)
    assert status == 202, resp
    return resp["server"]["id"]


async def action(api, pod, sid, body, headers=MV):
    return await api.call("POST", pod.url("compute") + f"/servers/{sid}/action", body, headers)


async def test_token_required_and_request_id(pod, api):
    api.token = None
    status, headers, body = await api.call("GET", pod.url("compute") + "/servers")
    assert status == 401 and body["error"]["code"] == 401
    assert headers["x-openstack-request-id"].startswith("req-")
    status, _, body = await api.call("GET", pod.url("compute") + "/servers",
                                     headers={"X-Auth-Token": "nope"})
    assert status == 401


async def test_version_documents_are_public(pod, api):
    api.token = None
    status, _, body = await api.call("GET", pod.base_url + "/compute/")
    assert status == 200
    v21 = next(v for v in body["versions"] if v["id"] == "v2.1")
    assert v21["version"] == "2.96" and v21["min_version"] == "2.1"
    status, _, body = await api.call("GET", pod.url("compute"))
    assert body["version"]["id"] == "v2.1"


async def test_microversion_negotiation(pod, api):
    url = pod.url("compute") + "/servers"
    _, headers, _ = await api.call("GET", url)
    assert headers["OpenStack-API-Version"] == "compute 2.1"
    assert headers["X-OpenStack-Nova-API-Version"] == "2.1"
    assert "OpenStack-API-Version" in headers["Vary"]
    _, headers, _ = await api.call("GET", url, headers={"OpenStack-API-Version": "compute latest"})
    assert headers["OpenStack-API-Version"] == "compute 2.96"
    _, headers, _ = await api.call("GET", url, headers={"X-OpenStack-Nova-API-Version": "2.53"})
    assert headers["X-OpenStack-Nova-API-Version"] == "2.53"
    status, headers, body = await api.call("GET", url,
                                           headers={"OpenStack-API-Version": "compute 2.200"})
    assert status == 406
    assert body["computeFault"]["message"] == (
        "Version 2.200 is not supported by the API. Minimum is 2.1 and maximum is 2.96.")
    assert headers["x-openstack-request-id"]
    status, _, body = await api.call("GET", url, headers={"OpenStack-API-Version": "compute 2.x"})
    assert status == 400 and "invalid format" in body["badRequest"]["message"]


async def test_pod_max_version(cloud, api):
    old = await cloud.add_pod("old", compute_max_version="2.60")
    status, _, _ = await api.call("GET", old.url("compute") + "/servers",
                                  headers={"OpenStack-API-Version": "compute 2.61"})
    assert status == 406


async def test_boot_goes_build_then_active(cloud, api):
    slow = await cloud.add_pod("slow", boot_delay=0.2)
    slow.add_image("cirros", id=IMAGE)
    sid = await boot(api, slow)
    _, _, body = await api.call("GET", slow.url("compute") + f"/servers/{sid}", headers=MV)
    assert body["server"]["status"] == "BUILD"
    assert body["server"]["OS-EXT-STS:vm_state"] == "building"

    await asyncio.sleep(0.3)
    _, _, body = await api.call("GET", slow.url("compute") + f"/servers/{sid}", headers=MV)
    server = body["server"]
    assert server["status"] == "ACTIVE" and server["OS-EXT-STS:power_state"] == 1
    assert server["OS-SRV-USG:launched_at"]
    status, _, _ = await api.call("DELETE", slow.url("compute") + f"/servers/{sid}")
    assert status == 204 and sid in slow.servers  # deleting takes boot_delay
    await asyncio.sleep(0.3)
    assert sid not in slow.servers


async def test_server_body_by_microversion(pod, api):
    sid = await boot(api, pod, metadata={"k": "v"})
    url = pod.url("compute") + f"/servers/{sid}"
    _, _, body = await api.call("GET", url, headers=MV)
    s = body["server"]
    assert s["flavor"]["original_name"] == "m1.tiny" and "id" not in s["flavor"]
    assert s["OS-EXT-AZ:availability_zone"] == "az1"
    assert s["OS-EXT-SRV-ATTR:host"] == "pod1-compute1"
    assert s["metadata"] == {"k": "v"} and s["tags"] == [] and s["locked"] is False
    assert s["image"]["id"] == IMAGE and s["created"].endswith("Z")
    _, _, body = await api.call("GET", url)
    s = body["server"]
    assert s["flavor"]["id"] == "1" and "tags" not in s and "locked" not in s


async def test_create_validation(pod, api):
    url = pod.url("compute") + "/servers"
    cases = [
        ({"name": "x", "imageRef": IMAGE, "networks": "none"}, 400, "flavorRef"),
        ({"name": "x", "flavorRef": "999", "imageRef": IMAGE, "networks": "none"}, 400,
         "Invalid flavorRef provided."),
        ({"name": "x", "flavorRef": "1", "imageRef": "22222222-2222-2222-2222-222222222222",
          "networks": "none"}, 400, "could not be found"),
        ({"name": " x", "flavorRef": "1", "imageRef": IMAGE, "networks": "none"}, 400,
         "Invalid input for field/attribute name"),
        ({"name": "x", "flavorRef": "1", "imageRef": IMAGE}, 400, "'networks' is a required"),
        ({"name": "x", "flavorRef": "1", "imageRef": IMAGE, "networks": "none",
          "availability_zone": "nowhere"}, 400, "availability zone"),
        ({"name": "x", "flavorRef": "1", "imageRef": IMAGE, "networks": "none",
          "key_name": "missing"}, 400, "Invalid key_name provided."),
        ({"name": "x", "flavorRef": "1", "imageRef": IMAGE, "networks": [{"uuid": "nope"}]},
         400, "Network nope could not be found."),
    ]
    for body, code, text in cases:
        status, _, resp = await api.call("POST", url, {"server": body}, MV)
        assert status == code, (body, resp)
        assert text in resp["badRequest"]["message"], resp
    assert not pod.servers


async def test_scoping_hides_other_projects(pod, api, user_in_demo):
    sid = await boot(api, pod)
    await api.login("demo", "secret", "demo")
    status, _, body = await api.call("GET", pod.url("compute") + f"/servers/{sid}")
    assert status == 404
    assert body == {"itemNotFound": {"code": 404, "message": f"Instance {sid} could not be found."}}
    _, _, body = await api.call("GET", pod.url("compute") + "/servers")
    assert body["servers"] == []
    status, _, body = await api.call("GET", pod.url("compute") + "/servers?all_tenants=1")
    assert status == 403 and body["forbidden"]["code"] == 403
    status, _, body = await api.call("GET", pod.url("compute") + "/os-hypervisors")
    assert status == 403


async def test_state_checks_and_transitions(pod, api):
    sid = await boot(api, pod)
    status, _, _ = await action(api, pod, sid, {"os-stop": None})
    assert status == 202 and pod.servers[sid].status == "SHUTOFF"
    status, _, body = await action(api, pod, sid, {"os-stop": None})
    assert status == 409
    assert body["conflictingRequest"]["message"] == (
        f"Cannot 'stop' instance {sid} while it is in vm_state stopped")
    for act, expected in [({"os-start": None}, "ACTIVE"), ({"pause": None}, "PAUSED"),
                          ({"unpause": None}, "ACTIVE"), ({"suspend": None}, "SUSPENDED"),
                          ({"resume": None}, "ACTIVE"), ({"reboot": {"type": "HARD"}}, "ACTIVE"),
                          ({"rescue": None}, "RESCUE"), ({"unrescue": None}, "ACTIVE"),
                          ({"resize": {"flavorRef": "2"}}, "VERIFY_RESIZE"),
                          ({"confirmResize": None}, "ACTIVE"),
                          ({"shelve": None}, "SHELVED_OFFLOADED"), ({"unshelve": None}, "ACTIVE")]:
        status, _, body = await action(api, pod, sid, act)
        assert status in (200, 202, 204), (act, body)
        assert pod.servers[sid].status == expected, act
    assert pod.servers[sid].flavor.id == "2"
    status, _, body = await action(api, pod, sid, {"resize": {"flavorRef": "2"}})
    assert status == 400 and "must change flavor" in body["badRequest"]["message"]
    status, _, body = await action(api, pod, sid, {"bogus": None})
    assert status == 404


async def test_task_state_blocks_second_action(cloud, api):
    slow = await cloud.add_pod("slow2", boot_delay=0)
    slow.add_image("cirros", id=IMAGE)
    sid = await boot(api, slow)
    slow.action_delay = 5
    await action(api, slow, sid, {"os-stop": None})
    status, _, body = await action(api, slow, sid, {"pause": None})
    assert status == 409 and "task_state powering-off" in body["conflictingRequest"]["message"]


async def test_lock_blocks_owner(pod, api, user_in_demo, cloud):
    await api.login("demo", "secret", "demo")
    sid = await boot(api, pod)
    await action(api, pod, sid, {"lock": {"locked_reason": "maintenance"}})
    status, _, body = await api.call("DELETE", pod.url("compute") + f"/servers/{sid}")
    assert status == 409 and "locked" in body["conflictingRequest"]["message"]
    _, _, body = await api.call("GET", pod.url("compute") + f"/servers/{sid}", headers=MV)
    assert body["server"]["locked_reason"] == "maintenance"


async def test_create_image_action(pod, api):
    sid = await boot(api, pod)
    status, _, body = await action(api, pod, sid, {"createImage": {"name": "snap"}})
    assert status == 202 and body["image_id"] in pod.images
    status, headers, _ = await action(api, pod, sid, {"createImage": {"name": "snap2"}}, {})
    assert status == 202 and "/images/" in headers["Location"]


async def test_list_filters_sort_and_paging(pod, api):
    ids = [await boot(api, pod, f"web-{i}") for i in range(5)]
    other = await boot(api, pod, "db-0")
    url = pod.url("compute") + "/servers"
    _, _, body = await api.call("GET", url + "?name=^web")
    assert {s["id"] for s in body["servers"]} == set(ids)
    _, _, body = await api.call("GET", url + "/detail?status=ACTIVE&sort_key=display_name"
                                "&sort_dir=asc")
    assert [s["name"] for s in body["servers"]] == ["db-0"] + [f"web-{i}" for i in range(5)]
    _, _, body = await api.call("GET", url + "?sort_key=display_name&sort_dir=desc&limit=2")
    assert [s["name"] for s in body["servers"]] == ["web-4", "web-3"]
    seen = [s["id"] for s in body["servers"]]
    nxt = body["servers_links"][0]
    assert nxt["rel"] == "next" and "marker=" in nxt["href"]
    while "servers_links" in body:
        _, _, body = await api.call("GET", body["servers_links"][0]["href"])
        seen += [s["id"] for s in body["servers"]]
    assert sorted(seen) == sorted([*ids, other]) and len(seen) == 6
    status, _, body = await api.call("GET", url + "?marker=nope")
    assert status == 400 and body["badRequest"]["message"] == "marker [nope] not found"
    status, _, body = await api.call("GET", url + "?sort_key=bogus")
    assert status == 400
    status, _, body = await api.call("GET", url + "?limit=-1")
    assert status == 400
    _, _, body = await api.call("GET", url + "?status=SHUTOFF")
    assert body["servers"] == []
    _, _, body = await api.call("GET", url + "?flavor=1&image=" + IMAGE)
    assert len(body["servers"]) == 6


async def test_changes_since_shows_deleted(pod, api):
    sid = await boot(api, pod)
    await api.call("DELETE", pod.url("compute") + f"/servers/{sid}")
    _, _, body = await api.call("GET", pod.url("compute") + "/servers/detail")
    assert body["servers"] == []
    _, _, body = await api.call("GET", pod.url("compute") +
                                "/servers/detail?changes-since=2000-01-01T00:00:00Z")
    assert [s["status"] for s in body["servers"]] == ["DELETED"]


async def test_networks_ports_and_addresses(pod, api):
    net = pod.network.create_network("x", "private", shared=True)
    pod.network.create_subnet("x", net["id"], "10.1.0.0/24")
    sid = await boot(api, pod, networks=[{"uuid": net["id"], "fixed_ip": "10.1.0.50"}])
    _, _, body = await api.call("GET", pod.url("compute") + f"/servers/{sid}", headers=MV)
    assert body["server"]["addresses"]["private"][0]["addr"] == "10.1.0.50"
    _, _, body = await api.call("GET", pod.url("compute") + "/servers?ip=10.1.0.5")
    assert len(body["servers"]) == 1
    _, _, body = await api.call("GET", pod.url("compute") + f"/servers/{sid}/os-interface")
    port_id = body["interfaceAttachments"][0]["port_id"]
    assert pod.network.ports[port_id]["device_id"] == sid
    await api.call("DELETE", pod.url("compute") + f"/servers/{sid}")
    assert port_id not in pod.network.ports


async def test_metadata_routes(pod, api):
    sid = await boot(api, pod, metadata={"a": "1"})
    base = pod.url("compute") + f"/servers/{sid}/metadata"
    _, _, body = await api.call("POST", base, {"metadata": {"b": "2"}})
    assert body["metadata"] == {"a": "1", "b": "2"}
    _, _, body = await api.call("PUT", base, {"metadata": {"c": "3"}})
    assert body["metadata"] == {"c": "3"}
    _, _, body = await api.call("GET", base + "/c")
    assert body == {"meta": {"c": "3"}}
    status, _, _ = await api.call("PUT", base + "/d", {"meta": {"e": "1"}})
    assert status == 400
    status, _, _ = await api.call("DELETE", base + "/c")
    assert status == 204
    status, _, body = await api.call("GET", base + "/c")
    assert status == 404 and "itemNotFound" in body


async def test_quota(cloud, api):
    small = await cloud.add_pod("small", instances=2)
    small.add_image("cirros", id=IMAGE)
    await boot(api, small, "a")
    await boot(api, small, "b")
    status, _, body = await api.call("POST", small.url("compute") + "/servers", {"server": {
        "name": "c", "flavorRef": "1", "imageRef": IMAGE, "networks": "none"}}, MV)
    assert status == 403 and "Quota exceeded for instances" in body["forbidden"]["message"]


async def test_flavors(pod, api, user_in_demo):
    url = pod.url("compute") + "/flavors"
    _, _, body = await api.call("GET", url + "/detail", headers=MV)
    tiny = next(f for f in body["flavors"] if f["name"] == "m1.tiny")
    assert tiny["ram"] == 512 and tiny["extra_specs"] == {} and tiny["swap"] == 0
    status, _, body = await api.call("POST", url, {"flavor": {
        "name": "custom", "ram": 1024, "vcpus": 2, "disk": 10, "id": "custom-1"}})
    assert status == 200 and body["flavor"]["id"] == "custom-1"
    status, _, body = await api.call("POST", url, {"flavor": {
        "name": "custom2", "ram": 1024, "vcpus": 2, "disk": 10, "id": "custom-1"}})
    assert status == 409
    status, _, body = await api.call("POST", url + "/custom-1/os-extra_specs",
                                     {"extra_specs": {"hw:cpu_policy": "dedicated"}})
    assert body["extra_specs"] == {"hw:cpu_policy": "dedicated"}
    _, _, body = await api.call("GET", url + "?limit=2")
    assert len(body["flavors"]) == 2 and body["flavors_links"][0]["rel"] == "next"
    await api.login("demo", "secret", "demo")
    status, _, body = await api.call("DELETE", url + "/custom-1")
    assert status == 403
    assert body["forbidden"]["message"].startswith("Policy doesn't allow")


async def test_keypairs(pod, api):
    url = pod.url("compute") + "/os-keypairs"
    status, _, body = await api.call("POST", url, {"keypair": {"name": "gen"}}, MV_OLD)
    assert status == 201 and body["keypair"]["private_key"].startswith("-----BEGIN")
    public = body["keypair"]["public_key"]
    status, _, body = await api.call("POST", url, {"keypair": {"name": "imp",
                                                               "public_key": public}}, MV)
    assert status == 201 and "private_key" not in body["keypair"]
    status, _, body = await api.call("POST", url, {"keypair": {"name": "imp",
                                                               "public_key": public}}, MV)
    assert status == 409
    _, _, body = await api.call("GET", url)
    assert {k["keypair"]["name"] for k in body["keypairs"]} == {"gen", "imp"}
    sid = await boot(api, pod, key_name="imp")
    assert pod.servers[sid].key_name == "imp"
    status, _, _ = await api.call("DELETE", url + "/gen", headers=MV)
    assert status == 204
    status, _, body = await api.call("GET", url + "/gen")
    assert status == 404


MV_OLD = {"OpenStack-API-Version": "compute 2.91"}


async def test_availability_zones_limits_services(pod, api):
    base = pod.url("compute")
    _, _, body = await api.call("GET", base + "/os-availability-zone")
    assert body["availabilityZoneInfo"] == [
        {"zoneName": "az1", "zoneState": {"available": True}, "hosts": None}]
    _, _, body = await api.call("GET", base + "/os-availability-zone/detail")
    assert {z["zoneName"] for z in body["availabilityZoneInfo"]} == {"az1", "internal"}
    _, _, body = await api.call("GET", base + "/limits")
    assert body["limits"]["absolute"]["maxTotalInstances"] == 10
    _, _, body = await api.call("GET", base + "/os-services")
    assert {s["binary"] for s in body["services"]} == {"nova-compute", "nova-conductor",
                                                       "nova-scheduler"}
    _, _, body = await api.call("GET", base + "/os-hypervisors/detail", headers=MV)
    assert body["hypervisors"][0]["hypervisor_hostname"] == "pod1-compute1"


@pytest.mark.parametrize("path", ["/servers/nope", "/flavors/nope", "/os-keypairs/nope"])
async def test_not_found_bodies(pod, api, path):
    status, _, body = await api.call("GET", pod.url("compute") + path)
    assert status == 404 and body["itemNotFound"]["code"] == 404

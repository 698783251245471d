"""Glance, Neutron and Cinder: the parts a server boot touches."""

PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


async def test_glance_lifecycle(pod, api):
    base = pod.url("image")
    status, _, body = await api.call("GET", base + "/")
    current = [v["id"] for v in body["versions"] if v["status"] == "CURRENT"]
    assert status == 300 and current == ["v2.17"]  # listed after 2.16-2.8, as Glance 32 does
    status, _, body = await api.call("POST", base + "/v2/images", {
        "name": "up", "disk_format": "raw", "container_format": "bare",
        "id": "33333333-3333-3333-3333-333333333333", "os_distro": "cirros"})
    assert status == 201 and body["status"] == "queued" and body["os_distro"] == "cirros"
    image_id = body["id"]
    status, _, body = await api.call("POST", base + "/v2/images", {"id": image_id})
    assert status == 409
    async with api.session.put(f"{base}/v2/images/{image_id}/file", data=b"hello",
                               headers={"X-Auth-Token": api.token,
                                        "Content-Type": "application/octet-stream"}) as r:
        assert r.status == 204
    _, _, body = await api.call("GET", f"{base}/v2/images/{image_id}")
    assert body["status"] == "active" and body["size"] == 5
    async with api.session.get(f"{base}/v2/images/{image_id}/file",
                               headers={"X-Auth-Token": api.token}) as r:
        assert await r.read() == b"hello"
    status, _, body = await api.call("PATCH", f"{base}/v2/images/{image_id}",
                                     [{"op": "replace", "path": "/name", "value": "renamed"}],
                                     PATCH)
    assert status == 200 and body["name"] == "renamed"
    status, _, body = await api.call("PATCH", f"{base}/v2/images/{image_id}", [])
    assert status == 415
    status, _, _ = await api.call("DELETE", f"{base}/v2/images/{image_id}")
    assert status == 204
    status, _, body = await api.call("GET", f"{base}/v2/images/{image_id}")
    assert status == 404 and body["title"] == "Not Found"


async def test_glance_paging(pod, api):
    for i in range(4):
        pod.add_image(f"img{i}")
    base = pod.url("image") + "/v2/images"
    _, _, body = await api.call("GET", base + "?limit=2&sort=name:asc")
    assert [i["name"] for i in body["images"]] == ["cirros", "img0"]
    assert body["next"].startswith("/v2/images?") and "marker=" in body["next"]
    _, _, body = await api.call("GET", pod.url("image") + body["next"])
    assert [i["name"] for i in body["images"]] == ["img1", "img2"]
    status, _, body = await api.call("GET", base + "?marker=nope")
    assert status == 400
    _, _, body = await api.call("GET", base + "?name=img3")
    assert [i["name"] for i in body["images"]] == ["img3"]


async def test_neutron_basics(pod, api, user_in_demo):
    base = pod.url("network") + "/v2.0"
    status, _, body = await api.call("POST", base + "/networks", {"network": {"name": "n1"}})
    assert status == 201
    net_id = body["network"]["id"]
    status, _, body = await api.call("POST", base + "/subnets", {"subnet": {
        "network_id": net_id, "cidr": "192.168.1.0/24", "ip_version": 4}})
    assert status == 201 and body["subnet"]["gateway_ip"] == "192.168.1.1"
    status, _, body = await api.call("POST", base + "/ports", {"port": {
        "network_id": net_id, "fixed_ips": [{"ip_address": "192.168.1.10"}]}})
    assert status == 201 and body["port"]["fixed_ips"][0]["ip_address"] == "192.168.1.10"
    status, _, body = await api.call("POST", base + "/ports", {"port": {
        "network_id": net_id, "fixed_ips": [{"ip_address": "192.168.1.10"}]}})
    assert status == 409 and body["NeutronError"]["type"] == "IpAddressAlreadyAllocated"
    _, _, body = await api.call("GET", base + "/networks?name=n1")
    assert [n["id"] for n in body["networks"]] == [net_id]
    status, _, body = await api.call("GET", base + "/networks/nope")
    assert status == 404 and body["NeutronError"]["type"] == "NetworkNotFound"
    status, _, body = await api.call("POST", base + "/subnets", {"subnet": {
        "network_id": net_id, "cidr": "bad"}})
    assert status == 400
    await api.login("demo", "secret", "demo")
    _, _, body = await api.call("GET", base + "/networks")
    assert body["networks"] == []
    _, _, body = await api.call("GET", base + "/security-groups")
    assert [g["name"] for g in body["security_groups"]] == ["default"]


async def test_cinder_basics(pod, api):
    base = pod.url("volumev3")
    status, headers, body = await api.call("POST", base + "/volumes", {"volume": {"size": 1}})
    assert status == 202 and headers["OpenStack-API-Version"] == "volume 3.0"
    vid = body["volume"]["id"]
    _, _, body = await api.call("GET", base + f"/volumes/{vid}")
    assert body["volume"]["status"] == "available"
    status, _, body = await api.call("POST", base + "/volumes", {"volume": {"size": 0}})
    assert status == 400 and "badRequest" in body
    status, _, _ = await api.call("GET", base + "/volumes",
                                  headers={"OpenStack-API-Version": "volume 3.99"})
    assert status == 406
    sid_status, _, server = await api.call("POST", pod.url("compute") + "/servers", {"server": {
        "name": "bfv", "flavorRef": "1", "networks": "none", "block_device_mapping_v2": [
            {"boot_index": 0, "uuid": vid, "source_type": "volume",
             "destination_type": "volume"}]}}, {"OpenStack-API-Version": "compute 2.96"})
    assert sid_status == 202, server
    assert pod.volume.volumes[vid].status == "in-use"
    status, _, body = await api.call("DELETE", base + f"/volumes/{vid}")
    assert status == 400
    await api.call("DELETE", pod.url("compute") + f"/servers/{server['server']['id']}")
    status, _, _ = await api.call("DELETE", base + f"/volumes/{vid}")
    assert status == 202 and vid not in pod.volume.volumes
    status, _, body = await api.call("GET", base + f"/volumes/{vid}")
    assert status == 404 and body["itemNotFound"]["code"] == 404

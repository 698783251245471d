"""Cinder volumes: versions, create validation, views, update, delete, metadata, lists."""

import asyncio
import json

IMAGE = "11111111-1111-1111-1111-111111111111"
MISSING = "22222222-2222-2222-2222-222222222222"


async def test_version_documents(pod, api):
    api.token = None
    status, _, body = await api.call("GET", pod.base_url + "/volume/")
    assert status == 300
    (v3,) = body["versions"]
    assert (v3["id"], v3["status"], v3["min_version"], v3["version"]) == (
        "v3.0", "CURRENT", "3.0", "3.71")
    assert [link["rel"] for link in v3["links"]] == ["describedby", "self"]
    assert v3["media-types"][0]["type"] == "application/vnd.openstack.volume+json;version=3"
    status, _, body = await api.call("GET", pod.url("volumev3") + "/")
    assert status == 200 and body["versions"][0]["id"] == "v3.0"


async def test_microversion_negotiation(pod, api):
    url = pod.url("volumev3") + "/volumes"
    _, headers, _ = await api.call("GET", url)
    assert headers["OpenStack-API-Version"] == "volume 3.0"
    assert headers["Vary"] == "OpenStack-API-Version"
    _, headers, _ = await api.call("GET", url, headers={"OpenStack-API-Version": "volume latest"})
    assert headers["OpenStack-API-Version"] == "volume 3.71"
    status, headers, body = await api.call("GET", url,
                                           headers={"OpenStack-API-Version": "volume 3.80"})
    assert status == 406 and headers["OpenStack-API-Version"] == "volume 3.80"
    assert body["computeFault"]["message"] == (
        "Version 3.80 is not supported by the API. Minimum is 3.0 and maximum is 3.71.")
    status, _, body = await api.call("GET", url, headers={"OpenStack-API-Version": "volume 3.x"})
    assert status == 400 and "invalid format" in body["badRequest"]["message"]


async def test_create_goes_creating_then_available(cloud, api):
    slow = await cloud.add_pod("slow", az="az9", boot_delay=0.2)
    url = slow.url("volumev3") + "/volumes"
    status, _, body = await api.call("POST", url, {"volume": {"size": 1, "name": "v"}})
    volume = body["volume"]
    assert status == 202 and volume["status"] == "creating"
    assert volume["updated_at"] is None and "os-vol-tenant-attr:tenant_id" not in volume
    _, _, body = await api.call("GET", f"{url}/{volume['id']}")
    assert body["volume"]["status"] == "creating"
    await asyncio.sleep(0.3)
    _, _, body = await api.call("GET", f"{url}/{volume['id']}")
    assert body["volume"]["status"] == "available" and body["volume"]["updated_at"]
    status, _, _ = await api.call("DELETE", f"{url}/{volume['id']}")
    assert status == 202 and slow.volume.volumes[volume["id"]].status == "deleting"
    await asyncio.sleep(0.3)
    assert volume["id"] not in slow.volume.volumes


async def test_create_validation_in_cinders_words(pod, cinder):
    cases = [
        ({"volume": {"size": "abc"}}, 400,
         "Invalid input for field/attribute size. Value: abc. 'abc' does not match '^[0-9]+$'"),
        ({"volume": {"size": 0}}, 400,
         "Invalid input for field/attribute size. Value: 0. 0 is less than the minimum of 1"),
        ({"volume": {"size": 1.5}}, 400, "1.5 is not of type 'integer', 'string', 'null'"),
        ({}, 400, "'volume' is a required property"),
        ({"volume": {}}, 400, "The server could not comply with the request"),
        ({"volume": {"size": 1, "metadata": {"a": 1}}}, 400,
         "Invalid input for field/attribute a. Value: 1. 1 is not of type 'string'"),
        ({"volume": {"size": 1, "name": "x" * 256}}, 400,
         "Invalid input received: name has 256 characters, more than 255."),
        ({"volume": {"size": 1, "snapshot_id": "nope"}}, 400,
         "'nope' is not valid under any of the given schemas"),
        ({"volume": {"size": 1, "volume_type": "nope"}}, 404,
         "Volume type with name nope could not be found."),
        ({"volume": {"size": 1, "volume_type": MISSING}}, 404,
         f"Volume type {MISSING} could not be found."),
        ({"volume": {"size": 1, "snapshot_id": MISSING}}, 404,
         f"Snapshot {MISSING} could not be found."),
        ({"volume": {"size": 1, "source_volid": MISSING}}, 404,
         f"Volume {MISSING} could not be found."),
        ({"volume": {"size": 1, "availability_zone": "nowhere"}}, 400,
         "Availability zone 'nowhere' is invalid."),
        ({"volume": {"size": 1, "imageRef": MISSING}}, 400,
         "Invalid image identifier or unable to access requested image."),
        ({"volume": {"size": 1, "multiattach": True}}, 400, "multiattach parameter has been"),
    ]
    for body, status, message in cases:
        got, data = await cinder.call("POST", "/volumes", body, version="3.0")
        assert got == status and message in cinder.fault(data)[1], (body, data)
    # 3.53 refuses keys it does not know; before, they were ignored
    status, data = await cinder.call("POST", "/volumes", {"volume": {"size": 1, "bogus": 1}})
    assert status == 400 and "('bogus' was unexpected)" in cinder.fault(data)[1]
    status, _ = await cinder.call("POST", "/volumes", {"volume": {"size": 1, "bogus": 1}}, "3.52")
    assert status == 202
    status, data = await cinder.call("POST", "/volumes", None)
    assert status == 400 and cinder.fault(data) == (400, "Malformed request body")
    assert not [v for v in pod.volume.volumes.values() if v.size != 1]


async def test_create_from_image_snapshot_and_volume(pod, cinder):
    volume = await cinder.volume(imageRef=IMAGE, name="boot", metadata={"k": "v"})
    shown = await cinder.show(volume["id"])
    assert shown["bootable"] == "true"
    assert shown["volume_image_metadata"]["image_id"] == IMAGE
    clone = await cinder.volume(source_volid=volume["id"], size=2)
    assert (clone["source_volid"], clone["size"], clone["bootable"]) == (volume["id"], 2, "true")
    snap = await cinder.snapshot(volume["id"])
    status, data = await cinder.call("POST", "/volumes", {"volume": {"snapshot_id": snap["id"]}})
    assert status == 202 and data["volume"]["size"] == 1
    assert data["volume"]["snapshot_id"] == snap["id"]
    status, data = await cinder.call("POST", "/volumes",
                                     {"volume": {"size": 1, "source_volid": clone["id"]}})
    assert status == 400 and "cannot be smaller than original volume size" in cinder.fault(data)[1]


async def test_views_by_role_and_microversion(pod, cinder, member):
    volume = await member.volume(name="mine")
    mine = (await member.ok("GET", f"/volumes/{volume['id']}", version="3.0"))["volume"]
    assert mine["os-vol-tenant-attr:tenant_id"] == pod.volume.volumes[volume["id"]].project_id
    assert "os-vol-host-attr:host" not in mine and "volume_type_id" not in mine
    assert "group_id" not in mine
    newest = (await member.ok("GET", f"/volumes/{volume['id']}"))["volume"]
    assert newest["volume_type_id"] == pod.volume.default_type_id
    assert newest["consumes_quota"] is True and newest["shared_targets"] is False
    assert "provider_id" not in newest and "migration_status" not in newest
    admin_view = await cinder.show(volume["id"])
    assert admin_view["os-vol-host-attr:host"] == "pod1-cinder@sim#sim"
    assert admin_view["provider_id"] is None and admin_view["cluster_name"] is None
    assert mine["links"][0]["href"].endswith(f"/volume/v3/volumes/{volume['id']}")
    assert mine["links"][1]["href"].endswith(f"/volume/volumes/{volume['id']}")


async def test_another_projects_volume_is_not_found(pod, cinder, member):
    volume = await cinder.volume()
    for method, path in (("GET", ""), ("PUT", ""), ("DELETE", ""), ("GET", "/metadata")):
        body = {"volume": {"name": "x"}} if method == "PUT" else None
        status, data = await member.call(method, f"/volumes/{volume['id']}{path}", body)
        assert (status, cinder.fault(data)[1]) == (
            404, f"Volume {volume['id']} could not be found."), (method, path)


async def test_url_with_project_id(pod, cinder):
    volume = await cinder.volume()
    project = pod.volume.volumes[volume["id"]].project_id
    base = pod.url("volumev3")
    status, _, body = await cinder.api.call("GET", f"{base}/{project}/volumes/{volume['id']}")
    assert status == 200
    assert f"/volume/v3/{project}/volumes/" in body["volume"]["links"][0]["href"]
    status, _, body = await cinder.api.call("GET", f"{base}/{'0' * 32}/volumes")
    assert status == 400 and body["badRequest"]["message"] == "Malformed request url"


async def test_update(cinder):
    volume = await cinder.volume(metadata={"a": "1"})
    path = f"/volumes/{volume['id']}"
    data = await cinder.ok("PUT", path, {"volume": {"name": " new ", "description": "d",
                                                    "metadata": {"b": "2"}}})
    assert (data["volume"]["name"], data["volume"]["description"]) == ("new", "d")
    assert data["volume"]["metadata"] == {"b": "2"}  # replaced, not merged
    assert "os-vol-tenant-attr:tenant_id" not in data["volume"]
    status, data = await cinder.call("PUT", path, {"volume": {}})
    assert status == 400 and "is not valid under any of the given schemas" in cinder.fault(data)[1]
    assert (await cinder.call("PUT", path, {"volume": {}}, version="3.52"))[0] == 200
    status, data = await cinder.call("PUT", path, {"volume": {"size": 3}})
    assert status == 400 and "('size' was unexpected)" in cinder.fault(data)[1]


async def test_delete_rules(pod, cinder):
    refused = ("Invalid volume: Volume status must be available or error or error_restoring or "
               "error_extending or error_managing and must not be migrating, attached, belong to "
               "a group, have snapshots, awaiting a transfer, or be disassociated from snapshots "
               "after volume transfer.")
    volume = await cinder.volume()
    path = f"/volumes/{volume['id']}"
    snap = await cinder.snapshot(volume["id"])
    status, data = await cinder.call("DELETE", path)
    assert (status, cinder.fault(data)[1]) == (400, refused)
    status, _ = await cinder.call("DELETE", path + "?cascade=true")
    assert status == 202
    assert volume["id"] not in pod.volume.volumes and snap["id"] not in pod.volume.snapshots

    busy = await cinder.volume()
    pod.volume.volumes[busy["id"]].status = "in-use"
    status, data = await cinder.call("DELETE", f"/volumes/{busy['id']}")
    assert (status, cinder.fault(data)[1]) == (400, refused)
    status, _ = await cinder.call("DELETE", f"/volumes/{busy['id']}?force=true")  # 3.23, admin
    assert status == 202 and busy["id"] not in pod.volume.volumes


async def test_metadata(cinder):
    volume = await cinder.volume(metadata={"a": "1"})
    meta = f"/volumes/{volume['id']}/metadata"
    assert (await cinder.ok("POST", meta, {"metadata": {"b": "2"}}))["metadata"] == {
        "a": "1", "b": "2"}
    assert (await cinder.ok("PUT", meta, {"metadata": {"c": "3"}}))["metadata"] == {"c": "3"}
    assert await cinder.ok("GET", f"{meta}/c") == {"meta": {"c": "3"}}
    assert await cinder.ok("PUT", f"{meta}/c", {"meta": {"c": "4"}}) == {"meta": {"c": "4"}}
    status, data = await cinder.call("PUT", f"{meta}/c", {"meta": {"d": "4"}})
    assert cinder.fault(data) == (400, "Request body and URI mismatch")
    status, data = await cinder.call("PUT", f"{meta}/c", {"meta": {"c": "4", "d": "5"}})
    assert status == 400 and "has too many properties" in cinder.fault(data)[1]
    status, data = await cinder.call("POST", meta, {"metadata": {"k" * 256: "v"}})
    assert status == 400 and "does not match any of the regexes" in cinder.fault(data)[1]
    status, _ = await cinder.call("DELETE", f"{meta}/c")
    assert status == 200
    status, data = await cinder.call("GET", f"{meta}/c")
    assert cinder.fault(data) == (404, f"Volume {volume['id']} has no metadata with key c.")


async def _three(cinder, run="r1"):
    made = []
    for name, size, meta in (("b", 2, {"k": "1"}), ("a", 1, {"k": "2"}), ("c", 1, {"j": "1"})):
        made.append(await cinder.volume(name=f"{run}-{name}", size=size,
                                        metadata={**meta, "run": run}))
    return made


async def test_list_filters(pod, cinder, member):
    await _three(cinder)
    await member.volume(name="theirs")

    async def names(query, who=cinder, version=None, path="/volumes"):
        data = await who.ok("GET", f"{path}?{query}", version=version)
        return sorted(v["name"] for v in data["volumes"])

    assert await names("") == ["r1-a", "r1-b", "r1-c"]  # an admin sees their own project
    assert await names("all_tenants=1") == ["r1-a", "r1-b", "r1-c", "theirs"]
    assert await names("name=r1-a") == ["r1-a"]
    assert await names("size=1") == ["r1-a", "r1-c"]
    assert await names("metadata=" + json.dumps({"k": "2"})) == ["r1-a"]
    assert await names("metadata={'run':'r1','j':'1'}") == ["r1-c"]
    assert await names("status=error") == []
    assert await names("bootable=false") == ["r1-a", "r1-b", "r1-c"]
    assert await names("bogus=1") == []  # an admin's unknown filter matches nothing
    # members: all_tenants is dropped; unknown filters are a 400 from 3.31, ignored before
    assert await names("all_tenants=1", who=member) == ["theirs"]
    _, data = await member.call("GET", "/volumes?bogus=1")
    assert cinder.fault(data) == (400, "Invalid filters bogus are found in query options.")
    assert await names("bogus=1", who=member, version="3.30") == ["theirs"]
    _, data = await cinder.call("GET", "/volumes?bootable=maybe")
    assert cinder.fault(data) == (400, "Invalid input received: 'bootable = maybe'")
    assert await names("bootable=maybe", version="3.1") == []  # true before 3.2


async def test_list_sort_and_pages(pod, cinder):
    made = await _three(cinder)
    by_name = [v["id"] for v in sorted(made, key=lambda v: v["name"])]
    data = await cinder.ok("GET", "/volumes?sort=name:asc&limit=2")
    assert [v["id"] for v in data["volumes"]] == by_name[:2]
    (link,) = data["volumes_links"]
    assert link["rel"] == "next" and link["href"].endswith(
        f"/volume/v3/volumes?sort=name%3Aasc&limit=2&marker={by_name[1]}")
    data = await cinder.ok("GET", link["href"].split("/volume/v3", 1)[1])
    assert [v["id"] for v in data["volumes"]] == by_name[2:] and "volumes_links" not in data
    data = await cinder.ok("GET", "/volumes/detail?sort_key=size&sort_dir=desc")
    assert [v["size"] for v in data["volumes"]] == [2, 1, 1] and "status" in data["volumes"][0]
    data = await cinder.ok("GET", "/volumes?sort=size:asc,name:desc")
    assert [v["name"] for v in data["volumes"]] == ["r1-c", "r1-a", "r1-b"]
    data = await cinder.ok("GET", "/volumes?limit=1&offset=1&sort=name:asc")
    assert [v["name"] for v in data["volumes"]] == ["r1-b"]
    data = await cinder.ok("GET", "/volumes?with_count=true&limit=1")
    assert data["count"] == 3 and len(data["volumes"]) == 1
    assert "count" not in await cinder.ok("GET", "/volumes?with_count=true", version="3.44")
    for query, message in (
        ("sort=bogus:asc", "Invalid input received: Invalid sort key"),
        ("sort=name:up", "Invalid input received: Unknown sort direction, must be 'desc'"),
        ("sort=name&sort_key=id", "The 'sort_key' and 'sort_dir' parameters are deprecated"),
        ("limit=abc", "limit param must be an integer"),
        ("limit=-1", "limit param must be positive"),
    ):
        status, data = await cinder.call("GET", f"/volumes?{query}")
        assert status == 400 and cinder.fault(data)[1].startswith(message), query
    status, data = await cinder.call("GET", f"/volumes?marker={MISSING}")
    assert cinder.fault(data) == (404, f"Volume {MISSING} could not be found.")


async def test_list_by_creation_time(cinder):
    volume = await cinder.volume(name="old")
    status, _ = await cinder.call("GET", "/volumes?created_at=gte:2000-01-01T00:00:00")
    assert status == 200
    data = await cinder.ok("GET", "/volumes?created_at=lt:2000-01-01T00:00:00,gt:1999-01-01")
    assert data["volumes"] == []
    data = await cinder.ok("GET", "/volumes?created_at=gte:2000-01-01T00:00:00")
    assert [v["id"] for v in data["volumes"]] == [volume["id"]]
    status, data = await cinder.call("GET", "/volumes?created_at=sometime:2000-01-01")
    assert cinder.fault(data) == (400, "Invalid sometime operator")


async def test_summary(cinder):
    await _three(cinder)
    _, data = await cinder.call("GET", "/volumes/summary", version="3.11")
    assert cinder.fault(data) == (404, "The resource could not be found.")
    data = await cinder.ok("GET", "/volumes/summary", version="3.12")
    assert data == {"volume-summary": {"total_count": 3, "total_size": 4}}
    data = await cinder.ok("GET", "/volumes/summary", version="3.36")
    assert data["volume-summary"]["metadata"] == {"j": ["1"], "k": ["1", "2"], "run": ["r1"]}

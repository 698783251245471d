"""The attachments API (3.27/3.44), and how the simulated Nova drives a volume with it."""

import asyncio

IMAGE = "11111111-1111-1111-1111-111111111111"
SERVER = "33333333-3333-3333-3333-333333333333"
NOVA = {"OpenStack-API-Version": "compute 2.96"}
CONNECTOR = {"host": "h1", "initiator": "iqn.x", "ip": "127.0.0.1", "mountpoint": "/dev/vdb"}


async def test_reserve_connect_complete_delete(pod, member):
    volume = await member.volume()
    vid = volume["id"]
    body = {"attachment": {"volume_uuid": vid, "instance_uuid": SERVER}}
    status, data = await member.call("POST", "/attachments", body, version="3.26")
    assert member.fault(data) == (404, "The resource could not be found.")
    created = (await member.ok("POST", "/attachments", body, version="3.27"))["attachment"]
    assert (created["status"], created["attach_mode"], created["connection_info"]) == (
        "reserved", "null", {})
    assert (await member.show(vid))["status"] == "reserved"
    path = f"/attachments/{created['id']}"

    # the update answers with the record as read, but the volume service has connected it
    updated = (await member.ok("PUT", path, {"attachment": {"connector": CONNECTOR}}))["attachment"]
    assert updated["status"] == "reserved" and updated["connection_info"]["access_mode"] == "rw"
    shown = (await member.ok("GET", path))["attachment"]
    assert (shown["status"], shown["attach_mode"]) == ("attaching", "rw") and shown["attached_at"]
    assert (await member.show(vid))["status"] == "attaching"

    status, data = await member.call("POST", f"{path}/action", {"os-complete": None}, "3.43")
    assert status == 404
    status, _ = await member.call("POST", f"{path}/action", {"os-complete": None}, "3.44")
    assert status == 204
    shown = await member.show(vid)
    assert shown["status"] == "in-use"
    (seen,) = shown["attachments"]
    assert (seen["attachment_id"], seen["server_id"], seen["device"], seen["host_name"]) == (
        created["id"], SERVER, "/dev/vdb", None)

    assert (await member.ok("DELETE", path)) == {"attachments": []}
    assert (await member.show(vid))["status"] == "available"
    status, data = await member.call("GET", path)
    assert member.fault(data) == (404, "Volume attachment could not be found with filter: "
                                  f"attachment_id = {created['id']}.")


async def test_volume_takes_the_status_of_the_attachments_left(member):
    volume = await member.volume()
    body = {"attachment": {"volume_uuid": volume["id"], "instance_uuid": SERVER}}
    first = (await member.ok("POST", "/attachments", body))["attachment"]
    # the same instance may reserve again (Nova moving a server); another may not
    second = (await member.ok("POST", "/attachments", body))["attachment"]
    other = {"attachment": {"volume_uuid": volume["id"], "instance_uuid": IMAGE}}
    _, data = await member.call("POST", "/attachments", other)
    assert member.fault(data) == (400, f"Invalid volume: Volume {volume['id']} status must be "
                                  "available or downloading to reserve, but the current status "
                                  "is reserved.")
    listed = await member.ok("GET", f"/attachments?volume_id={volume['id']}")
    assert {a["id"] for a in listed["attachments"]} == {first["id"], second["id"]}
    left = await member.ok("DELETE", f"/attachments/{first['id']}")
    assert [a["id"] for a in left["attachments"]] == [second["id"]]
    assert (await member.show(volume["id"]))["status"] == "reserved"


async def test_create_with_connector_and_errors(pod, member):
    volume = await member.volume()
    body = {"attachment": {"volume_uuid": volume["id"], "instance_uuid": SERVER,
                           "connector": CONNECTOR, "mode": "ro"}}
    status, data = await member.call("POST", "/attachments", body, "3.53")
    assert status == 400 and "('mode' was unexpected)" in member.fault(data)[1]
    created = (await member.ok("POST", "/attachments", body, "3.54"))["attachment"]
    assert created["attach_mode"] == "ro" and created["connection_info"]["driver_volume_type"]
    assert (await member.show(volume["id"]))["status"] == "attaching"
    status, data = await member.call("GET", "/attachments?bogus=1")
    assert member.fault(data) == (400, "Invalid filters bogus are found in query options.")
    pod.volume.volumes[volume["id"]].status = "error"
    fresh = {"attachment": {"volume_uuid": volume["id"]}}
    status, data = await member.call("POST", "/attachments", fresh)
    assert status == 400 and "can not be created if the volume is in an error state" in (
        member.fault(data)[1])


async def _boot(api, pod, **extra):
    body = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE, "networks": "none", **extra}
    status, _, data = await api.call("POST", pod.url("compute") + "/servers", {"server": body},
                                     NOVA)
    assert status == 202, data
    return data["server"]["id"]


async def test_nova_attach_and_detach_drive_cinder(cloud, cinder_on, api):
    slow = await cloud.add_pod("slow", az="az9", boot_delay=0)
    slow.action_delay = 0.1
    slow.add_image("cirros", id=IMAGE)
    cinder = cinder_on(slow)
    sid = await _boot(api, slow)
    vid = (await cinder.volume())["id"]
    nova = slow.url("compute") + f"/servers/{sid}/os-volume_attachments"
    status, _, data = await api.call("POST", nova, {"volumeAttachment": {"volumeId": vid}}, NOVA)
    assert status == 200 and data["volumeAttachment"]["device"] == "/dev/vdb"
    assert (await cinder.show(vid))["status"] == "reserved"
    await asyncio.sleep(0.15)
    shown = await cinder.show(vid)
    assert shown["status"] == "in-use" and shown["attachments"][0]["server_id"] == sid

    # Cinder refuses to let a user tear down what Nova connected
    (attachment,) = (await cinder.ok("GET", "/attachments"))["attachments"]
    status, data = await cinder.call("DELETE", f"/attachments/{attachment['id']}")
    assert cinder.fault(data) == (409, f"Detach volume from instance {sid} using the Compute API")

    status, _, _ = await api.call("DELETE", f"{nova}/{vid}", headers=NOVA)
    assert status == 202 and (await cinder.show(vid))["status"] == "detaching"
    await asyncio.sleep(0.15)
    shown = await cinder.show(vid)
    assert (shown["status"], shown["attachments"]) == ("available", [])


async def test_server_delete_frees_and_deletes_volumes(pod, cinder, api):
    kept = (await cinder.volume())["id"]
    dropped = (await cinder.volume())["id"]
    sid = await _boot(api, pod)
    nova = pod.url("compute") + f"/servers/{sid}/os-volume_attachments"
    for vid, delete in ((kept, False), (dropped, True)):
        body = {"volumeAttachment": {"volumeId": vid, "delete_on_termination": delete}}
        status, _, _ = await api.call("POST", nova, body, NOVA)
        assert status == 200
    assert {pod.volume.volumes[v].status for v in (kept, dropped)} == {"in-use"}
    status, _ = await cinder.call("DELETE", f"/volumes/{kept}")
    assert status == 400
    status, _, _ = await api.call("DELETE", pod.url("compute") + f"/servers/{sid}")
    assert status == 204
    assert (await cinder.show(kept))["status"] == "available"
    assert dropped not in pod.volume.volumes


async def test_boot_from_volume(pod, cinder, api):
    vid = (await cinder.volume(imageRef=IMAGE))["id"]
    bdm = [{"boot_index": 0, "uuid": vid, "source_type": "volume", "destination_type": "volume"}]
    await _boot(api, pod, imageRef="", block_device_mapping_v2=bdm)
    shown = await cinder.show(vid)
    assert shown["status"] == "in-use" and shown["attachments"][0]["device"] == "/dev/vda"

"""Cinder volume actions: extend, flags, admin actions, retype, the legacy attach flow."""

import asyncio

SERVER = "33333333-3333-3333-3333-333333333333"


async def test_extend_goes_through_extending(cloud, cinder_on):
    cinder = cinder_on(await cloud.add_pod("slow", az="az9", boot_delay=0.1))
    volume = await cinder.volume()
    await asyncio.sleep(0.15)
    status, _ = await cinder.act(volume["id"], "os-extend", {"new_size": 3})
    assert status == 202
    shown = await cinder.show(volume["id"])
    assert (shown["status"], shown["size"]) == ("extending", 1)
    await asyncio.sleep(0.15)
    shown = await cinder.show(volume["id"])
    assert (shown["status"], shown["size"]) == ("available", 3)


async def test_extend_refusals(pod, cinder):
    volume = await cinder.volume()
    vid = volume["id"]
    status, data = await cinder.act(vid, "os-extend", {"new_size": 1})
    assert cinder.fault(data) == (400, "Invalid input received: New size for extend must be "
                                  "greater than current size. (current: 1, extended: 1).")
    status, data = await cinder.act(vid, "os-extend", {"new_size": "x"})
    assert status == 400 and "'x' does not match '^[0-9]+$'" in cinder.fault(data)[1]
    status, data = await cinder.act(vid, "os-extend", {})
    assert "'new_size' is a required property" in cinder.fault(data)[1]
    pod.volume.volumes[vid].status = "in-use"
    status, data = await cinder.act(vid, "os-extend", {"new_size": 2}, version="3.41")
    assert cinder.fault(data) == (400, f"Invalid volume: Volume {vid} status must be "
                                  "'{'status': 'available'}' to extend, currently in-use.")
    status, _ = await cinder.act(vid, "os-extend", {"new_size": 2}, version="3.42")
    assert status == 202 and pod.volume.volumes[vid].status == "in-use"  # attached ones grow
    assert pod.volume.volumes[vid].size == 2


async def test_flags_and_readonly_metadata(pod, member):
    volume = await member.volume()
    vid = volume["id"]
    status, body = await member.act(vid, "os-set_bootable", {"bootable": "yes"})
    assert status == 200 and not body
    status, data = await member.act(vid, "os-set_bootable", {"bootable": "maybe"})
    assert status == 400 and "'maybe' is not one of [True, 'True'" in member.fault(data)[1]
    assert (await member.act(vid, "os-update_readonly_flag", {"readonly": True}))[0] == 202
    shown = await member.show(vid)
    assert shown["bootable"] == "true" and shown["metadata"] == {"readonly": "True"}
    assert (await member.ok("GET", f"/volumes/{vid}/metadata"))["metadata"] == {}
    pod.volume.volumes[vid].status = "in-use"
    status, data = await member.act(vid, "os-update_readonly_flag", {"readonly": False})
    assert member.fault(data)[1] == (f"Invalid volume: Volume {vid} status must be available to "
                                     "update readonly flag, but current status is: in-use.")


async def test_admin_actions(pod, cinder, member):
    volume = await member.volume()
    vid = volume["id"]
    for action, rule in (("os-reset_status", "reset_status"), ("os-force_delete", "force_delete")):
        status, data = await member.act(vid, action, {"status": "error"} if "reset" in action
                                        else None)
        assert member.fault(data) == (403, "Policy doesn't allow volume_extension:"
                                      f"volume_admin_actions:{rule} to be performed.")
    status, data = await cinder.act(vid, "os-reset_status", {"status": "bogus"})
    assert status == 400 and "Volume status: bogus is invalid" in cinder.fault(data)[1]
    status, data = await cinder.act(vid, "os-reset_status", {})
    assert cinder.fault(data)[1] == (
        "Must specify 'status', 'attach_status' or 'migration_status' for update.")
    assert (await cinder.act(vid, "os-reset_status", {"status": "error"}))[0] == 202
    assert (await member.show(vid))["status"] == "error"
    assert (await cinder.act(vid, "os-reset_status", {"status": "in-use"}))[0] == 202
    assert (await cinder.act(vid, "os-force_delete"))[0] == 202
    assert vid not in pod.volume.volumes


async def test_retype(pod, cinder):
    await cinder.ok("POST", "/types", {"volume_type": {"name": "gold"}})
    nowhere = {"name": "nowhere", "extra_specs": {"volume_backend_name": "x"}}
    await cinder.ok("POST", "/types", {"volume_type": nowhere})
    volume = await cinder.volume()
    vid = volume["id"]
    status, data = await cinder.act(vid, "os-retype", {"new_type": "nope"})
    assert cinder.fault(data) == (404, "Volume type with name nope could not be found.")
    status, data = await cinder.act(vid, "os-retype", {"new_type": "__DEFAULT__"})
    assert status == 400 and cinder.fault(data)[1].startswith("Invalid volume: Retype needs")
    assert (await cinder.act(vid, "os-retype", {"new_type": "gold"}))[0] == 202
    assert (await cinder.show(vid))["volume_type"] == "gold"
    # no backend reports volume_backend_name=x: the volume stays as it was
    assert (await cinder.act(vid, "os-retype", {"new_type": "nowhere"}))[0] == 202
    shown = await cinder.show(vid)
    assert (shown["volume_type"], shown["status"]) == ("gold", "available")


async def test_action_dispatch_errors(pod, cinder):
    volume = await cinder.volume()
    status, data = await cinder.act(volume["id"], "os-bogus")
    assert cinder.fault(data) == (400, "There is no such action: os-bogus. Verify the request "
                                  "body and Content-Type header and try again.")
    status, data = await cinder.call("POST", f"/volumes/{volume['id']}/action",
                                     {"os-reserve": {}, "os-unreserve": {}})
    assert cinder.fault(data) == (400, "Malformed request body")
    status, data = await cinder.act("44444444-4444-4444-4444-444444444444", "os-extend",
                                    {"new_size": 2})
    assert status == 404
    status, data = await cinder.act(volume["id"], "os-extend_volume_completion", {"error": False})
    assert cinder.fault(data) == (400, "Invalid volume: Volume is not being extended.")
    status, data = await cinder.act(volume["id"], "os-extend_volume_completion", {"error": False},
                                    version="3.70")
    assert status == 400 and "There is no such action" in cinder.fault(data)[1]


async def test_legacy_attach_flow(pod, member):
    volume = await member.volume()
    vid = volume["id"]

    async def status_is(expected):
        assert (await member.show(vid))["status"] == expected

    assert (await member.act(vid, "os-reserve"))[0] == 202
    await status_is("attaching")
    status, data = await member.act(vid, "os-reserve")
    assert member.fault(data)[1] == (
        "Invalid volume: Volume status must be available to reserve, but the status is attaching.")
    assert (await member.act(vid, "os-unreserve"))[0] == 202
    await status_is("available")
    status, data = await member.act(vid, "os-begin_detaching")
    assert status == 400 and "Unable to detach volume" in member.fault(data)[1]

    connector = {"host": "h1", "initiator": "iqn.x", "ip": "127.0.0.1"}
    assert (await member.act(vid, "os-reserve"))[0] == 202
    status, data = await member.act(vid, "os-initialize_connection", {"connector": connector})
    assert status == 200 and data["connection_info"]["driver_volume_type"] == "iscsi"
    assert (await member.act(vid, "os-attach", {"instance_uuid": SERVER,
                                                "mountpoint": "/dev/vdb"}))[0] == 202
    shown = await member.show(vid)
    assert shown["status"] == "in-use"
    assert shown["metadata"] == {"readonly": "False", "attached_mode": "rw"}
    (attachment,) = shown["attachments"]
    assert (attachment["server_id"], attachment["device"]) == (SERVER, "/dev/vdb")
    assert (await member.act(vid, "os-begin_detaching"))[0] == 202
    await status_is("detaching")
    assert (await member.act(vid, "os-roll_detaching"))[0] == 202
    await status_is("in-use")
    assert (await member.act(vid, "os-begin_detaching"))[0] == 202
    assert (await member.act(vid, "os-terminate_connection", {"connector": connector}))[0] == 202
    assert (await member.act(vid, "os-detach", {"attachment_id": attachment["attachment_id"]}))[
        0] == 202
    shown = await member.show(vid)
    assert (shown["status"], shown["attachments"]) == ("available", [])
    assert shown["metadata"] == {"readonly": "False"}

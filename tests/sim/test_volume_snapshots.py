"""Cinder snapshots and backups: states, views, lists, refusals, restore."""

import asyncio

MISSING = "22222222-2222-2222-2222-222222222222"


async def test_snapshot_lifecycle(cloud, cinder_on):
    cinder = cinder_on(await cloud.add_pod("slow", az="az9", boot_delay=0.1))
    volume = await cinder.volume()
    await asyncio.sleep(0.15)
    snap = await cinder.snapshot(volume["id"], name="s1", metadata={"m": "1"})
    assert (snap["status"], snap["size"], snap["metadata"]) == ("creating", 1, {"m": "1"})
    assert "os-extended-snapshot-attributes:progress" not in snap
    assert snap["user_id"] and snap["group_snapshot_id"] is None and snap["consumes_quota"]
    path = f"/snapshots/{snap['id']}"
    shown = (await cinder.ok("GET", path))["snapshot"]
    assert shown["os-extended-snapshot-attributes:progress"] == "0%"
    await asyncio.sleep(0.15)
    shown = (await cinder.ok("GET", path))["snapshot"]
    assert (shown["status"], shown["os-extended-snapshot-attributes:progress"]) == (
        "available", "100%")
    updated = (await cinder.ok("PUT", path, {"snapshot": {"name": "s2", "description": "d"}}))
    assert (updated["snapshot"]["name"], updated["snapshot"]["description"]) == ("s2", "d")
    assert (await cinder.call("DELETE", path))[0] == 202
    assert (await cinder.ok("GET", path))["snapshot"]["status"] == "deleting"
    await asyncio.sleep(0.15)
    _, data = await cinder.call("GET", path)
    assert cinder.fault(data) == (404, f"Snapshot {snap['id']} could not be found.")


async def test_snapshot_of_a_volume_in_use(pod, cinder):
    volume = await cinder.volume()
    vid = volume["id"]
    pod.volume.volumes[vid].status = "in-use"
    status, data = await cinder.call("POST", "/snapshots", {"snapshot": {"volume_id": vid}}, "3.0")
    assert cinder.fault(data) == (400, f"Invalid volume: Volume {vid} status must be available, "
                                  "but current status is: in-use.")
    body = {"snapshot": {"volume_id": vid, "force": True}}
    assert (await cinder.call("POST", "/snapshots", body, "3.0"))[0] == 202
    assert (await cinder.call("POST", "/snapshots", {"snapshot": {"volume_id": vid}}))[0] == 202
    body = {"snapshot": {"volume_id": vid, "force": False}}
    status, data = await cinder.call("POST", "/snapshots", body)  # 3.66: force=false is refused
    assert status == 400 and "Since microversion 3.66 the 'force' flag" in cinder.fault(data)[1]
    status, data = await cinder.call("POST", "/snapshots", {"snapshot": {"volume_id": MISSING}})
    assert cinder.fault(data) == (404, f"Volume {MISSING} could not be found.")


async def test_snapshot_lists_and_metadata(pod, cinder, member):
    mine = await member.volume()
    first = await member.snapshot(mine["id"], name="a", metadata={"k": "1"})
    await member.snapshot(mine["id"], name="b")
    await cinder.snapshot((await cinder.volume())["id"], name="admins")
    listed = await member.ok("GET", "/snapshots")
    assert sorted(s["name"] for s in listed["snapshots"]) == ["a", "b"]
    assert "user_id" not in listed["snapshots"][0]  # the plain list is the summary
    listed = await member.ok("GET", "/snapshots/detail?name=a&limit=1&with_count=true")
    (only,) = listed["snapshots"]
    assert only["os-extended-snapshot-attributes:project_id"] and listed["count"] == 1
    assert listed["snapshots_links"][0]["href"].endswith(f"marker={first['id']}")
    listed = await member.ok("GET", "/snapshots?metadata={'k':'1'}&sort=name:desc")
    assert [s["name"] for s in listed["snapshots"]] == ["a"]
    listed = await cinder.ok("GET", "/snapshots?all_tenants=true&sort=name:asc")
    assert [s["name"] for s in listed["snapshots"]] == ["a", "admins", "b"]
    status, data = await member.call("GET", "/snapshots?bogus=1")
    assert status == 400
    meta = f"/snapshots/{first['id']}/metadata"
    assert (await member.ok("POST", meta, {"metadata": {"n": "2"}}))["metadata"] == {
        "k": "1", "n": "2"}
    assert (await member.call("DELETE", f"{meta}/k"))[0] == 200
    status, data = await member.call("GET", f"{meta}/k")
    assert member.fault(data) == (404, f"Snapshot {first['id']} has no metadata with key k.")


async def test_volume_from_snapshot_checks(pod, cinder):
    volume = await cinder.volume(size=2)
    snap = await cinder.snapshot(volume["id"])
    status, data = await cinder.call("POST", "/volumes",
                                     {"volume": {"snapshot_id": snap["id"], "size": 1}})
    assert cinder.fault(data)[1] == ("Invalid input received: Volume size '1'GB cannot be smaller "
                                     "than the snapshot size 2GB. They must be >= original "
                                     "snapshot size.")
    pod.volume.snapshots[snap["id"]].status = "error"
    status, data = await cinder.call("POST", "/volumes", {"volume": {"snapshot_id": snap["id"]}})
    assert status == 400 and "Originating snapshot status" in cinder.fault(data)[1]
    pod.volume.snapshots[snap["id"]].status = "creating"
    status, data = await cinder.call("DELETE", f"/snapshots/{snap['id']}")
    assert cinder.fault(data) == (400, "Invalid snapshot: Snapshot status must be available or "
                                  "error and must not be part of a group.")


async def test_backups_served(cloud, cinder_on):
    cinder = cinder_on(await cloud.add_pod("slow", az="az9", boot_delay=0.1))
    volume = await cinder.volume(name="v")
    await asyncio.sleep(0.15)
    data = await cinder.ok("POST", "/backups", {"backup": {"volume_id": volume["id"],
                                                           "name": "b1"}})
    backup = data["backup"]
    assert set(backup) == {"id", "name", "links"}
    assert (await cinder.show(volume["id"]))["status"] == "backing-up"
    await asyncio.sleep(0.15)
    shown = (await cinder.ok("GET", f"/backups/{backup['id']}"))["backup"]
    assert (shown["status"], shown["availability_zone"], shown["fail_reason"]) == (
        "available", "az9", None)
    assert shown["metadata"] == {} and shown["is_incremental"] is False
    assert (await cinder.show(volume["id"]))["status"] == "available"
    incremental = {"backup": {"volume_id": volume["id"], "incremental": True}}
    child = (await cinder.ok("POST", "/backups", incremental))["backup"]
    await asyncio.sleep(0.15)
    _, data = await cinder.call("DELETE", f"/backups/{backup['id']}")
    assert cinder.fault(data) == (400, "Invalid backup: Incremental backups exist for this backup.")
    assert (await cinder.ok("GET", f"/backups/{backup['id']}"))["backup"]["has_dependent_backups"]

    data = await cinder.ok("POST", f"/backups/{backup['id']}/restore", {"restore": {}})
    restored = data["restore"]
    assert restored["volume_name"] == f"restore_backup_{backup['id']}"
    assert (await cinder.show(restored["volume_id"]))["status"] == "restoring-backup"
    await asyncio.sleep(0.15)
    assert (await cinder.show(restored["volume_id"]))["status"] == "available"
    listed = await cinder.ok("GET", "/backups?status=available")
    assert {b["id"] for b in listed["backups"]} == {backup["id"], child["id"]}
    assert (await cinder.call("DELETE", f"/backups/{child['id']}"))[0] == 202


async def test_backups_without_a_backup_service(cloud, cinder_on):
    """As the real test cloud answers: accepted, then error; not deletable, not restorable."""
    cinder = cinder_on(await cloud.add_pod("nobackup", az="az8", cinder_backup=False))
    volume = await cinder.volume()
    backup = (await cinder.ok("POST", "/backups", {"backup": {"volume_id": volume["id"]}}))
    shown = (await cinder.ok("GET", f"/backups/{backup['backup']['id']}"))["backup"]
    assert (shown["status"], shown["fail_reason"], shown["availability_zone"]) == (
        "error", "Service not found for creating backup.", None)
    assert (await cinder.show(volume["id"]))["status"] == "available"
    _, data = await cinder.call("DELETE", f"/backups/{shown['id']}")
    assert cinder.fault(data) == (404, "Service cinder-backup could not be found.")
    limits = (await cinder.ok("GET", "/limits"))["limits"]["absolute"]
    assert (limits["totalBackupsUsed"], limits["totalBackupGigabytesUsed"]) == (1, 1)


async def test_backup_refusals(pod, cinder):
    volume = await cinder.volume()
    pod.volume.volumes[volume["id"]].status = "in-use"
    status, data = await cinder.call("POST", "/backups", {"backup": {"volume_id": volume["id"]}})
    assert cinder.fault(data) == (400, "Invalid volume: Backing up an in-use volume must use the "
                                  "force flag.")
    status, data = await cinder.call("POST", "/backups", {"backup": {}})
    assert status == 400 and "'volume_id' is a required property" in cinder.fault(data)[1]
    status, data = await cinder.call("GET", f"/backups/{MISSING}")
    assert cinder.fault(data) == (404, f"Backup {MISSING} could not be found.")

"""Cinder volume types, extra specs and type access; quotas, limits, transfers, zones."""

from tricircle.sim import Faults


async def test_private_type_shared_with_a_project(cloud, pod, cinder, member):
    body = {"volume_type": {"name": "gold", "os-volume-type-access:is_public": False,
                            "extra_specs": {"vendor:tier": "gold", "multiattach": "<is> True"}}}
    created = (await cinder.ok("POST", "/types", body))["volume_type"]
    assert created["os-volume-type-access:is_public"] is False and "qos_specs_id" not in created
    path = f"/types/{created['id']}"
    _, data = await member.call("GET", path)
    assert member.fault(data) == (404, f"Volume type {created['id']} could not be found.")
    _, data = await member.call("POST", "/volumes", {"volume": {"size": 1,
                                                                     "volume_type": "gold"}})
    assert member.fault(data) == (404, f"Volume type {created['id']} could not be found.")

    project = cloud.identity.find_project("demo", "default").id
    grant = {"addProjectAccess": {"project": project}}
    assert (await cinder.call("POST", f"{path}/action", grant))[0] == 202
    _, data = await cinder.call("POST", f"{path}/action", grant)
    assert cinder.fault(data) == (409, f"Volume type access for {created['id']} / {project} "
                                  "combination already exists.")
    access = await cinder.ok("GET", f"{path}/os-volume-type-access")
    assert access == {"volume_type_access": [{"project_id": project,
                                              "volume_type_id": created["id"]}]}
    seen = (await member.ok("GET", path))["volume_type"]
    assert seen["extra_specs"] == {"multiattach": "<is> True"}  # only the user-visible spec
    assert "qos_specs_id" not in seen and seen["os-volume-type-access:is_public"] is False
    assert "gold" in [t["name"] for t in (await member.ok("GET", "/types"))["volume_types"]]
    volume = await member.volume(volume_type="gold")
    assert (volume["volume_type"], volume["multiattach"]) == ("gold", True)

    _, data = await cinder.call("DELETE", path)
    assert cinder.fault(data) == (400, "Target volume type is still in use.")
    await member.ok("DELETE", f"/volumes/{volume['id']}")
    revoke = {"removeProjectAccess": {"project": project}}
    assert (await cinder.call("POST", f"{path}/action", revoke))[0] == 202
    _, data = await cinder.call("POST", f"{path}/action", revoke)
    assert cinder.fault(data) == (404, f"Volume type access not found for {created['id']} / "
                                  f"{project} combination.")
    assert (await cinder.call("DELETE", path))[0] == 202


async def test_type_admin_rules(pod, cinder, member):
    status, data = await member.call("POST", "/types", {"volume_type": {"name": "x"}})
    assert member.fault(data) == (403, "Policy doesn't allow volume_extension:type_create to be "
                                  "performed.")
    status, data = await cinder.call("POST", "/types", {"volume_type": {}})
    assert status == 400 and "'name' is a required property" in cinder.fault(data)[1]
    status, data = await cinder.call("POST", "/types", {"volume_type": {"name": ""}})
    assert status == 400 and "'' should be non-empty" in cinder.fault(data)[1]
    created = (await cinder.ok("POST", "/types", {"volume_type": {"name": "silver"}}))
    tid = created["volume_type"]["id"]
    status, data = await cinder.call("POST", "/types", {"volume_type": {"name": "silver"}})
    assert cinder.fault(data) == (409, "Volume Type silver already exists.")
    status, data = await cinder.call("PUT", f"/types/{tid}", {"volume_type": {}})
    assert cinder.fault(data)[1] == (
        "Specify volume type name, description, is_public or a combination thereof.")
    updated = await cinder.ok("PUT", f"/types/{tid}", {"volume_type": {"description": "d",
                                                                       "is_public": False}})
    assert updated["volume_type"]["description"] == "d"
    assert "os-volume-type-access:is_public" not in updated["volume_type"]
    status, data = await cinder.call("POST", f"/types/{pod.volume.default_type_id}/action",
                                     {"addProjectAccess": {"project": "p"}})
    assert cinder.fault(data)[1] == ("Invalid volume type: Type access modification is not "
                                     "applicable to public volume type.")
    status, data = await cinder.call("GET", f"/types/{pod.volume.default_type_id}"
                                     "/os-volume-type-access")
    assert cinder.fault(data) == (404, "Access list not available for public volume types.")
    status, data = await cinder.call("DELETE", f"/types/{pod.volume.default_type_id}")
    assert cinder.fault(data)[1] == (f"The volume type {pod.volume.default_type_id} is a "
                                     "default volume type and cannot be deleted.")
    status, data = await cinder.call("GET", "/types/silver")  # show takes ids only
    assert cinder.fault(data) == (404, "Volume type silver could not be found.")


async def test_type_lists_and_the_default(pod, cinder, member):
    await cinder.ok("POST", "/types", {"volume_type": {"name": "hidden",
                                                       "os-volume-type-access:is_public": False}})
    default = (await member.ok("GET", "/types/default"))["volume_type"]
    assert (default["name"], default["description"]) == ("__DEFAULT__", "Default Volume Type")
    assert "os-volume-type-access:is_public" not in default

    async def names(who, query=""):
        return sorted(t["name"] for t in (await who.ok("GET", f"/types{query}"))["volume_types"])

    assert await names(member) == ["__DEFAULT__"]
    assert await names(cinder) == ["__DEFAULT__"]  # admins see the public ones unless asked
    assert await names(cinder, "?is_public=None") == ["__DEFAULT__", "hidden"]
    assert await names(cinder, "?is_public=false") == ["hidden"]
    data = await cinder.ok("GET", "/types?is_public=None&limit=1&sort=name:asc")
    assert data["volume_types"][0]["qos_specs_id"] is None
    assert data["volume_type_links"][0]["rel"] == "next"
    _, data = await member.call("GET", "/types?bogus=1")
    assert member.fault(data) == (400, "Invalid filters bogus are found in query options.")


async def test_extra_specs(pod, cinder, member):
    tid = (await cinder.ok("POST", "/types", {"volume_type": {"name": "t",
                                                              "extra_specs": {"k1": "v1"}}}
                           ))["volume_type"]["id"]
    specs = f"/types/{tid}/extra_specs"
    assert await cinder.ok("POST", specs, {"extra_specs": {"k2": "v2"}}) == {
        "extra_specs": {"k2": "v2"}}
    assert await cinder.ok("GET", specs) == {"extra_specs": {"k1": "v1", "k2": "v2"}}
    assert await member.ok("GET", specs) == {"extra_specs": {}}
    assert await cinder.ok("GET", f"{specs}/k2") == {"k2": "v2"}
    status, data = await member.call("GET", f"{specs}/k2")
    assert member.fault(data) == (404, f"Volume Type {tid} has no extra specs with key k2.")
    assert await cinder.ok("PUT", f"{specs}/k2", {"k2": "v3"}) == {"k2": "v3"}
    status, data = await cinder.call("PUT", f"{specs}/k2", {"k3": "v3"})
    assert cinder.fault(data) == (400, "Request body and URI mismatch")
    status, data = await member.call("PUT", f"{specs}/k2", {"k2": "v4"})
    assert status == 403
    assert (await cinder.call("DELETE", f"{specs}/k2"))[0] == 202
    assert (await cinder.call("DELETE", f"{specs}/k2"))[0] == 404
    # an unscoped spec no backend offers: the volume cannot be scheduled
    volume = await cinder.volume(volume_type=tid)
    assert (await cinder.show(volume["id"]))["status"] == "error"


async def test_quotas_and_limits(cloud, cinder, member):
    volume = await member.volume(size=2)
    await member.snapshot(volume["id"])
    project = cloud.identity.find_project("demo", "default").id
    limits = (await member.ok("GET", "/limits"))["limits"]
    assert limits["rate"] == []
    assert limits["absolute"] == {
        "maxTotalVolumes": 10, "maxTotalSnapshots": 10, "maxTotalVolumeGigabytes": 1000,
        "maxTotalBackups": 10, "maxTotalBackupGigabytes": 1000, "totalVolumesUsed": 1,
        "totalGigabytesUsed": 4, "totalSnapshotsUsed": 1, "totalBackupsUsed": 0,
        "totalBackupGigabytesUsed": 0}
    shown = (await member.ok("GET", f"/os-quota-sets/{project}?usage=True"))["quota_set"]
    assert shown["id"] == project
    assert shown["gigabytes"] == {"limit": 1000, "in_use": 4, "reserved": 0}
    assert shown["volumes___DEFAULT__"] == {"limit": -1, "in_use": 1, "reserved": 0}
    status, data = await member.call("GET", f"/os-quota-sets/{'0' * 32}")
    assert member.fault(data) == (403, "Policy doesn't allow volume_extension:quotas:show to be "
                                  "performed.")
    status, data = await member.call("PUT", f"/os-quota-sets/{project}",
                                     {"quota_set": {"volumes": 20}})
    assert status == 403
    status, data = await cinder.call("PUT", f"/os-quota-sets/{project}",
                                     {"quota_set": {"bogus": 1}})
    assert cinder.fault(data)[1] == "Invalid input received: Bad key(s) in quota set: bogus"
    status, data = await cinder.call("PUT", f"/os-quota-sets/{project}",
                                     {"quota_set": {"volumes": "x"}})
    assert cinder.fault(data)[1] == "volumes must be an integer"
    updated = await cinder.ok("PUT", f"/os-quota-sets/{project}",
                              {"quota_set": {"volumes": 1, "gigabytes": 5}})
    assert updated["quota_set"]["volumes"] == 1 and "id" not in updated["quota_set"]

    status, data = await member.call("POST", "/volumes", {"volume": {"size": 1}})
    assert data == {"overLimit": {"code": 413, "retryAfter": "0", "message": (
        "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota "
        "'volumes'.")}}
    status, data = await member.act(volume["id"], "os-extend", {"new_size": 4})
    assert member.fault(data)[1] == (
        "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes "
        "quota. Requested 2G, quota is 5G and 4G has been consumed.")
    status, data = await cinder.call("PUT", f"/os-quota-sets/{project}",
                                     {"quota_set": {"gigabytes": 1}})
    assert cinder.fault(data)[1] == ("Quota gigabytes limit must be equal or greater than existing "
                                     "resources. Current usage is 4 and the requested limit is 1.")
    assert (await cinder.call("DELETE", f"/os-quota-sets/{project}"))[0] == 200
    assert (await member.ok("GET", f"/os-quota-sets/{project}"))["quota_set"]["volumes"] == 10


async def test_quota_classes(cinder, member):
    _, data = await member.call("GET", "/os-quota-class-sets/default")
    assert member.fault(data) == (403, "Policy doesn't allow volume_extension:quota_classes:get "
                                  "to be performed.")
    updated = await cinder.ok("PUT", "/os-quota-class-sets/default",
                              {"quota_class_set": {"volumes": 5}})
    assert updated["quota_class_set"]["volumes"] == 5
    shown = (await cinder.ok("GET", "/os-quota-class-sets/default"))["quota_class_set"]
    assert (shown["id"], shown["volumes"], shown["snapshots"]) == ("default", 5, 10)
    limits = (await member.ok("GET", "/limits"))["limits"]["absolute"]
    assert limits["maxTotalVolumes"] == 5


async def test_transfer_within_the_pod(pod, cinder, member):
    volume = await member.volume(name="gift")
    await member.snapshot(volume["id"])
    data = await member.ok("POST", "/os-volume-transfer", {"transfer": {
        "volume_id": volume["id"], "name": "t1"}})
    transfer = data["transfer"]
    assert len(transfer["auth_key"]) == 16
    assert (await member.show(volume["id"]))["status"] == "awaiting-transfer"
    status, data = await member.call("DELETE", f"/volumes/{volume['id']}")
    assert status == 400
    listed = await member.ok("GET", "/os-volume-transfer/detail", version="3.57")
    (seen,) = listed["transfers"]
    assert (seen["accepted"], seen["no_snapshots"], seen["destination_project_id"]) == (
        False, False, None)
    assert "/os-volume-transfer/" in seen["links"][0]["href"]
    accept = f"/os-volume-transfer/{transfer['id']}/accept"
    status, data = await cinder.call("POST", accept, {"accept": {"auth_key": "wrong"}})
    assert cinder.fault(data) == (400, f"Invalid auth key: Attempt to transfer {transfer['id']} "
                                  "with invalid auth key.")
    accepted = await cinder.ok("POST", accept, {"accept": {"auth_key": transfer["auth_key"]}})
    assert accepted["transfer"]["volume_id"] == volume["id"]
    status, _ = await member.call("GET", f"/volumes/{volume['id']}")
    assert status == 404
    shown = await cinder.show(volume["id"])
    assert shown["status"] == "available"
    assert [s.project_id for s in pod.volume.snapshots_of(volume["id"])] == [
        shown["os-vol-tenant-attr:tenant_id"]]


async def test_transfer_withdrawn_and_the_new_path(member):
    volume = await member.volume()
    status, data = await member.call("POST", "/volume-transfers",
                                     {"transfer": {"volume_id": volume["id"]}}, version="3.54")
    assert status == 404
    transfer = (await member.ok("POST", "/volume-transfers", {"transfer": {
        "volume_id": volume["id"], "no_snapshots": True}}, version="3.55"))["transfer"]
    assert transfer["no_snapshots"] is True
    status, data = await member.call("POST", "/os-volume-transfer",
                                     {"transfer": {"volume_id": volume["id"]}})
    assert member.fault(data) == (400, "Invalid volume: status must be available")
    assert (await member.call("DELETE", f"/volume-transfers/{transfer['id']}"))[0] == 202
    assert (await member.show(volume["id"]))["status"] == "available"


async def test_zones_and_services(pod, cinder, member):
    assert await member.ok("GET", "/os-availability-zone") == {
        "availabilityZoneInfo": [{"zoneName": "az1", "zoneState": {"available": True}}]}
    services = (await cinder.ok("GET", "/os-services"))["services"]
    assert [s["binary"] for s in services] == ["cinder-volume", "cinder-scheduler",
                                               "cinder-backup"]
    assert services[0]["host"] == "pod1-cinder@sim" and services[0]["state"] == "up"
    status, _ = await member.call("GET", "/os-services")
    assert status == 403


async def test_faults_still_gate_cinder(pod, member):
    await pod.set_faults(Faults(error_rate=1.0))
    status, data = await member.call("GET", "/volumes")
    assert status in (500, 503) and list(data) in (["computeFault"], ["serviceUnavailable"])
    await pod.set_faults(Faults())
    assert (await member.call("GET", "/volumes"))[0] == 200

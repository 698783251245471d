"""Cinder's quotas at the top: volumes, gigabytes, snapshots and backups reserved before
a create is forwarded, over every pod, and shown by os-quota-sets and limits."""

from __future__ import annotations

import pytest

from tests.gateway.harness import Client, Gateway
from tests.gateway.test_volumes import _available, _snapshot

V = "/volume/v3"


@pytest.fixture
async def gateway(make_gateway) -> Gateway:
    """Pods that would each take far more than the top allows: only the top refuses."""
    gateway = await make_gateway()
    for pod in gateway.sim.pods.values():
        pod.volume.quotas.classes["default"] = {"volumes": 100, "gigabytes": 10000}
    return gateway


async def _volume(client: Client, size: int, az: str, **extra) -> str:
    reply = await client.post(
        f"{V}/volumes", {"volume": {"size": size, "availability_zone": az, **extra}}
    )
    assert reply.status == 202, reply.body
    return reply.body["volume"]["id"]


async def _absolute(client: Client) -> dict:
    reply = await client.get(f"{V}/limits")
    assert reply.status == 200, reply.body
    return reply.body["limits"]["absolute"]


async def test_volumes_over_the_pods_count_against_one_limit(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    set_ = await admin.put(f"{V}/os-quota-sets/{project}", {"quota_set": {"volumes": 3}})
    assert set_.status == 200 and set_.body["quota_set"]["volumes"] == 3
    for az in ("az1", "az2", "az2"):
        await _volume(demo, 2, az)
    refused = await demo.post(f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az1"}})
    assert refused.status == 413
    assert refused.headers["Retry-After"] == "0"
    assert refused.body["overLimit"]["retryAfter"] == "0"
    assert refused.body["overLimit"]["message"] == (
        "VolumeLimitExceeded: Maximum number of volumes allowed (3) exceeded for quota 'volumes'."
    )
    absolute = await _absolute(demo)
    assert (absolute["totalVolumesUsed"], absolute["totalGigabytesUsed"]) == (3, 6)
    shown = await demo.get(f"{V}/os-quota-sets/{project}", params={"usage": "true"})
    assert shown.body["quota_set"]["volumes"] == {"limit": 3, "in_use": 3, "reserved": 0}
    assert shown.body["quota_set"]["volumes___DEFAULT__"]["in_use"] == 3


async def test_gigabytes_are_checked_first_and_a_delete_frees_them(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    await admin.put(f"{V}/os-quota-sets/{project}", {"quota_set": {"gigabytes": 10}})
    first = await _volume(demo, 8, "az1")
    refused = await demo.post(f"{V}/volumes", {"volume": {"size": 5, "availability_zone": "az2"}})
    assert refused.status == 413
    assert refused.body["overLimit"]["message"] == (
        "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds allowed gigabytes "
        "quota. Requested 5G, quota is 10G and 8G has been consumed."
    )
    await _available(demo, first)
    assert (await demo.delete(f"{V}/volumes/{first}")).status == 202
    assert (await _absolute(demo))["totalGigabytesUsed"] == 0
    await _volume(demo, 5, "az2")


async def test_snapshots_and_backups_take_their_volumes_size(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    await admin.put(
        f"{V}/os-quota-sets/{project}", {"quota_set": {"snapshots": 1, "backup_gigabytes": 3}}
    )
    volume = await _volume(demo, 2, "az1")
    await _available(demo, volume)
    await _snapshot(demo, volume)
    again = await demo.post(f"{V}/snapshots", {"snapshot": {"volume_id": volume}})
    assert again.status == 413
    assert again.body["overLimit"]["message"] == (
        "SnapshotLimitExceeded: Maximum number of snapshots allowed (1) exceeded"
    )
    absolute = await _absolute(demo)
    assert (absolute["totalSnapshotsUsed"], absolute["totalGigabytesUsed"]) == (1, 4)
    backup = await demo.post(f"{V}/backups", {"backup": {"volume_id": volume}})
    assert backup.status == 202, backup.body
    second = await demo.post(f"{V}/backups", {"backup": {"volume_id": volume}})
    assert second.status == 413
    assert second.body["overLimit"]["message"].startswith(
        "VolumeBackupSizeExceedsAvailableQuota: Requested backup exceeds allowed Backup "
        "gigabytes quota. Requested 2G, quota is 3G and 2G has been consumed."
    )


async def test_cinders_validation_and_policy(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    path = f"{V}/os-quota-sets/{project}"
    assert (await demo.put(path, {"quota_set": {"volumes": 5}})).status == 403
    bad = await admin.put(path, {"quota_set": {"volumez": 5}})
    assert bad.status == 400
    assert bad.body["badRequest"]["message"] == (
        "Invalid input received: Bad key(s) in quota set: volumez"
    )
    assert (await admin.put(path, {"quota_set": {"volumes": -2}})).status == 400
    await _volume(demo, 1, "az1")
    low = await admin.put(path, {"quota_set": {"volumes": 0}})
    assert low.status == 400
    assert low.body["badRequest"]["message"] == (
        "Quota volumes limit must be equal or greater than existing resources. Current usage "
        "is 1 and the requested limit is 0."
    )
    too_big = await admin.put(path, {"quota_set": {"per_volume_gigabytes": 4}})
    assert too_big.status == 200
    refused = await demo.post(f"{V}/volumes", {"volume": {"size": 5, "availability_zone": "az1"}})
    assert refused.status == 413
    assert refused.body["overLimit"]["message"] == (
        "VolumeSizeExceedsLimit: Requested volume size 5G is larger than maximum allowed limit 4G."
    )
    assert (await admin.delete(path)).status == 200
    defaults = await demo.get(f"{path}/defaults")
    assert defaults.body["quota_set"]["volumes"] == 10
    assert (await demo.get(f"{V}/os-quota-class-sets/default")).status == 403
    classes = await admin.put(
        f"{V}/os-quota-class-sets/default", {"quota_class_set": {"backups": 4}}
    )
    assert classes.status == 200 and classes.body["quota_class_set"]["backups"] == 4
    shown = await demo.get(f"{V}/{project}/os-quota-sets/{project}")
    assert shown.body["quota_set"]["backups"] == 4


async def test_a_volume_types_own_limits_count_its_volumes(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    made = await admin.post(f"{V}/types", {"volume_type": {"name": "fast"}})
    assert made.status == 200, made.body
    path = f"{V}/os-quota-sets/{project}"
    assert (await demo.get(path)).body["quota_set"]["volumes_fast"] == -1
    assert (await admin.put(path, {"quota_set": {"volumes_fast": 1}})).status == 200
    await _volume(demo, 1, "az1", volume_type="fast")
    await _volume(demo, 1, "az1")  # the default type's own limit is unlimited
    refused = await demo.post(
        f"{V}/volumes", {"volume": {"size": 1, "availability_zone": "az2", "volume_type": "fast"}}
    )
    assert refused.status == 413
    assert refused.body["overLimit"]["message"] == (
        "VolumeLimitExceeded: Maximum number of volumes allowed (1) exceeded for quota "
        "'volumes_fast'."
    )

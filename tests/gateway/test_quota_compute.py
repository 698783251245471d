"""Nova's quotas at the top: one limit per project over every pod, reserved before a
create is forwarded, shown by os-quota-sets and limits."""

from __future__ import annotations

import asyncio

import pytest

from tests.gateway.harness import Client, Gateway, Reply
from tests.gateway.test_servers import SERVERS, boot
from tricircle.sim.compute.model import Quota

QUOTAS = "/compute/v2.1/os-quota-sets"
LIMITS = "/compute/v2.1/limits"
V = "OpenStack-API-Version"


async def never_refusing(make_gateway) -> Gateway:
    """Pods that would each take far more than the top allows: only the top refuses."""
    gateway = await make_gateway()
    for pod in gateway.sim.pods.values():
        pod.compute.quota = Quota(instances=1000, cores=1000, ram=10**7)
    return gateway


@pytest.fixture
async def gateway(make_gateway) -> Gateway:
    return await never_refusing(make_gateway)


async def _fill(demo: Client, count: int, az: str) -> list[str]:
    ids = []
    for index in range(count):
        reply = await demo.post(SERVERS, boot(f"vm{index}", az=az))
        assert reply.status == 202, reply.body
        ids.append(reply.body["server"]["id"])
    return ids


async def _absolute(client: Client, **params: str) -> dict:
    reply = await client.get(LIMITS, params=params or None)
    assert reply.status == 200, reply.body
    return reply.body["limits"]["absolute"]


async def test_ten_instances_over_three_pods_and_the_eleventh_is_refused_anywhere(
    gateway, demo
) -> None:
    await _fill(demo, 4, "az1")
    await _fill(demo, 6, "az2")
    held = {name: len(pod.servers) for name, pod in gateway.sim.pods.items()}
    assert sum(held.values()) == 10 and held["pod1"] == 4
    for az in ("az1", "az2", None):
        refused = await demo.post(SERVERS, boot("eleventh", az=az))
        assert refused.status == 403
        assert refused.body == {
            "forbidden": {
                "code": 403,
                "message": "Quota exceeded for instances: Requested 1, but already used 10 "
                "of 10 instances",
            }
        }
    assert sum(len(pod.servers) for pod in gateway.sim.pods.values()) == 10
    absolute = await _absolute(demo)
    assert absolute["totalInstancesUsed"] == 10 and absolute["maxTotalInstances"] == 10
    assert absolute["totalCoresUsed"] == 10 and absolute["totalRAMUsed"] == 5120


async def test_an_admin_raises_the_limit_and_the_project_sees_it(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    denied = await demo.put(f"{QUOTAS}/{project}", {"quota_set": {"instances": 12}})
    assert denied.status == 403
    assert "os_compute_api:os-quota-sets:update" in denied.body["forbidden"]["message"]
    raised = await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"instances": 12}})
    assert raised.status == 200 and raised.body["quota_set"]["instances"] == 12
    assert "id" not in raised.body["quota_set"]
    shown = await demo.get(f"{QUOTAS}/{project}")
    assert shown.body["quota_set"]["id"] == project
    assert shown.body["quota_set"]["instances"] == 12 and shown.body["quota_set"]["cores"] == 20
    await _fill(demo, 12, "az2")
    assert (await demo.post(SERVERS, boot(az="az1"))).status == 403
    assert (await _absolute(demo))["maxTotalInstances"] == 12


async def test_another_projects_quotas_are_the_admins_to_read(gateway, admin, demo) -> None:
    other = await gateway.sim_project("other")
    assert (await demo.get(f"{QUOTAS}/{other}")).status == 403
    assert (await admin.get(f"{QUOTAS}/{other}")).status == 200
    assert (await demo.get(LIMITS, params={"tenant_id": other})).status == 403
    assert (await admin.get(LIMITS, params={"tenant_id": other})).status == 200


async def test_a_limit_below_usage_is_refused_unless_forced(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    await _fill(demo, 3, "az1")
    low = await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"instances": 2}})
    assert low.status == 400
    assert low.body["badRequest"]["message"] == (
        "Quota limit 2 for instances must be greater than or equal to already used and reserved 3."
    )
    forced = await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"instances": 2, "force": True}})
    assert forced.status == 200 and forced.body["quota_set"]["instances"] == 2
    bad = await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"instances": -2}})
    assert bad.status == 400
    body = {"quota_set": {"floating_ips": 1}}
    gone = await admin.put(f"{QUOTAS}/{project}", body, headers={V: "compute 2.36"})
    assert gone.status == 400 and "floating_ips" in gone.body["badRequest"]["message"]
    old = await admin.put(f"{QUOTAS}/{project}", body)  # 2.1, where Nova still had it
    assert old.status == 200 and old.body["quota_set"]["floating_ips"] == 1
    assert (await admin.delete(f"{QUOTAS}/{project}")).status == 202
    assert (await demo.get(f"{QUOTAS}/{project}")).body["quota_set"]["instances"] == 10


async def test_detail_shows_what_is_used_and_names_follow_the_microversion(gateway, demo) -> None:
    project = await gateway.sim_project("demo")
    await _fill(demo, 2, "az1")
    detail = await demo.get(f"{QUOTAS}/{project}/detail", headers={V: "compute 2.57"})
    assert detail.body["quota_set"]["instances"] == {"limit": 10, "in_use": 2, "reserved": 0}
    assert detail.body["quota_set"]["ram"]["in_use"] == 1024
    assert set(detail.body["quota_set"]) == {
        "id", "instances", "cores", "ram", "key_pairs", "metadata_items", "server_groups",
        "server_group_members",
    }  # fmt: skip
    old = await demo.get(f"{QUOTAS}/{project}", headers={V: "compute 2.1"})
    assert old.body["quota_set"]["injected_files"] == 5
    assert old.body["quota_set"]["security_groups"] == 10
    defaults = await demo.get(f"{QUOTAS}/{project}/defaults")
    assert defaults.body["quota_set"]["instances"] == 10
    assert "maxImageMeta" in await _absolute(demo)
    newer = await demo.get(LIMITS, headers={V: "compute 2.57"})
    assert "maxImageMeta" not in newer.body["limits"]["absolute"]
    assert "maxPersonality" not in newer.body["limits"]["absolute"]


async def test_quota_classes_set_the_defaults(gateway, admin, demo) -> None:
    classes = "/compute/v2.1/os-quota-class-sets/default"
    assert (await demo.get(classes)).status == 403
    updated = await admin.put(classes, {"quota_class_set": {"instances": 3}})
    assert updated.status == 200 and updated.body["quota_class_set"]["instances"] == 3
    shown = await admin.get(classes, headers={V: "compute 2.50"})
    assert shown.body["quota_class_set"]["id"] == "default"
    assert "server_groups" in shown.body["quota_class_set"]
    assert "floating_ips" not in shown.body["quota_class_set"]
    old = await admin.get(classes, headers={V: "compute 2.49"})
    assert "server_groups" not in old.body["quota_class_set"]
    await _fill(demo, 3, "az1")
    assert (await demo.post(SERVERS, boot(az="az2"))).status == 403


async def test_a_deleted_server_gives_its_share_back(gateway, demo) -> None:
    ids = await _fill(demo, 10, "az1")
    assert (await demo.delete(f"{SERVERS}/{ids[0]}")).status == 204
    absolute = await _absolute(demo)
    assert (absolute["totalInstancesUsed"], absolute["totalCoresUsed"]) == (9, 9)
    assert (await demo.post(SERVERS, boot(az="az2"))).status == 202


async def test_a_multiple_create_gets_as_many_servers_as_fit(gateway, demo) -> None:
    await _fill(demo, 7, "az1")
    reply = await demo.post(SERVERS, boot(az="az2", min_count=2, max_count=5))
    assert reply.status == 202, reply.body
    assert (await _absolute(demo))["totalInstancesUsed"] == 10
    assert sum(len(pod.servers) for pod in gateway.sim.pods.values()) == 10
    refused = await demo.post(SERVERS, boot(az="az2", min_count=1, max_count=2))
    assert refused.status == 403


async def test_key_pairs_count_against_the_users_limit(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"key_pairs": 2}})
    keys = "/compute/v2.1/os-keypairs"
    for name in ("k1", "k2"):
        assert (await demo.post(keys, {"keypair": {"name": name}})).status == 200
    refused = await demo.post(keys, {"keypair": {"name": "k3"}})
    assert refused.status == 403
    assert refused.body["forbidden"]["message"] == "Quota exceeded, too many key pairs."
    assert (await demo.delete(f"{keys}/k1")).status == 202
    assert (await demo.post(keys, {"keypair": {"name": "k3"}})).status == 200


async def test_a_users_own_key_pair_limit_comes_before_the_projects(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    user = gateway.sim.identity.find_user("demo", "default").id  # type: ignore[union-attr]
    path = f"{QUOTAS}/{project}?user_id={user}"
    assert (await admin.put(path, {"quota_set": {"key_pairs": 1}})).status == 200
    assert (await demo.get(path)).body["quota_set"]["key_pairs"] == 1
    assert (await demo.get(f"{QUOTAS}/{project}")).body["quota_set"]["key_pairs"] == 100
    above = await admin.put(path, {"quota_set": {"instances": 11}})
    assert above.status == 400
    assert above.body["badRequest"]["message"] == (
        "Quota limit 11 for instances must be less than or equal to 10."
    )
    keys = "/compute/v2.1/os-keypairs"
    assert (await demo.post(keys, {"keypair": {"name": "k1"}})).status == 200
    assert (await demo.post(keys, {"keypair": {"name": "k2"}})).status == 403


async def _active(client: Client, server_id: str) -> None:
    for _ in range(200):
        if (await client.get(f"{SERVERS}/{server_id}")).body["server"]["status"] == "ACTIVE":
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{server_id} never became ACTIVE")


async def _resize(client: Client, server_id: str, flavor: str) -> Reply:
    await _active(client, server_id)
    return await client.post(f"{SERVERS}/{server_id}/action", {"resize": {"flavorRef": flavor}})


async def test_a_resize_reserves_the_difference_up_and_gives_it_back_down(
    gateway, admin, demo
) -> None:
    project = await gateway.sim_project("demo")
    await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"ram": 3000}})
    [small] = await _fill(demo, 1, "az1")  # m1.tiny: 512 MiB
    big = await demo.post(SERVERS, {"server": {**boot(az="az2")["server"], "flavorRef": "2"}})
    assert big.status == 202, big.body  # m1.small: 2048 MiB
    refused = await _resize(demo, small, "2")
    assert refused.status == 403
    assert refused.body["forbidden"]["message"] == (
        "Quota exceeded for ram: Requested 1536, but already used 2560 of 3000 ram"
    )
    assert (await _resize(demo, big.body["server"]["id"], "1")).status == 202
    assert (await _absolute(demo))["totalRAMUsed"] == 1024
    assert (await _resize(demo, small, "2")).status == 202
    assert (await _absolute(demo))["totalRAMUsed"] == 2560


async def test_server_groups_count_against_their_quota(gateway, admin, demo) -> None:
    project = await gateway.sim_project("demo")
    await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"server_groups": 1}})
    groups = "/compute/v2.1/os-server-groups"
    body = {"server_group": {"name": "g", "policies": ["anti-affinity"]}}
    assert (await demo.post(groups, body)).status == 200
    refused = await demo.post(groups, body)
    assert refused.status == 403
    assert refused.body["forbidden"]["message"] == "Quota exceeded, too many server groups."
    assert (await _absolute(demo))["totalServerGroupsUsed"] == 1
    detail = await demo.get(f"{QUOTAS}/{project}/detail")
    assert detail.body["quota_set"]["server_groups"]["in_use"] == 1
    low = await admin.put(f"{QUOTAS}/{project}", {"quota_set": {"server_groups": 0}})
    assert low.status == 400

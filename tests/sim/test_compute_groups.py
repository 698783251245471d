"""Simulated Nova: server groups placing members by policy; a server's groups as its
ports have them."""

import asyncio

from tests.sim.test_compute import IMAGE, MV, boot

MV_2_64 = {"OpenStack-API-Version": "compute 2.64"}


async def _group(api, pod, policy):
    body = {"server_group": {"name": policy, "policy": policy}}
    status, _, resp = await api.call(
        "POST", pod.url("compute") + "/os-server-groups", body, MV_2_64
    )
    assert status == 200, resp
    return resp["server_group"]["id"]


async def _status(api, pod, sid):
    for _ in range(50):
        _, _, resp = await api.call("GET", pod.url("compute") + f"/servers/{sid}", headers=MV)
        if resp["server"]["status"] != "BUILD":
            return resp["server"]
        await asyncio.sleep(0.02)
    raise AssertionError(f"{sid} stays in BUILD")


async def test_anti_affinity_leaves_no_host_for_a_second_member(pod, api):
    group = await _group(api, pod, "anti-affinity")
    hints = {"os:scheduler_hints": {"group": group}}
    body = {"server": {"name": "a", "flavorRef": "1", "imageRef": IMAGE, "networks": "none"}}
    ids = []
    for name in ("a", "b"):
        body["server"]["name"] = name
        status, _, resp = await api.call(
            "POST", pod.url("compute") + "/servers", {**body, **hints}, MV
        )
        assert status == 202, resp
        ids.append(resp["server"]["id"])
    a, b = [await _status(api, pod, sid) for sid in ids]
    assert a["status"] == "ACTIVE"
    assert b["status"] == "ERROR" and "No valid host" in b["fault"]["message"]
    _, _, shown = await api.call("GET", pod.url("compute") + f"/os-server-groups/{group}")
    assert shown["server_group"]["members"] == ids
    status, _, resp = await api.call(
        "POST",
        pod.url("compute") + "/servers",
        {**body, "os:scheduler_hints": {"group": "9b1f7fb0-3a8e-4a2c-9a55-2f1f1f1f1f1f"}},
        MV,
    )
    assert status == 400 and "could not be found" in resp["badRequest"]["message"]


async def test_a_servers_groups_are_its_ports_groups(pod, api):
    net = pod.url("network") + "/v2.0"
    _, _, resp = await api.call("POST", f"{net}/networks", {"network": {"name": "n"}})
    network = resp["network"]["id"]
    subnet = {"network_id": network, "cidr": "10.0.0.0/24", "ip_version": 4}
    await api.call("POST", f"{net}/subnets", {"subnet": subnet})
    _, _, resp = await api.call(
        "POST", f"{net}/security-groups", {"security_group": {"name": "web"}}
    )
    port = {"network_id": network, "security_groups": [resp["security_group"]["id"]]}
    _, _, resp = await api.call("POST", f"{net}/ports", {"port": port})
    on_port = await boot(api, pod, "p", networks=[{"port": resp["port"]["id"]}])
    on_net = await boot(
        api, pod, "n", networks=[{"uuid": network}], security_groups=[{"name": "web"}]
    )
    bare = await boot(api, pod, "bare")
    for sid, groups in ((on_port, [{"name": "web"}]), (on_net, [{"name": "web"}])):
        assert (await _status(api, pod, sid))["security_groups"] == groups
    assert "security_groups" not in await _status(api, pod, bare)  # no ports, no groups

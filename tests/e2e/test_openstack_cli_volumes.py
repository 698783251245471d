"""Block storage with the real `openstack` CLI against the gateway: a type made at the top,
a volume of it attached to a server of its AZ, lists paged across pods, bad input."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from tests.e2e.test_openstack_cli import openstack_cli, openstack_cli_refused
from tests.gateway.harness import Gateway


async def _until(check: Any, what: str) -> Any:
    for _ in range(200):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"never {what}")


async def _nothing_left(gateway: Gateway) -> None:
    """No server or volume in any pod, and no route to one."""

    async def empty() -> bool:
        pods = gateway.sim.pods.values()
        held = [i for pod in pods for i in (*pod.volume.volumes, *pod.servers)]
        routes = [
            *await gateway.services.routing.page(resource_type="volume"),
            *await gateway.services.routing.page(resource_type="server"),
        ]
        return not held and not routes

    await _until(empty, "without volumes")


async def test_a_volume_of_a_top_type_attaches_to_a_server_of_its_az(
    gateway: Gateway, clouds_yaml: Path
) -> None:
    async def cli(*args: str, cloud: str = "demo", output: bool = True) -> Any:
        return await openstack_cli(clouds_yaml, cloud, *args, output=output)

    made = await cli("volume", "type", "create", "T", cloud="admin")
    assert made["name"] == "T"
    volume = await cli(
        "volume", "create", "--type", "T", "--availability-zone", "az2", "--size", "1", "v1"
    )
    assert (volume["type"], volume["availability_zone"]) == ("T", "az2")
    server = await cli(
        *("server", "create", "--flavor", "m1.tiny", "--image", "cirros", "--nic", "none"),
        *("--availability-zone", "az2", "vm"),
    )
    pod = next(p for p in gateway.sim.pods.values() if volume["id"] in p.volume.volumes)
    assert server["id"] in pod.servers  # the project's pod of az2, for both

    async def active() -> bool:  # the CLI's --wait polls every few seconds: the pod is asked
        return pod.servers[server["id"]].vm_state == "active"

    await _until(active, "active")
    attachment = await cli("server", "add", "volume", "vm", "v1")
    assert attachment["Volume ID"] == volume["id"], attachment

    async def attached() -> Any:
        (found,) = await cli("volume", "list", "--name", "v1")
        return found if found["Status"] == "in-use" else None

    listed = await _until(attached, "in-use")
    assert [a["server_id"] for a in listed["Attached to"]] == [server["id"]]

    # more volumes in both AZs; the CLI follows the gateway's next links one volume a page
    more = (("v2", "az1"), ("v3", "az2"), ("v4", "az1"))
    await asyncio.gather(
        *(cli("volume", "create", "--availability-zone", az, "--size", "1", n) for n, az in more)
    )
    everything = await cli("volume", "list")
    assert sorted(v["Name"] for v in everything) == ["v1", "v2", "v3", "v4"]
    holders = {n for n, p in gateway.sim.pods.items() if p.volume.volumes}
    assert len(holders) == 2  # two pods answer the lists
    paged = await cli("volume", "list", "--limit", "1")
    assert [v["ID"] for v in paged] == [v["ID"] for v in everything]
    after = await cli("volume", "list", "--limit", "1", "--marker", everything[1]["ID"])
    assert [v["ID"] for v in after] == [v["ID"] for v in everything[2:]]

    await cli("server", "remove", "volume", "vm", "v1", output=False)

    async def available() -> bool:
        return (await cli("volume", "show", "v1"))["status"] == "available"

    await _until(available, "detached")
    await cli("volume", "delete", "v1", "v2", "v3", "v4", output=False)
    await cli("server", "delete", "vm", output=False)
    await _nothing_left(gateway)
    assert await cli("volume", "list") == []
    await cli("volume", "type", "delete", "T", cloud="admin", output=False)
    for found in gateway.sim.pods.values():
        assert [t.name for t in found.volume.types.values()] == ["__DEFAULT__"]


async def test_bad_volume_input_through_the_cli_leaves_nothing(
    gateway: Gateway, clouds_yaml: Path
) -> None:
    create = ("volume", "create", "--size")
    cases = (
        ((*create, "1", "--type", "nope", "x"), "Volume type nope could not be found"),
        ((*create, "1", "--availability-zone", "az9", "x"), "Availability zone 'az9' is invalid"),
        ((*create, "0", "x"), "size"),
    )
    said = await asyncio.gather(
        *(openstack_cli_refused(clouds_yaml, "demo", *args) for args, _ in cases)
    )
    for (args, wanted), err in zip(cases, said, strict=True):
        assert wanted in err, (args, err)
    await _nothing_left(gateway)

"""The real `openstack` CLI through the gateway, in front of both real regions."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_openstack_cli import SSH_KEY, openstack_cli
from tests.realcloud.conftest import RealCloud
from tests.realcloud.gateway import running_gateway
from tests.realcloud.helpers import BASE_FLAVOR, BASE_IMAGE, unique
from tricircle.demo import write_clouds_yaml

pytestmark = pytest.mark.realcloud


@pytest.fixture
async def clouds_yaml(realcloud: RealCloud, tmp_path: Path) -> AsyncIterator[Path]:
    """clouds.yaml for the top region (`demo`, `admin`), with the gateway serving it."""
    path = tmp_path / "clouds.yaml"
    spec = realcloud.spec
    users = {user.username: (user.username, user.password) for user in (spec.demo, spec.admin)}
    write_clouds_yaml(path, spec.identity_url, users)
    async with running_gateway(realcloud):
        yield path


async def test_servers_in_both_regions_through_the_gateway(
    realcloud: RealCloud, clouds_yaml: Path, tmp_path: Path
) -> None:
    async def cli(*args: str, output: bool = True) -> object:
        return await openstack_cli(clouds_yaml, "demo", *args, output=output)

    zones = await cli("availability", "zone", "list", "--compute")
    assert {z["Zone Name"] for z in zones} == {p.az for p in realcloud.spec.pods}
    assert BASE_FLAVOR in {f["Name"] for f in await cli("flavor", "list")}
    key = unique("key")
    (tmp_path / "id.pub").write_text(SSH_KEY)
    made = await cli("keypair", "create", "--public-key", str(tmp_path / "id.pub"), key)
    assert made["name"] == key

    run = unique("cli")  # the list filter: the pods may hold other servers of `demo`
    names = {pod.az: f"{run}-{pod.az}" for pod in realcloud.spec.pods}
    boot = ("server", "create", "--flavor", BASE_FLAVOR, "--image", BASE_IMAGE, "--nic", "none")
    created = await asyncio.gather(
        *(
            cli(*boot, "--availability-zone", az, "--key-name", key, "--wait", name)
            for az, name in names.items()
        )
    )
    try:
        assert [c["status"] for c in created] == ["ACTIVE"] * len(names)
        listed = await cli("server", "list", "--name", run)
        assert {s["Name"]: s["Status"] for s in listed} == dict.fromkeys(names.values(), "ACTIVE")
        for az, name in names.items():
            shown = await cli("server", "show", name)
            assert shown["OS-EXT-AZ:availability_zone"] == az
            assert shown["key_name"] == key
    finally:
        await cli("server", "delete", "--wait", *names.values(), output=False)
        await cli("keypair", "delete", key, output=False)
    assert await cli("server", "list", "--name", run) == []


async def test_a_volume_attached_to_a_server_through_the_gateway(
    realcloud: RealCloud, clouds_yaml: Path
) -> None:
    """A type made at the top, a volume of it in the second AZ, attached to a server there,
    listed, detached and deleted, all with the CLI."""

    async def cli(*args: str, cloud: str = "demo", output: bool = True) -> Any:
        return await openstack_cli(clouds_yaml, cloud, *args, output=output)

    async def status_of(volume: str, wanted: str) -> dict[str, Any]:
        deadline = time.monotonic() + 120
        while (shown := await cli("volume", "show", volume))["status"] != wanted:
            assert time.monotonic() < deadline, f"{volume}: still {shown['status']}, not {wanted}"
            await asyncio.sleep(1)
        return shown

    az = realcloud.spec.pods[-1].az
    run = unique("cli-volume")
    volume_type, name, server_name = f"{run}-type", f"{run}-v", f"{run}-vm"
    await cli("volume", "type", "create", volume_type, cloud="admin")
    volume: dict[str, Any] = {}
    server: dict[str, Any] = {}
    try:
        volume = await cli(
            *("volume", "create", "--type", volume_type, "--availability-zone", az),
            *("--size", "1", name),
        )
        boot = ("server", "create", "--flavor", BASE_FLAVOR, "--image", BASE_IMAGE)
        server = await cli(*boot, "--nic", "none", "--availability-zone", az, "--wait", server_name)
        await status_of(volume["id"], "available")
        await cli("server", "add", "volume", server["id"], volume["id"])
        shown = await status_of(volume["id"], "in-use")
        assert (shown["type"], shown["availability_zone"]) == (volume_type, az)
        (listed,) = await cli("volume", "list", "--name", name)
        assert listed["Status"] == "in-use", listed
        assert [a["server_id"] for a in listed["Attached to"]] == [server["id"]], listed
        await cli("server", "remove", "volume", server["id"], volume["id"], output=False)
        await status_of(volume["id"], "available")
    finally:
        if server:
            await cli("server", "delete", "--wait", server["id"], output=False)
        if volume:
            await cli("volume", "delete", volume["id"], output=False)
            deadline = time.monotonic() + 120
            while await cli("volume", "list", "--name", name):
                assert time.monotonic() < deadline, f"{name} still there"
                await asyncio.sleep(1)
        await cli("volume", "type", "delete", volume_type, cloud="admin", output=False)

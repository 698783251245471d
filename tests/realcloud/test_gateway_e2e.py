"""The real `openstack` CLI through the gateway, in front of both real regions."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

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

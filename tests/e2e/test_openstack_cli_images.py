"""Images with the real `openstack` CLI against the gateway and its top Glance: an image
uploaded at the top boots in an AZ whose pod never had it, its changes reach the copy, an
admin copies it everywhere, and its delete leaves no copy; bad input is refused."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_openstack_cli import openstack_cli, openstack_cli_refused
from tests.e2e.test_openstack_cli_volumes import _until
from tests.gateway.conftest import GatewayFactory
from tests.gateway.harness import Client, Gateway

DATA = bytes(range(256)) * 4096 * 2  # 2 MiB


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway(images=True)


async def _image_create(clouds_yaml: Path, path: Path, name: str, *options: str) -> Any:
    """`openstack image create --file` of raw bytes, as `demo`."""
    return await openstack_cli(
        clouds_yaml, "demo", "image", "create", "--file", str(path), "--disk-format", "raw",
        "--container-format", "bare", *options, name,
    )  # fmt: skip


def _copies(gateway: Gateway, image_id: str) -> dict[str, Any]:
    return {
        name: pod.images[image_id]
        for name, pod in gateway.sim.pods.items()
        if image_id in pod.images
    }


async def test_an_image_made_at_the_top_boots_anywhere_and_goes_everywhere_it_went(
    gateway: Gateway, clouds_yaml: Path, admin: Client, tmp_path: Path
) -> None:
    path = tmp_path / "disk.raw"
    path.write_bytes(DATA)
    image = await _image_create(clouds_yaml, path, "img1")
    shown = await openstack_cli(clouds_yaml, "demo", "image", "show", "img1")
    assert shown["status"] == "active" and shown["id"] == image["id"]
    assert not _copies(gateway, image["id"])
    server = await openstack_cli(
        clouds_yaml, "demo", "server", "create", "--flavor", "m1.tiny", "--image", "img1",
        "--availability-zone", "az1", "--nic", "none", "--wait", "vm1",
    )  # fmt: skip
    assert server["status"] == "ACTIVE"
    [(pod, copy)] = _copies(gateway, image["id"]).items()
    assert pod == "pod1" and copy.os_hash_value == hashlib.sha512(DATA).hexdigest()

    await openstack_cli(
        clouds_yaml, "demo", "image", "set", "--property", "os_distro=cirros", "img1", output=False
    )

    async def followed() -> bool:
        return copy.properties.get("os_distro") == "cirros"

    await _until(followed, "the property reached the copy")
    reply = await admin.post(f"/v1.0/images/{image['id']}/copies", {"copies": {}})
    assert reply.status == 202, reply.body

    async def everywhere() -> bool:
        copies = _copies(gateway, image["id"])
        return len(copies) == 3 and all(c.status == "active" for c in copies.values())

    await _until(everywhere, "copied to every pod")
    await openstack_cli(clouds_yaml, "demo", "server", "delete", "--wait", "vm1", output=False)
    await openstack_cli(clouds_yaml, "demo", "image", "delete", "img1", output=False)

    async def nowhere() -> bool:
        return not _copies(gateway, image["id"])

    await _until(nowhere, "without copies")
    assert "No Image found" in await openstack_cli_refused(
        clouds_yaml, "demo", "image", "show", image["id"]
    )


async def test_bad_image_input_is_refused_and_leaves_no_copy(
    gateway: Gateway, clouds_yaml: Path, admin: Client, tmp_path: Path
) -> None:
    path = tmp_path / "disk.raw"
    path.write_bytes(DATA)
    err = await openstack_cli_refused(
        clouds_yaml, "demo", "image", "create", "--file", str(path), "--disk-format", "floppy",
        "--container-format", "bare", "bad",
    )  # fmt: skip
    assert "floppy" in err
    assert gateway.sim.central is not None
    gateway.sim.central.image.size_cap = len(DATA) // 2  # the top's image_size_cap
    err = await openstack_cli_refused(
        clouds_yaml, "demo", "image", "create", "--file", str(path), "--disk-format", "raw",
        "--container-format", "bare", "too-big",
    )  # fmt: skip
    assert "413" in err or "too large" in err
    gateway.sim.central.image.size_cap = len(DATA) * 2
    image = await _image_create(clouds_yaml, path, "mine", "--private")
    await openstack_cli(
        clouds_yaml, "admin", "image", "set", "--deactivate", image["id"], output=False
    )
    err = await openstack_cli_refused(
        clouds_yaml, "demo", "server", "create", "--flavor", "m1.tiny", "--image", image["id"],
        "--availability-zone", "az1", "--nic", "none", "vm",
    )  # fmt: skip
    assert "is not active" in err
    await openstack_cli(
        clouds_yaml, "admin", "image", "set", "--activate", image["id"], output=False
    )
    other = await gateway.client("other")
    server = {"name": "vm", "flavorRef": "1", "imageRef": image["id"], "availability_zone": "az1"}
    reply = await other.post("/compute/v2.1/servers", {"server": server})
    assert reply.status == 400, reply.body  # another project's private image: not found
    assert all(not pod.servers for pod in gateway.sim.pods.values())
    assert not _copies(gateway, image["id"])

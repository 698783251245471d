"""Images across pods: the top Glance behind the gateway, copies in the pods where servers
and volumes boot, copies that follow the top."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest

from tests.gateway.conftest import GatewayFactory
from tests.gateway.harness import Client, Gateway
from tests.jobs.helpers import eventually
from tricircle.sim.image import Image

IMG = "/image/v2"
DATA = bytes(range(256)) * 4096 * 3  # 3 MiB


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway(images=True)


async def upload(client: Client, name: str, data: bytes = DATA, **attrs: Any) -> dict:
    """An image made and filled through the gateway, as `openstack image create --file`."""
    body = {"name": name, "disk_format": "raw", "container_format": "bare", **attrs}
    reply = await client.post(f"{IMG}/images", body)
    assert reply.status == 201, reply.body
    image = reply.body
    reply = await client.call(
        "PUT",
        f"{IMG}/images/{image['id']}/file",
        data=data,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert reply.status == 204, reply.body
    return image


async def patch_image(client: Client, image_id: str, ops: list[dict[str, Any]]) -> Any:
    return await client.call(
        "PATCH",
        f"{IMG}/images/{image_id}",
        data=json.dumps(ops).encode(),
        headers={"Content-Type": "application/openstack-images-v2.1-json-patch"},
    )


async def boot(client: Client, image_id: str, az: str = "az1") -> Any:
    server = {"name": "vm", "flavorRef": "1", "imageRef": image_id, "availability_zone": az}
    return await client.post("/compute/v2.1/servers", {"server": server})


def copy_in(gateway: Gateway, pod: str, image_id: str) -> Image | None:
    return gateway.sim.pods[pod].images.get(image_id)


def top_glance(gateway: Gateway) -> Any:
    assert gateway.sim.central is not None
    return gateway.sim.central.image


async def test_images_live_at_the_top_until_a_pod_needs_one(gateway: Gateway, demo: Client) -> None:
    image = await upload(demo, "mine")
    reply = await demo.get(f"{IMG}/images/{image['id']}")
    assert reply.status == 200 and reply.body["status"] == "active"
    assert reply.body["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
    assert reply.body["self"] == f"/v2/images/{image['id']}"
    reply = await demo.get(f"{IMG}/images/{image['id']}/file")
    assert reply.status == 200 and reply.body == DATA
    assert all(copy_in(gateway, pod, image["id"]) is None for pod in gateway.sim.pods)
    reply = await demo.get(f"{IMG}/images/00000000-0000-0000-0000-000000000000")
    assert reply.status == 404  # Glance's own answer


async def test_a_boot_copies_the_image_into_its_pod_first(gateway: Gateway, demo: Client) -> None:
    image = await upload(demo, "mine", properties_hint="x")
    reply = await boot(demo, image["id"], "az1")
    assert reply.status == 202, reply.body
    copy = copy_in(gateway, "pod1", image["id"])
    assert copy is not None and copy.status == "active"
    assert copy.os_hash_value == hashlib.sha512(DATA).hexdigest()
    # the top's attributes: its owner, visibility, properties
    top = top_glance(gateway).images[image["id"]]
    assert (copy.owner, copy.visibility, copy.name) == (top.owner, top.visibility, "mine")
    assert copy.properties.get("properties_hint") == "x"
    assert copy_in(gateway, "pod2", image["id"]) is None  # no boot there
    admin = await gateway.client("admin")
    reply = await admin.get(f"/v1.0/images/{image['id']}/copies")
    assert reply.status == 200, reply.body
    [listed] = reply.body["copies"]
    assert listed["state"] == "active" and listed["copied_bytes"] == len(DATA)


async def test_changes_at_the_top_reach_every_copy(gateway: Gateway, demo: Client) -> None:
    image = await upload(demo, "mine")
    assert (await boot(demo, image["id"], "az1")).status == 202
    patch = [
        {"op": "add", "path": "/os_distro", "value": "cirros"},
        {"op": "replace", "path": "/name", "value": "renamed"},
    ]
    reply = await patch_image(demo, image["id"], patch)
    assert reply.status == 200, reply.body
    assert (await demo.call("PUT", f"{IMG}/images/{image['id']}/tags/gold")).status == 204

    async def followed() -> bool:
        copy = copy_in(gateway, "pod1", image["id"])
        assert copy is not None
        return (
            copy.name == "renamed"
            and copy.properties.get("os_distro") == "cirros"
            and copy.tags == ["gold"]
        )

    await eventually(followed)
    admin = await gateway.client("admin")
    reply = await admin.post(f"{IMG}/images/{image['id']}/actions/deactivate")
    assert reply.status == 204, reply.body

    async def deactivated() -> bool:
        copy = copy_in(gateway, "pod1", image["id"])
        return copy is not None and copy.status == "deactivated"

    await eventually(deactivated)
    reply = await boot(demo, image["id"], "az1")
    assert reply.status == 400 and "is not active" in reply.body["badRequest"]["message"]


async def test_sharing_at_the_top_is_the_copies_sharing(
    gateway: Gateway, demo: Client, other: Client
) -> None:
    image = await upload(demo, "private one", visibility="private")
    reply = await boot(other, image["id"], "az1")
    assert reply.status == 400, reply.body  # as Nova: it cannot see it
    assert copy_in(gateway, "pod1", image["id"]) is None  # nothing copied for it
    assert (await boot(demo, image["id"], "az1")).status == 202
    copy = copy_in(gateway, "pod1", image["id"])
    assert copy is not None and copy.visibility == "private"
    other_project = await gateway.sim_project("other")
    patch = [{"op": "replace", "path": "/visibility", "value": "shared"}]
    reply = await patch_image(demo, image["id"], patch)
    assert reply.status == 200, reply.body
    reply = await demo.post(f"{IMG}/images/{image['id']}/members", {"member": other_project})
    assert reply.status == 200, reply.body

    async def shared() -> bool:
        pod = gateway.sim.pods["pod1"]
        return copy.visibility == "shared" and other_project in pod.image.members.get(
            image["id"], {}
        )

    await eventually(shared)
    assert (await boot(other, image["id"], "az1")).status == 202


async def test_a_deleted_image_leaves_no_copy(gateway: Gateway, demo: Client) -> None:
    image = await upload(demo, "mine")
    assert (await boot(demo, image["id"], "az1")).status == 202
    assert (await boot(demo, image["id"], "az2")).status == 202
    assert copy_in(gateway, "pod1", image["id"]) is not None
    reply = await demo.delete(f"{IMG}/images/{image['id']}")
    assert reply.status == 204, reply.body

    async def gone() -> bool:
        return all(copy_in(gateway, pod, image["id"]) is None for pod in gateway.sim.pods)

    await eventually(gone, timeout=30)  # the machine is shared: jobs may run late
    admin = await gateway.client("admin")
    reply = await admin.get(f"/v1.0/images/{image['id']}/copies")
    assert reply.status == 200 and reply.body["copies"] == []


async def test_a_create_that_cannot_wait_says_how_far_the_copy_got(
    gateway: Gateway, demo: Client
) -> None:
    gateway.conf.set_override("image_copy_wait", 0.0, "central")
    image = await upload(demo, "mine")
    reply = await boot(demo, image["id"], "az2")
    assert reply.status == 409, reply.body
    message = reply.body["conflictingRequest"]["message"]
    assert f"Image {image['id']} is being copied to availability zone az2" in message
    assert f"of {len(DATA)} bytes" in message

    async def copied() -> bool:
        return any(
            (c := copy_in(gateway, pod, image["id"])) is not None and c.status == "active"
            for pod in ("pod2", "pod3")
        )

    await eventually(copied)  # the copy went on after the create gave up
    gateway.conf.set_override("image_copy_wait", 30.0, "central")
    assert (await boot(demo, image["id"], "az2")).status == 202

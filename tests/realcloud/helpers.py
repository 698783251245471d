"""Small steps the scenarios share: unique names, waiting for states, base objects."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from tests.realcloud.targets import Client

BASE_FLAVOR = "contract-tiny"
BASE_IMAGE = "contract-base"


def unique(kind: str) -> str:
    return f"contract-{kind}-{uuid.uuid4().hex[:8]}"


async def wait_status(
    client: Client,
    service: str,
    path: str,
    key: str,
    final: str,
    via: set[str],
    timeout: float = 120,
) -> dict[str, Any]:
    """Polls GET path until body[key]["status"] is `final`; every status seen on the way
    must be in `via` (the state transition the contract allows).  Returns body[key]."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        reply = await client.call(service, "GET", path)
        assert reply.status == 200, reply
        status = reply.body[key]["status"] if key else reply.body["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
        # a server has settled when no task is left (e.g. a reboot: REBOOT, then ACTIVE)
        if status == final and not reply.body.get(key or "", {}).get("OS-EXT-STS:task_state"):
            break
        assert status in via, (
            f"{path}: status {status} outside {sorted(via)} on the way to {final} ({seen})"
        )
        assert time.monotonic() < deadline, f"{path}: still {status} after {timeout} s ({seen})"
        await asyncio.sleep(0.3)
    return reply.body[key] if key else reply.body


async def wait_gone(client: Client, service: str, path: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while (await client.call(service, "GET", path)).status != 404:
        assert time.monotonic() < deadline, f"{path} still there after {timeout} s"
        await asyncio.sleep(0.3)


async def base_flavor(admin: Client) -> str:
    """The id of a tiny public flavor, created once per target."""
    reply = await admin.call("compute", "GET", "/flavors/detail?is_public=None")
    for flavor in reply.body["flavors"]:
        if flavor["name"] == BASE_FLAVOR:
            return flavor["id"]
    body = {"flavor": {"name": BASE_FLAVOR, "ram": 64, "vcpus": 1, "disk": 1}}
    reply = await admin.call("compute", "POST", "/flavors", body)
    assert reply.status == 200, reply
    return reply.body["flavor"]["id"]


async def base_image(admin: Client, image_id: str | None = None) -> str:
    """The id of a small public active image, created once per target (with `image_id`
    as its id, if given)."""
    reply = await admin.call("image", "GET", f"/v2/images?name={BASE_IMAGE}")
    for image in reply.body["images"]:
        if image["status"] == "active":
            return image["id"]
    body = {
        "name": BASE_IMAGE,
        "disk_format": "raw",
        "container_format": "bare",
        "visibility": "public",
        **({"id": image_id} if image_id else {}),
    }
    return await uploaded_image(admin, body)


async def uploaded_image(admin: Client, body: dict[str, Any]) -> str:
    """The id of a new image made of `body` with 1 KiB of data, once it is active."""
    reply = await admin.call("image", "POST", "/v2/images", body)
    assert reply.status == 201, reply
    image_id = reply.body["id"]
    reply = await admin.call(
        "image",
        "PUT",
        f"/v2/images/{image_id}/file",
        data=b"\0" * 1024,
        headers={"Content-Type": "application/octet-stream"},
    )
    assert reply.status == 204, reply
    await wait_status(admin, "image", f"/v2/images/{image_id}", "", "active", {"queued", "saving"})
    return image_id

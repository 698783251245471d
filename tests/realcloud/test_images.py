"""Image contract: create, upload, show, list, delete and errors, as Glance answers them."""

from __future__ import annotations

import uuid

from tests.realcloud.contract import Contract
from tests.realcloud.helpers import unique, wait_status
from tests.realcloud.targets import Client, Target

SIM_GAPS: dict[str, str] = {
    "test_image_lifecycle": "sim image view has no `stores`; virtual_size stays null after upload",
    "test_image_errors": "sim accepts an unknown disk_format (Glance: 400)",
}
OCTETS = {"Content-Type": "application/octet-stream"}


async def test_image_lifecycle(target: Target, demo: Client, contract: Contract) -> None:
    """queued -> (saving) -> active, then deleted."""
    name = unique("image")
    body = {"name": name, "disk_format": "raw", "container_format": "bare"}
    reply = contract.step("create", await demo.call("image", "POST", "/v2/images", body))
    assert reply.status == 201, reply
    assert reply.body["status"] == "queued"
    path = f"/v2/images/{reply.body['id']}"
    try:
        contract.step("show queued", await demo.call("image", "GET", path))
        reply = contract.step(
            "upload",
            await demo.call("image", "PUT", path + "/file", data=b"x" * 4096, headers=OCTETS),
        )
        assert reply.status == 204, reply
        await wait_status(demo, "image", path, "", "active", {"queued", "saving"})
        contract.step("show active", await demo.call("image", "GET", path))
        contract.step("list by name", await demo.call("image", "GET", f"/v2/images?name={name}"))
        reply = await demo.call("image", "PUT", path + "/file", data=b"y", headers=OCTETS)
        contract.step("upload again", reply)
        assert reply.status == 409, reply
        reply = await demo.call("image", "GET", path + "/file")
        assert reply.status == 200 and reply.body == "x" * 4096
    finally:
        reply = contract.step("delete", await demo.call("image", "DELETE", path))
    assert reply.status == 204, reply
    contract.step("show deleted", await demo.call("image", "GET", path))
    contract.verify(target.name)


async def test_image_errors(target: Target, demo: Client, contract: Contract) -> None:
    missing = f"/v2/images/{uuid.uuid4()}"
    bad = {"name": "x", "disk_format": "no-such-format", "container_format": "bare"}
    want = {
        "show unknown": (404, await demo.call("image", "GET", missing)),
        "delete unknown": (404, await demo.call("image", "DELETE", missing)),
        "upload to unknown": (
            404,
            await demo.call("image", "PUT", missing + "/file", data=b"x", headers=OCTETS),
        ),
        "create with bad disk_format": (400, await demo.call("image", "POST", "/v2/images", bad)),
        "create with a reserved key": (
            403,
            await demo.call("image", "POST", "/v2/images", {"name": "x", "status": "active"}),
        ),
    }
    for step, (_, reply) in want.items():
        contract.step(step, reply)
    contract.verify(target.name)
    for step, (status, reply) in want.items():
        assert reply.status == status, (step, reply)

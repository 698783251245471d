"""Volume contract: create, show, list, delete and errors, as Cinder answers them."""

from __future__ import annotations

import uuid

from tests.realcloud.contract import Contract
from tests.realcloud.helpers import unique, wait_gone, wait_status
from tests.realcloud.targets import Client, Target

SIM_GAPS: dict[str, str] = {}
VOLUME_MAPS = ("volume.metadata",)


async def test_volume_lifecycle(target: Target, demo: Client, contract: Contract) -> None:
    """creating -> available, then deleting -> gone."""
    name = unique("volume")
    reply = await demo.call(
        "volumev3",
        "POST",
        "/volumes",
        {"volume": {"size": 1, "name": name, "availability_zone": "az1"}},
    )
    contract.step("create", reply, VOLUME_MAPS)
    assert reply.status == 202, reply
    path = f"/volumes/{reply.body['volume']['id']}"
    try:
        volume = await wait_status(demo, "volumev3", path, "volume", "available", {"creating"})
        assert volume["availability_zone"] == "az1"
        contract.step("show", await demo.call("volumev3", "GET", path), VOLUME_MAPS)
        reply = await demo.call("volumev3", "GET", f"/volumes/detail?name={name}")
        contract.step("list detail", reply, ("volumes[].metadata",))
        contract.step("list", await demo.call("volumev3", "GET", f"/volumes?name={name}"))
    finally:
        reply = contract.step("delete", await demo.call("volumev3", "DELETE", path))
    assert reply.status == 202, reply
    await wait_gone(demo, "volumev3", path)
    contract.step("show deleted", await demo.call("volumev3", "GET", path))
    contract.verify(target.name)


async def test_volume_errors(target: Target, demo: Client, contract: Contract) -> None:
    missing = f"/volumes/{uuid.uuid4()}"
    want = {
        "show unknown": (404, await demo.call("volumev3", "GET", missing)),
        "delete unknown": (404, await demo.call("volumev3", "DELETE", missing)),
        "create with size 0": (
            400,
            await demo.call("volumev3", "POST", "/volumes", {"volume": {"size": 0}}),
        ),
        "create without body": (400, await demo.call("volumev3", "POST", "/volumes", {})),
    }
    for step, (_, reply) in want.items():
        contract.step(step, reply)
    contract.verify(target.name)
    for step, (status, reply) in want.items():
        assert reply.status == status, (step, reply)

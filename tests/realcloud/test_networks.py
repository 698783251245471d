"""Network contract: network, subnet and port CRUD and errors, as Neutron answers them."""

from __future__ import annotations

import uuid

from tests.realcloud.contract import Contract
from tests.realcloud.helpers import unique
from tests.realcloud.targets import Client, Target

SIM_GAPS: dict[str, str] = {
    "test_network_subnet_port": "sim deletes a network that still has ports (Neutron: 409)",
    "test_network_errors": "sim accepts an unknown attribute in a network body (Neutron: 400)",
}


async def test_network_subnet_port(target: Target, demo: Client, contract: Contract) -> None:
    name = unique("net")
    reply = await demo.call("network", "POST", "/v2.0/networks", {"network": {"name": name}})
    contract.step("create network", reply)
    assert reply.status == 201, reply
    net = reply.body["network"]["id"]
    subnet = {"network_id": net, "cidr": "192.0.2.0/24", "ip_version": 4, "name": name}
    reply = contract.step(
        "create subnet", await demo.call("network", "POST", "/v2.0/subnets", {"subnet": subnet})
    )
    assert reply.status == 201, reply
    sub = reply.body["subnet"]["id"]
    reply = await demo.call("network", "POST", "/v2.0/ports", {"port": {"network_id": net}})
    contract.step("create port", reply)
    assert reply.status == 201, reply
    assert reply.body["port"]["status"] == "DOWN"  # nothing plugged it
    port = reply.body["port"]["id"]
    contract.step("show network", await demo.call("network", "GET", f"/v2.0/networks/{net}"))
    contract.step("list networks", await demo.call("network", "GET", f"/v2.0/networks?name={name}"))
    contract.step("show subnet", await demo.call("network", "GET", f"/v2.0/subnets/{sub}"))
    contract.step("show port", await demo.call("network", "GET", f"/v2.0/ports/{port}"))
    reply = contract.step(
        "delete network in use", await demo.call("network", "DELETE", f"/v2.0/networks/{net}")
    )
    assert reply.status == 409, reply
    for kind, rid in (("ports", port), ("subnets", sub), ("networks", net)):
        reply = contract.step(
            f"delete {kind}", await demo.call("network", "DELETE", f"/v2.0/{kind}/{rid}")
        )
        assert reply.status == 204, reply
    contract.step("show deleted", await demo.call("network", "GET", f"/v2.0/networks/{net}"))
    contract.verify(target.name)


async def test_network_errors(target: Target, demo: Client, contract: Contract) -> None:
    missing = str(uuid.uuid4())
    bad_subnet = {"subnet": {"network_id": missing, "cidr": "192.0.2.0/24", "ip_version": 4}}
    want = {
        "show unknown": (404, await demo.call("network", "GET", f"/v2.0/networks/{missing}")),
        "delete unknown": (404, await demo.call("network", "DELETE", f"/v2.0/networks/{missing}")),
        "subnet on unknown network": (
            404,
            await demo.call("network", "POST", "/v2.0/subnets", bad_subnet),
        ),
        "unknown attribute": (
            400,
            await demo.call("network", "POST", "/v2.0/networks", {"network": {"bogus": 1}}),
        ),
    }
    for step, (_, reply) in want.items():
        contract.step(step, reply)
    contract.verify(target.name)
    for step, (status, reply) in want.items():
        assert reply.status == status, (step, reply)

"""Compute contract: servers, flavors, keypairs and errors, as Nova answers them."""

from __future__ import annotations

import uuid

from tests.realcloud.contract import Contract
from tests.realcloud.helpers import base_flavor, base_image, unique, wait_gone, wait_status
from tests.realcloud.targets import Client, Reply, Target

# scenarios the simulator does not pass yet: {scenario: reason} (strict xfail on `sim`)
SIM_GAPS: dict[str, str] = {
    "test_server_errors": "sim accepts an unknown key in the server create body (Nova: 400)",
}

SERVER_MAPS = ("server.addresses", "server.metadata", "server.flavor.extra_specs")
LIST_MAPS = ("servers[].addresses", "servers[].metadata", "servers[].flavor.extra_specs")
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgBNuN5SsYc8Tm6NRREFE6XRVxUVzVq1FHlee6jdWUg contract"
)


async def action(client: Client, server_id: str, body: dict) -> Reply:
    return await client.call("compute", "POST", f"/servers/{server_id}/action", body)


async def test_server_lifecycle(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """One boot: BUILD -> ACTIVE, stop -> SHUTOFF, start -> ACTIVE, reboot, delete."""
    flavor, image = await base_flavor(admin), await base_image(admin)
    name = unique("vm")
    # the AZ is named: behind the gateway, a server without one may land in either pod
    server = {"name": name, "flavorRef": flavor, "imageRef": image, "networks": "none"}
    body = {"server": {**server, "availability_zone": "az1"}}
    reply = contract.step("create", await demo.call("compute", "POST", "/servers", body))
    assert reply.status == 202, reply
    sid = reply.body["server"]["id"]
    path = f"/servers/{sid}"
    try:
        server = await wait_status(demo, "compute", path, "server", "ACTIVE", {"BUILD"})
        assert server["OS-EXT-AZ:availability_zone"] == "az1"
        contract.step("show", await demo.call("compute", "GET", path), SERVER_MAPS)
        contract.step(
            "list detail",
            await demo.call("compute", "GET", f"/servers/detail?name={name}"),
            LIST_MAPS,
        )
        contract.step("list", await demo.call("compute", "GET", f"/servers?name={name}"))

        reply = contract.step("start while ACTIVE", await action(demo, sid, {"os-start": None}))
        assert reply.status == 409, reply
        reply = contract.step("stop", await action(demo, sid, {"os-stop": None}))
        assert reply.status == 202, reply
        await wait_status(demo, "compute", path, "server", "SHUTOFF", {"ACTIVE"})
        reply = contract.step("start", await action(demo, sid, {"os-start": None}))
        assert reply.status == 202, reply
        await wait_status(demo, "compute", path, "server", "ACTIVE", {"SHUTOFF"})
        reply = contract.step("reboot", await action(demo, sid, {"reboot": {"type": "SOFT"}}))
        assert reply.status == 202, reply
        await wait_status(demo, "compute", path, "server", "ACTIVE", {"REBOOT", "ACTIVE"})
        contract.step("show after actions", await demo.call("compute", "GET", path), SERVER_MAPS)
    finally:
        reply = contract.step("delete", await demo.call("compute", "DELETE", path))
    assert reply.status == 204, reply
    await wait_gone(demo, "compute", path)
    contract.step("show deleted", await demo.call("compute", "GET", path))
    contract.verify(target.name)


async def test_server_errors(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """Unknown ids, bad bodies and microversions out of range, without booting."""
    image = await base_image(admin)
    flavor = await base_flavor(admin)
    missing = str(uuid.uuid4())
    want = {
        "show unknown": (404, await demo.call("compute", "GET", f"/servers/{missing}")),
        "delete unknown": (404, await demo.call("compute", "DELETE", f"/servers/{missing}")),
        "action on unknown": (404, await action(demo, missing, {"os-stop": None})),
        "create without flavorRef": (
            400,
            await demo.call(
                "compute", "POST", "/servers", {"server": {"name": "x", "imageRef": image}}
            ),
        ),
        "create with unknown flavor": (
            400,
            await demo.call(
                "compute",
                "POST",
                "/servers",
                {
                    "server": {
                        "name": "x",
                        "flavorRef": "no-such-flavor",
                        "imageRef": image,
                        "networks": "none",
                    }
                },
            ),
        ),
        "create with unknown image": (
            400,
            await demo.call(
                "compute",
                "POST",
                "/servers",
                {
                    "server": {
                        "name": "x",
                        "flavorRef": flavor,
                        "imageRef": missing,
                        "networks": "none",
                    }
                },
            ),
        ),
        "create with bad JSON": (
            400,
            await demo.call(
                "compute",
                "POST",
                "/servers",
                data="{",
                headers={"Content-Type": "application/json"},
            ),
        ),
        "create with unknown key": (
            400,
            await demo.call(
                "compute",
                "POST",
                "/servers",
                {
                    "server": {
                        "name": "x",
                        "flavorRef": flavor,
                        "imageRef": image,
                        "networks": "none",
                        "bogus": 1,
                    }
                },
            ),
        ),
        "microversion too high": (406, await demo.call("compute", "GET", "/servers", mv="99.0")),
        "microversion malformed": (400, await demo.call("compute", "GET", "/servers", mv="2.x")),
        "show unknown flavor": (404, await demo.call("compute", "GET", "/flavors/no-such-flavor")),
    }
    for step, (_, reply) in want.items():
        contract.step(step, reply)
    contract.verify(target.name)
    for step, (status, reply) in want.items():
        assert reply.status == status, (step, reply)


async def test_flavors(target: Target, admin: Client, demo: Client, contract: Contract) -> None:
    name = unique("flavor")
    body = {"flavor": {"name": name, "ram": 128, "vcpus": 1, "disk": 1, "description": "contract"}}
    reply = contract.step("create", await admin.call("compute", "POST", "/flavors", body))
    assert reply.status == 200, reply
    fid = reply.body["flavor"]["id"]
    try:
        contract.step(
            "show", await admin.call("compute", "GET", f"/flavors/{fid}"), ("flavor.extra_specs",)
        )
        listed = await demo.call("compute", "GET", "/flavors/detail")
        own = [f for f in listed.body["flavors"] if f["id"] == fid]
        contract.step(
            "list detail (own item)",
            Reply(listed.status, {}, {"flavors": own}),
            ("flavors[].extra_specs",),
        )
        specs = {"extra_specs": {"hw:cpu_policy": "shared"}}
        reply = await admin.call("compute", "POST", f"/flavors/{fid}/os-extra_specs", specs)
        contract.step("set extra specs", reply, ("extra_specs",))
        contract.step(
            "get extra specs",
            await admin.call("compute", "GET", f"/flavors/{fid}/os-extra_specs"),
            ("extra_specs",),
        )
        reply = contract.step(
            "create as member", await demo.call("compute", "POST", "/flavors", body)
        )
        assert reply.status == 403, reply
        reply = contract.step(
            "create duplicate", await admin.call("compute", "POST", "/flavors", body)
        )
        assert reply.status == 409, reply
    finally:
        reply = contract.step("delete", await admin.call("compute", "DELETE", f"/flavors/{fid}"))
    assert reply.status == 202, reply
    contract.step("show deleted", await admin.call("compute", "GET", f"/flavors/{fid}"))
    contract.verify(target.name)


async def test_flavor_parameter_types(target: Target, admin: Client, contract: Contract) -> None:
    """Nova's parameter types: an integer id kept as a string, "False" as a boolean."""
    number = uuid.uuid4().int % 10**9 + 10**9  # an id no other run takes
    body = {
        "flavor": {
            "name": unique("flavor"),
            "id": number,
            "ram": 128,
            "vcpus": 1,
            "disk": 1,
            "os-flavor-access:is_public": "False",
        }
    }
    reply = contract.step("create", await admin.call("compute", "POST", "/flavors", body))
    assert reply.status == 200, reply
    try:
        assert reply.body["flavor"]["id"] == str(number)
        assert reply.body["flavor"]["os-flavor-access:is_public"] is False
        shown = await admin.call("compute", "GET", f"/flavors/{number}")
        contract.step("show", shown, ("flavor.extra_specs",))
        body["flavor"]["id"] = "x y "
        reply = contract.step(
            "create with a bad id", await admin.call("compute", "POST", "/flavors", body)
        )
        assert reply.status == 400, reply
    finally:
        reply = await admin.call("compute", "DELETE", f"/flavors/{number}")
    assert reply.status == 202, reply
    contract.verify(target.name)


async def test_keypairs(target: Target, demo: Client, contract: Contract) -> None:
    name = unique("key")
    body = {"keypair": {"name": name, "public_key": PUBLIC_KEY}}
    reply = contract.step("import", await demo.call("compute", "POST", "/os-keypairs", body))
    assert reply.status == 201, reply
    try:
        contract.step("show", await demo.call("compute", "GET", f"/os-keypairs/{name}"))
        listed = await demo.call("compute", "GET", "/os-keypairs")
        own = [k for k in listed.body["keypairs"] if k["keypair"]["name"] == name]
        contract.step("list (own item)", Reply(listed.status, {}, {"keypairs": own}))
        reply = contract.step(
            "import duplicate", await demo.call("compute", "POST", "/os-keypairs", body)
        )
        assert reply.status == 409, reply
        reply = await demo.call(
            "compute", "POST", "/os-keypairs", {"keypair": {"name": unique("key")}}
        )
        contract.step("create without public_key", reply)
        assert reply.status == 400, reply
    finally:
        reply = contract.step(
            "delete", await demo.call("compute", "DELETE", f"/os-keypairs/{name}")
        )
    assert reply.status == 204, reply
    contract.step("show deleted", await demo.call("compute", "GET", f"/os-keypairs/{name}"))
    contract.verify(target.name)

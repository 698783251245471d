"""Compute contract: servers, flavors, keypairs and errors, as Nova answers them."""

from __future__ import annotations

import asyncio
import datetime
import time
import uuid
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from tests.realcloud.contract import Contract
from tests.realcloud.helpers import (
    base_flavor,
    base_image,
    unique,
    uploaded_image,
    wait_gone,
    wait_status,
)
from tests.realcloud.targets import COMPUTE_MV, Client, Reply, Target

# scenarios the simulator does not pass yet: {scenario: reason} (strict xfail on `sim`)
SIM_GAPS: dict[str, str] = {
    "test_server_errors": "sim accepts an unknown key in the server create body (Nova: 400)",
}

SERVER_MAPS = ("server.addresses", "server.metadata", "server.flavor.extra_specs")
LIST_MAPS = ("servers[].addresses", "servers[].metadata", "servers[].flavor.extra_specs")
PUBLIC_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIBgBNuN5SsYc8Tm6NRREFE6XRVxUVzVq1FHlee6jdWUg contract"
)


def _usages_of(body: Any) -> list[dict[str, Any]]:
    return (body or {}).get("tenant_usage", {}).get("server_usages", [])


async def settled(
    client: Client, path: str, ready: Callable[[Any], bool], timeout: float = 30
) -> Reply:
    """GET `path` until its body is `ready` (what a pod records a moment later)."""
    deadline = time.monotonic() + timeout
    while True:
        reply = await client.call("compute", "GET", path)
        if reply.status != 200 or ready(reply.body) or time.monotonic() > deadline:
            return reply
        await asyncio.sleep(0.5)


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


async def test_hypervisors(target: Target, admin: Client, demo: Client, contract: Contract) -> None:
    """Every pod's hypervisors, integer ids below 2.53 and uuids from it; admins only."""
    for mv in ("2.52", COMPUTE_MV):
        listed = contract.step(
            f"list at {mv}", await admin.call("compute", "GET", "/os-hypervisors", mv=mv)
        )
        assert listed.status == 200, listed
        first = listed.body["hypervisors"][0]
        path = f"/os-hypervisors/{first['id']}"
        shown = contract.step(f"show at {mv}", await admin.call("compute", "GET", path, mv=mv))
        assert shown.body["hypervisor"]["hypervisor_hostname"] == first["hypervisor_hostname"]
        contract.step(
            f"detail at {mv}", await admin.call("compute", "GET", "/os-hypervisors/detail", mv=mv)
        )
        contract.step(
            f"statistics at {mv}",
            await admin.call("compute", "GET", "/os-hypervisors/statistics", mv=mv),
        )
    search = f"/os-hypervisors/{first['hypervisor_hostname']}/search"
    contract.step("search at 2.52", await admin.call("compute", "GET", search, mv="2.52"))
    unknown = "/os-hypervisors/999999999"
    reply = contract.step("show unknown", await admin.call("compute", "GET", unknown, mv="2.52"))
    assert reply.status == 404, reply
    reply = contract.step("list as member", await demo.call("compute", "GET", "/os-hypervisors"))
    assert reply.status == 403, reply
    contract.verify(target.name)


async def test_server_groups(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """A group at 2.1 and 2.64, a member booted into it, its usage, actions and views."""
    flavor, image = await base_flavor(admin), await base_image(admin)
    old = {"server_group": {"name": unique("group"), "policies": ["anti-affinity"]}}
    reply = contract.step(
        "create at 2.1", await demo.call("compute", "POST", "/os-server-groups", old, mv="2.1")
    )
    assert reply.status == 200, reply
    old_id = reply.body["server_group"]["id"]
    new = {"server_group": {"name": unique("group"), "policy": "affinity"}}
    reply = contract.step("create", await demo.call("compute", "POST", "/os-server-groups", new))
    assert reply.status == 200, reply
    group_id = reply.body["server_group"]["id"]
    groups = f"/os-server-groups/{group_id}"
    server = {"name": unique("vm"), "flavorRef": flavor, "imageRef": image, "networks": "none"}
    body = {"server": {**server, "availability_zone": "az1"}}
    try:
        bad = {
            "two policies": {"name": "x", "policies": ["affinity", "anti-affinity"]},
            "rules on affinity": {
                "name": "x", "policy": "affinity", "rules": {"max_server_per_host": 2},
            },
        }  # fmt: skip
        for step, wrong in bad.items():
            mv = "2.1" if "policies" in wrong else COMPUTE_MV
            sent = {"server_group": wrong}
            reply = await demo.call("compute", "POST", "/os-server-groups", sent, mv=mv)
            assert contract.step(step, reply).status == 400, reply
        hint = {"group": str(uuid.uuid4())}
        reply = await demo.call("compute", "POST", "/servers", {**body, "os:scheduler_hints": hint})
        assert contract.step("boot into an unknown group", reply).status == 400, reply
        hinted = {**body, "os:scheduler_hints": {"group": group_id}}
        reply = contract.step(
            "boot into it", await demo.call("compute", "POST", "/servers", hinted)
        )
        assert reply.status == 202, reply
        sid = reply.body["server"]["id"]
        path = f"/servers/{sid}"
        await wait_status(demo, "compute", path, "server", "ACTIVE", {"BUILD"})
        shown = contract.step("show member", await demo.call("compute", "GET", path), SERVER_MAPS)
        assert shown.body["server"]["server_groups"] == [group_id]
        json_type = {"Content-Type": "application/json"}  # without it Nova answers 415
        tagged = await demo.call("compute", "PUT", f"{path}/tags/blue", headers=json_type)
        assert contract.step("tag", tagged).status == 201, tagged
        contract.step("tags", await demo.call("compute", "GET", f"{path}/tags"))
        password = f"{path}/os-server-password"
        contract.step("password", await demo.call("compute", "GET", password))
        console = {"remote_console": {"protocol": "vnc", "type": "novnc"}}
        reply = await demo.call("compute", "POST", f"{path}/remote-consoles", console)
        assert contract.step("remote console (no proxy in the pod)", reply).status == 400, reply
        reply = contract.step("show group", await demo.call("compute", "GET", groups))
        assert reply.body["server_group"]["members"] == [sid]
        listed = await demo.call("compute", "GET", "/os-server-groups?limit=1000")
        own = [g for g in listed.body["server_groups"] if g["id"] in (group_id, old_id)]
        contract.step("list (own items)", Reply(listed.status, {}, {"server_groups": own}))
        contract.step("show group at 2.1", await demo.call("compute", "GET", groups, mv="2.1"))
        project = shown.body["server"]["tenant_id"]
        usage = f"/os-simple-tenant-usage/{project}?start=2020-01-01T00:00:00"
        reply = await settled(
            demo, usage, lambda b: any(u["instance_id"] == sid for u in _usages_of(b))
        )
        summary = reply.body["tenant_usage"]
        own = [u for u in summary["server_usages"] if u["instance_id"] == sid]
        assert len(own) == 1, summary
        contract.step(
            "usage of the project (own server)",
            Reply(reply.status, {}, {"tenant_usage": {**summary, "server_usages": own}}),
        )
        actions = f"{path}/os-instance-actions"
        listed = contract.step("instance actions", await demo.call("compute", "GET", actions))
        (created,) = listed.body["instanceActions"]
        one = f"{actions}/{created['request_id']}"
        # its event finishes a moment after the server is ACTIVE
        finished = await settled(
            admin, one, lambda b: all(e["finish_time"] for e in b["instanceAction"]["events"])
        )
        contract.step("instance action", finished)
        reply = contract.step("delete member", await demo.call("compute", "DELETE", path))
        assert reply.status == 204, reply
        await wait_gone(demo, "compute", path)
    finally:
        reply = contract.step("delete", await demo.call("compute", "DELETE", groups))
        await demo.call("compute", "DELETE", f"/os-server-groups/{old_id}")
    assert reply.status == 204, reply
    contract.step("show deleted", await demo.call("compute", "GET", groups))
    contract.verify(target.name)


async def test_unserved_and_admin_lists(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """Usage, migrations and console tokens as admins and members see them; an unknown
    path, a known one with a method Nova has no route for, and a removed API."""
    past = "start=2020-01-01T00:00:00&end=2020-01-02T00:00:00"
    backwards = "start=2021-01-01T00:00:00&end=2020-01-01T00:00:00"
    calls = {
        "usage of all": (200, admin, "GET", f"/os-simple-tenant-usage?{past}"),
        "usage of all as member": (403, demo, "GET", f"/os-simple-tenant-usage?{past}"),
        "usage with an unknown marker": (
            400, admin, "GET", f"/os-simple-tenant-usage?{past}&marker=nope",
        ),
        "usage with the end first": (
            400, admin, "GET", f"/os-simple-tenant-usage?{backwards}",
        ),
        "migrations": (200, admin, "GET", "/os-migrations?migration_type=live-migration"),
        "migrations as member": (403, demo, "GET", "/os-migrations"),
        "migrations with an unknown marker": (400, admin, "GET", "/os-migrations?marker=nope"),
        "console token unknown": (404, admin, "GET", "/os-console-auth-tokens/nope"),
        "unknown path": (404, demo, "GET", "/os-no-such-api"),
        "method without a route": (404, demo, "PATCH", "/flavors"),
        "removed API": (410, demo, "GET", "/os-cells"),
    }  # fmt: skip
    for step, (status, client, method, path) in calls.items():
        reply = contract.step(step, await client.call("compute", method, path))
        assert reply.status == status, (step, reply)
    contract.verify(target.name)


async def test_image_properties_reach_the_boot(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """An image whose min_ram (set through the image API) the flavor does not meet."""
    flavor = await base_flavor(admin)
    body = {
        "name": unique("image"),
        "disk_format": "raw",
        "container_format": "bare",
        "visibility": "public",
        "min_ram": 4096,
    }
    image = await uploaded_image(admin, body)
    try:
        server = {"name": unique("vm"), "flavorRef": flavor, "imageRef": image, "networks": "none"}
        boot = {"server": {**server, "availability_zone": "az1"}}
        reply = contract.step(
            "boot too small", await demo.call("compute", "POST", "/servers", boot)
        )
        assert reply.status == 400, reply
        assert "memory is too small" in reply.body["badRequest"]["message"]
    finally:
        await admin.call("image", "DELETE", f"/v2/images/{image}")
    contract.verify(target.name)


async def test_aggregates(target: Target, admin: Client, demo: Client, contract: Contract) -> None:
    """An aggregate in the AZ's pod: show, rename, metadata, a host it cannot have."""
    body = {"aggregate": {"name": unique("aggregate"), "availability_zone": "az1"}}
    reply = contract.step("create", await admin.call("compute", "POST", "/os-aggregates", body))
    assert reply.status == 200, reply
    path = f"/os-aggregates/{reply.body['aggregate']['id']}"
    try:
        contract.step("show", await admin.call("compute", "GET", path), ("aggregate.metadata",))
        renamed = {"aggregate": {"name": unique("aggregate")}}
        reply = await admin.call("compute", "PUT", path, renamed)
        contract.step("rename", reply, ("aggregate.metadata",))
        assert reply.body["aggregate"]["name"] == renamed["aggregate"]["name"]
        meta = {"set_metadata": {"metadata": {"ssd": "true"}}}
        reply = await admin.call("compute", "POST", f"{path}/action", meta)
        contract.step("set metadata", reply, ("aggregate.metadata",))
        assert reply.body["aggregate"]["metadata"]["ssd"] == "true"
        listed = await admin.call("compute", "GET", "/os-aggregates")
        own = [a for a in listed.body["aggregates"] if f"/os-aggregates/{a['id']}" == path]
        contract.step(
            "list (own item)",
            Reply(listed.status, {}, {"aggregates": own}),
            ("aggregates[].metadata",),
        )
        unknown = {"add_host": {"host": "no-such-host"}}
        reply = await admin.call("compute", "POST", f"{path}/action", unknown)
        assert contract.step("add an unknown host", reply).status == 404, reply
        reply = contract.step("list as member", await demo.call("compute", "GET", "/os-aggregates"))
        assert reply.status == 403, reply
    finally:
        reply = contract.step("delete", await admin.call("compute", "DELETE", path))
    assert reply.status == 200, reply
    contract.step("show deleted", await admin.call("compute", "GET", path))
    contract.verify(target.name)


def _certificate() -> tuple[str, str]:
    """A self-signed certificate (PEM) and its SHA-1 fingerprint as Nova writes it."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "contract")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    digest = certificate.fingerprint(hashes.SHA1())
    return (
        certificate.public_bytes(serialization.Encoding.PEM).decode(),
        ":".join(f"{byte:02x}" for byte in digest),
    )


async def test_x509_keypairs(target: Target, demo: Client, contract: Contract) -> None:
    """A certificate imported as an x509 key pair (2.2+): Nova's SHA-1 fingerprint."""
    pem, fingerprint = _certificate()
    name = unique("cert")
    body = {"keypair": {"name": name, "type": "x509", "public_key": pem}}
    reply = contract.step("import", await demo.call("compute", "POST", "/os-keypairs", body))
    assert reply.status == 201, reply
    try:
        assert reply.body["keypair"]["fingerprint"] == fingerprint
        shown = contract.step("show", await demo.call("compute", "GET", f"/os-keypairs/{name}"))
        assert (shown.body["keypair"]["type"], shown.body["keypair"]["fingerprint"]) == (
            "x509",
            fingerprint,
        )
        bad = {"keypair": {"name": unique("cert"), "type": "x509", "public_key": "not a cert"}}
        reply = contract.step(
            "import a bad certificate", await demo.call("compute", "POST", "/os-keypairs", bad)
        )
        assert reply.status == 400, reply
    finally:
        reply = await demo.call("compute", "DELETE", f"/os-keypairs/{name}")
    assert reply.status == 204, reply
    contract.verify(target.name)


async def test_multiple_create(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """Two servers in one create, answered by their reservation: both listed and shown."""
    flavor, image = await base_flavor(admin), await base_image(admin)
    name = unique("multi")
    server = {"name": name, "flavorRef": flavor, "imageRef": image, "networks": "none"}
    many = {**server, "availability_zone": "az1", "min_count": 2, "max_count": 2}
    body = {"server": {**many, "return_reservation_id": True}}
    reply = contract.step("create", await demo.call("compute", "POST", "/servers", body))
    assert reply.status == 202, reply
    listed = await demo.call("compute", "GET", f"/servers?name={name}")
    ids = sorted(s["id"] for s in listed.body["servers"])
    try:
        assert len(ids) == 2, listed
        contract.step("list", listed)
        for index, server_id in enumerate(ids):
            path = f"/servers/{server_id}"
            await wait_status(demo, "compute", path, "server", "ACTIVE", {"BUILD"})
            shown = await demo.call("compute", "GET", path)
            contract.step(f"show {index}", shown, SERVER_MAPS)
            assert shown.body["server"]["name"].startswith(name)
    finally:
        for server_id in ids:
            reply = contract.step(
                "delete", await demo.call("compute", "DELETE", f"/servers/{server_id}")
            )
            assert reply.status == 204, reply
    for server_id in ids:
        await wait_gone(demo, "compute", f"/servers/{server_id}")
    contract.verify(target.name)

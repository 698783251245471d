"""Fuzzing the compute API's request bodies and query strings for flavors, key pairs and
servers: Nova's fields with values of every type and size, valid ones among them. No 5xx,
no traceback, and a rejected create leaves nothing at the top or in any pod."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.gateway.fuzzing import JUNK, WORDS, Bridge, call, run
from tests.gateway.harness import IMAGE_ID, Client, Gateway
from tests.gateway.test_flavors_keypairs import SSH_KEY
from tests.gateway.test_servers import routing_count

FLAVORS = "/compute/v2.1/flavors"
KEYS = "/compute/v2.1/os-keypairs"
SERVERS = "/compute/v2.1/servers"
VERSIONS = st.sampled_from(["2.1", "2.2", "2.10", "2.35", "2.55", "2.61", "2.75", "2.92", "2.96"])
COUNTS = st.one_of(st.integers(-1, 3), st.sampled_from(["1", "0", "x", 2**63]), JUNK)


def _field(good: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """Mostly what Nova takes, often anything at all."""
    return st.one_of(good, good, JUNK)


def _body(key: str, fields: dict[str, st.SearchStrategy[Any]], required: tuple[str, ...]):
    inner = st.fixed_dictionaries(
        {name: _field(fields[name]) for name in required},
        optional={name: _field(s) for name, s in fields.items() if name not in required},
    )
    return st.one_of(st.fixed_dictionaries({key: inner}), inner, JUNK)


NAMES = st.one_of(st.text(min_size=1, max_size=12), st.sampled_from(["vm", " x", "a" * 256]))
FLAVOR_BODIES = _body(
    "flavor",
    {
        "name": NAMES,
        "id": st.one_of(st.none(), NAMES),
        "ram": st.one_of(st.integers(0, 2**32), st.integers(0, 9).map(str)),
        "vcpus": st.integers(0, 2**32),
        "disk": st.integers(-1, 2**63),
        "swap": st.integers(0, 10),
        "OS-FLV-EXT-DATA:ephemeral": st.integers(0, 10),
        "rxtx_factor": st.one_of(st.floats(0, 10), st.sampled_from(["1.5", "abc", "0"])),
        "os-flavor-access:is_public": st.booleans(),
        "description": st.one_of(st.none(), st.text(max_size=20)),
    },
    ("name", "ram", "vcpus", "disk"),
)
KEYPAIR_BODIES = _body(
    "keypair",
    {
        "name": NAMES,
        "public_key": st.sampled_from([SSH_KEY, "ssh-rsa AAAA", "-----BEGIN CERTIFICATE-----"]),
        "type": st.sampled_from(["ssh", "x509", "rsa"]),
        "user_id": st.text(max_size=10),
    },
    ("name",),
)
SERVER_BODIES = _body(
    "server",
    {
        "name": NAMES,
        "flavorRef": st.sampled_from(["1", "2", "nope", "http://x/flavors/1"]),
        "imageRef": st.sampled_from([IMAGE_ID, "cirros", "", "nope"]),
        "networks": st.sampled_from(["none", "auto", [], [{"uuid": "nope"}]]),
        "availability_zone": st.sampled_from(["az1", "az2", "nowhere", "az1:host"]),
        "min_count": COUNTS,
        "max_count": COUNTS,
        "metadata": st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=3),
        "key_name": st.sampled_from(["k", "missing"]),
        "security_groups": st.lists(st.fixed_dictionaries({"name": st.text(max_size=8)})),
        "user_data": st.sampled_from(["aGVsbG8=", "not base64!"]),
        "tags": st.lists(st.text(max_size=8), max_size=3),
        "description": st.text(max_size=20),
        "hostname": st.text(max_size=20),
        "block_device_mapping_v2": st.lists(JUNK, max_size=2),
        "accessIPv4": st.sampled_from(["10.0.0.1", "x"]),
        "config_drive": st.booleans(),
    },
    ("name", "flavorRef"),
)
QUERY_NAMES = (
    *("limit", "marker", "sort_key", "sort_dir", "minRam", "minDisk", "is_public", "user_id"),
    *("all_tenants", "name", "status", "changes-since", "flavor", "image", "deleted"),
)
QUERIES = st.dictionaries(
    st.sampled_from(QUERY_NAMES),
    st.one_of(WORDS, st.sampled_from(["uuid", "display_name", "created_at", "asc", "desc"])),
    max_size=4,
)


def _stored(bridge: Bridge, gateway: Gateway, admin: Client, demo: Client) -> tuple:
    """The top's flavors and demo's key pairs, the server routes, and what the pods hold."""
    flavors = bridge(admin.get(FLAVORS, params={"is_public": "none"})).body
    keypairs = bridge(demo.get(KEYS)).body
    in_pods = sorted(len(pod.servers) for pod in gateway.sim.pods.values())
    return flavors, keypairs, bridge(routing_count(gateway)), in_pods


def _creates(path: str, client_of: dict[str, Client], gateway: Gateway):
    """A check: the create answers sanely, and when it refuses it stores nothing."""

    def check(bridge: Bridge, drawn: tuple) -> None:
        who, version, body = drawn
        client, headers = client_of[who], {"OpenStack-API-Version": f"compute {version}"}
        before = _stored(bridge, gateway, client_of["admin"], client_of["demo"])
        reply = call(bridge, client, "POST", path, json=body, headers=headers)
        if reply.status >= 400:
            assert _stored(bridge, gateway, client_of["admin"], client_of["demo"]) == before

    return check


async def _clients(gateway: Gateway, admin: Client, demo: Client) -> dict[str, Client]:
    assert (await demo.post(KEYS, {"keypair": {"name": "k", "public_key": SSH_KEY}})).status == 200
    return {"admin": admin, "demo": demo}


async def test_flavor_bodies(gateway, admin, demo) -> None:
    clients = await _clients(gateway, admin, demo)
    drawn = st.tuples(st.just("admin"), VERSIONS, FLAVOR_BODIES)
    await run(drawn, _creates(FLAVORS, clients, gateway), examples=120)


async def test_keypair_bodies(gateway, admin, demo) -> None:
    clients = await _clients(gateway, admin, demo)
    drawn = st.tuples(st.just("demo"), VERSIONS, KEYPAIR_BODIES)
    await run(drawn, _creates(KEYS, clients, gateway), examples=120)


async def test_server_bodies(gateway, admin, demo) -> None:
    clients = await _clients(gateway, admin, demo)
    drawn = st.tuples(st.sampled_from(["demo", "admin"]), VERSIONS, SERVER_BODIES)
    await run(drawn, _creates(SERVERS, clients, gateway), examples=120)


async def test_query_strings(gateway, admin, demo) -> None:
    clients = await _clients(gateway, admin, demo)
    for name in ("a", "b"):
        server = {"name": name, "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"}
        assert (await demo.post(SERVERS, {"server": server})).status == 202
    paths = [f"{SERVERS}/detail", SERVERS, f"{FLAVORS}/detail", FLAVORS, KEYS]

    def check(bridge: Bridge, drawn: tuple) -> None:
        who, version, path, query = drawn
        headers = {"OpenStack-API-Version": f"compute {version}"}
        call(bridge, clients[who], "GET", path, params=query, headers=headers)

    drawn = st.tuples(st.sampled_from(["demo", "admin"]), VERSIONS, st.sampled_from(paths), QUERIES)
    await run(drawn, check, examples=200)

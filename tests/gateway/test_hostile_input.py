"""Junk a client can send answers the service's 400 (or 404), never a 500; nothing is stored."""

from __future__ import annotations

import gzip
import zlib

import aiohttp
import pytest

from tests.gateway.test_flavors_keypairs import FLAVORS, KEYS
from tests.gateway.test_servers import SERVERS, boot, routing_count
from tricircle.admin.routings import MAX_ID

JSON = {"Content-Type": "application/json"}
TOO_DEEP = b'{"server": ' + b"[" * 1000 + b"]" * 1000 + b"}"
BAD_UTF8 = b'{"server": {"name": "\xff\xfe"}}'
# a PEM certificate is no ssh key
CERTIFICATE = (
    "-----BEGIN CERTIFICATE-----\n"
    "MIIBAzCBq6ADAgECAgEBMAoGCCqGSM49BAMCMAwxCjAIBgNVBAMMAXQwHhcNMjYx\n"
    "-----END CERTIFICATE-----\n"
)


def json_bodies(server_id: str) -> list[tuple[str, str]]:
    return [
        ("POST", SERVERS),
        ("POST", KEYS),
        ("POST", FLAVORS),
        ("POST", f"{FLAVORS}/1/os-extra_specs"),
        ("POST", f"{SERVERS}/{server_id}/action"),
        ("POST", "/v1.0/pods"),
        ("POST", "/v1.0/bindings"),
    ]


@pytest.mark.parametrize("raw", [TOO_DEEP, BAD_UTF8], ids=["nested 1000 deep", "not utf-8"])
async def test_unreadable_json_is_400_on_every_body(gateway, admin, raw) -> None:
    server = await admin.post(SERVERS, boot("target"))
    assert server.status == 202
    for method, path in json_bodies(server.body["server"]["id"]):
        reply = await admin.call(method, path, data=raw, headers=JSON)
        assert reply.status == 400, (method, path, reply.status, reply.body)
    assert await routing_count(gateway) == 1


async def test_unreadable_metadata_bodies_are_400(gateway, admin) -> None:
    server = await admin.post(SERVERS, boot("target"))
    volume = await admin.post("/volume/v3/volumes", {"volume": {"size": 1}})
    owners = (
        f"{SERVERS}/{server.body['server']['id']}",
        f"/volume/v3/volumes/{volume.body['volume']['id']}",
    )
    answers = [
        (
            method,
            owner,
            raw[:12],
            (await admin.call(method, f"{owner}/metadata", data=raw, headers=JSON)).status,
        )
        for owner in owners
        for method in ("PUT", "POST")
        for raw in (TOO_DEEP, BAD_UTF8)
    ]
    assert all(status == 400 for *_, status in answers), answers


async def test_a_deep_but_decodable_body_is_refused_before_it_is_walked(gateway, admin) -> None:
    body = b'{"flavor": ' + b"[" * 200 + b"]" * 200 + b"}"
    reply = await admin.call("POST", FLAVORS, data=body, headers=JSON)
    assert reply.status == 400 and reply.body["badRequest"]["message"] == "Malformed request body"


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
async def test_content_encoding_is_not_inflated_and_keeps_the_connection(gateway, admin, encoding):
    """As an OpenStack service, the body is read as sent; the connection stays usable."""
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1)) as http:
        headers = {"X-Auth-Token": admin.token, "Content-Encoding": encoding, **JSON}
        for body, status in (
            (b'{"pod": {}}', 400),  # plain JSON: validated as any other body
            (gzip.compress(b'{"pod": {}}'), 400),  # compressed: not JSON to us
            (zlib.compress(b'{"pod": {}}'), 400),
        ):
            async with http.post(f"{gateway.url}/v1.0/pods", data=body, headers=headers) as reply:
                assert reply.status == status, await reply.text()
                assert "message" in (await reply.json())["error"]
            async with http.get(f"{gateway.url}/v1.0/pods", headers=headers) as after:
                assert after.status == 200  # on the same connection


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("ram", 2**63),
        ("vcpus", 2**63),
        ("disk", 2**63),
        ("swap", 2**63),
        ("OS-FLV-EXT-DATA:ephemeral", 2**63),
        ("ram", "2147483648"),
        ("ram", "0"),
        ("rxtx_factor", "abc"),
        ("rxtx_factor", 1e39),
    ],
)
async def test_flavor_numbers_beyond_novas_bounds_are_400(gateway, admin, field, value) -> None:
    flavor = {"name": "huge", "ram": 1, "vcpus": 1, "disk": 1, "id": "huge", field: value}
    reply = await admin.post(FLAVORS, {"flavor": flavor})
    assert reply.status == 400, reply.body
    assert field in reply.body["badRequest"]["message"]
    assert (await admin.get(f"{FLAVORS}/huge")).status == 404


async def test_flavor_at_novas_bounds_is_accepted(gateway, admin) -> None:
    top = 2**31 - 1
    flavor = {"name": "big", "ram": top, "vcpus": str(top), "disk": top, "rxtx_factor": "2.5"}
    reply = await admin.post(FLAVORS, {"flavor": flavor})
    assert reply.status == 200, reply.body
    assert reply.body["flavor"]["vcpus"] == top and reply.body["flavor"]["rxtx_factor"] == 2.5


@pytest.mark.parametrize("version", ["2.1", "2.2"])
async def test_a_certificate_as_ssh_key_is_invalid_keypair_data(gateway, demo, version) -> None:
    body = {"keypair": {"name": "cert", "public_key": CERTIFICATE}}
    if version == "2.2":
        body["keypair"]["type"] = "ssh"
    reply = await demo.post(KEYS, body, headers={"OpenStack-API-Version": f"compute {version}"})
    assert reply.status == 400, reply.body
    assert reply.body["badRequest"]["message"].startswith("Keypair data is invalid")
    assert (await demo.get(f"{KEYS}/cert")).status == 404


async def test_sort_by_uuid_and_a_repeated_sort_key_sort_as_nova(gateway, demo) -> None:
    for name, az in (("b", "az1"), ("a", "az2"), ("c", "az2")):
        assert (await demo.post(SERVERS, boot(name, az=az))).status == 202
    query = [("sort_key", "display_name"), ("sort_dir", "asc")] * 2
    reply = await demo.get(f"{SERVERS}/detail", params=query)
    assert reply.status == 200, reply.body
    assert [s["name"] for s in reply.body["servers"]] == ["a", "b", "c"]
    for path in (SERVERS, f"{SERVERS}/detail"):
        by_uuid = await demo.get(path, params={"sort_key": "uuid", "sort_dir": "asc"})
        assert by_uuid.status == 200, by_uuid.body
        ids = [s["id"] for s in by_uuid.body["servers"]]
        assert ids == sorted(ids) and len(ids) == 3


@pytest.mark.parametrize("entry_id", [str(MAX_ID + 1), str(2**63), "9" * 5000])
async def test_routing_ids_beyond_the_column_are_not_found(gateway, admin, entry_id) -> None:
    assert (await admin.get(f"/v1.0/routings/{entry_id}")).status == 404
    assert (await admin.delete(f"/v1.0/routings/{entry_id}")).status == 404
    reply = await admin.get("/v1.0/routings", params={"marker": str(entry_id)})
    assert reply.status == 400 and "marker" in reply.body["error"]["message"]


async def test_junk_security_groups_are_novas_400_from_the_pod(gateway, demo) -> None:
    for junk in (5, "default", [5], [{"name": 5}]):
        reply = await demo.post(SERVERS, boot("sg", security_groups=junk))
        assert reply.status == 400, (junk, reply.body)
        assert "security_groups" in reply.body["badRequest"]["message"]
    assert await routing_count(gateway) == 0

"""The top region's own services, which the gateway passes network and image calls to:
the central Neutron and the top Glance take a tenant's Keystone token, and a segment the
central Neutron allocates can be created in every pod (their segment ranges agree)."""

from __future__ import annotations

import aiohttp
import pytest

from tests.realcloud.conftest import RealCloud
from tests.realcloud.helpers import unique, wait_status
from tests.realcloud.targets import Client

pytestmark = pytest.mark.realcloud

OCTETS = {"Content-Type": "application/octet-stream"}


async def _central(realcloud: RealCloud, http: aiohttp.ClientSession, who: str) -> Client:
    """A user logged in to the top region, calling the central services directly (they
    are not in the catalog: the top's endpoints there are the gateway's)."""
    target = realcloud.target(realcloud.spec.top_region)
    client = await Client(http, target).login(getattr(target, who))
    client.endpoints = {s: realcloud.spec.central_url(s) for s in ("network", "image")}
    return client


@pytest.fixture
async def central_demo(realcloud: RealCloud, http: aiohttp.ClientSession) -> Client:
    return await _central(realcloud, http, "demo")


@pytest.fixture
async def central_admin(realcloud: RealCloud, http: aiohttp.ClientSession) -> Client:
    return await _central(realcloud, http, "admin")


async def test_central_neutron_serves_a_tenant_network(
    central_demo: Client, central_admin: Client, http: aiohttp.ClientSession
) -> None:
    async with http.get(central_demo.endpoints["network"] + "/v2.0/networks") as resp:
        assert resp.status == 401  # keystonemiddleware guards it, as in the pods
    name = unique("central-net")
    reply = await central_demo.call(
        "network", "POST", "/v2.0/networks", {"network": {"name": name}}
    )
    assert reply.status == 201, reply
    path = f"/v2.0/networks/{reply.body['network']['id']}"
    try:
        shown = (await central_admin.call("network", "GET", path)).body["network"]
        assert shown["name"] == name
        # tenant networks are VXLAN, from the pods' range
        assert shown["provider:network_type"] == "vxlan", shown
        assert 1000 <= shown["provider:segmentation_id"] <= 1999, shown
    finally:
        reply = await central_demo.call("network", "DELETE", path)
    assert reply.status == 204, reply
    assert (await central_demo.call("network", "GET", path)).status == 404


async def test_top_glance_serves_a_tenant_image(
    central_demo: Client, http: aiohttp.ClientSession
) -> None:
    async with http.get(central_demo.endpoints["image"] + "/v2/images") as resp:
        assert resp.status == 401
    body = {"name": unique("central-img"), "disk_format": "raw", "container_format": "bare"}
    reply = await central_demo.call("image", "POST", "/v2/images", body)
    assert reply.status == 201, reply
    assert reply.body["status"] == "queued"
    path = f"/v2/images/{reply.body['id']}"
    try:
        reply = await central_demo.call(
            "image", "PUT", path + "/file", data=b"t" * 512, headers=OCTETS
        )
        assert reply.status == 204, reply
        await wait_status(central_demo, "image", path, "", "active", {"queued", "saving"})
        reply = await central_demo.call("image", "GET", path + "/file")
        assert (reply.status, reply.body) == (200, "t" * 512)
    finally:
        reply = await central_demo.call("image", "DELETE", path)
    assert reply.status == 204, reply
    assert (await central_demo.call("image", "GET", path)).status == 404


async def test_top_glance_offers_the_pods_import_methods(
    realcloud: RealCloud, central_demo: Client, http: aiohttp.ClientSession
) -> None:
    top = await central_demo.call("image", "GET", "/v2/info/import")
    assert top.status == 200, top
    assert "glance-direct" in top.body["import-methods"]["value"]
    for pod in realcloud.spec.pods:
        target = realcloud.target(pod.region)
        pod_demo = await Client(http, target).login(target.demo)
        reply = await pod_demo.call("image", "GET", "/v2/info/import")
        assert reply.body["import-methods"] == top.body["import-methods"], pod.region


@pytest.mark.parametrize(
    ("network_type", "physnet"), [("vlan", "physnet1"), ("vxlan", None)], ids=["vlan", "vxlan"]
)
async def test_a_central_segment_exists_in_every_pod(
    realcloud: RealCloud,
    central_admin: Client,
    http: aiohttp.ClientSession,
    network_type: str,
    physnet: str | None,
) -> None:
    """The central Neutron allocates the segment from its range; each pod's Neutron takes
    the same segment for a network of its own (what cross-pod networking relies on)."""
    provider = {"provider:network_type": network_type}
    if physnet:
        provider["provider:physical_network"] = physnet
    name = unique(f"central-{network_type}")
    made: list[tuple[Client, str]] = []
    try:
        reply = await central_admin.call(
            "network", "POST", "/v2.0/networks", {"network": {"name": name, **provider}}
        )
        assert reply.status == 201, reply
        central = reply.body["network"]
        made.append((central_admin, central["id"]))
        segment = {**provider, "provider:segmentation_id": central["provider:segmentation_id"]}
        for pod in realcloud.spec.pods:
            target = realcloud.target(pod.region)
            pod_admin = await Client(http, target).login(target.admin)
            body = {"network": {"name": name, **segment}}
            reply = await pod_admin.call("network", "POST", "/v2.0/networks", body)
            assert reply.status == 201, (pod.region, reply)
            made.append((pod_admin, reply.body["network"]["id"]))
            assert {k: reply.body["network"][k] for k in segment} == segment, pod.region
    finally:
        for client, net in made:
            reply = await client.call("network", "DELETE", f"/v2.0/networks/{net}")
            assert reply.status == 204, reply

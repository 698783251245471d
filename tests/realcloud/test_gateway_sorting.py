"""Names sort as the real pods sort them: Nova and Cinder sort in their databases, whose
MariaDB collation ignores case, and a list merged over both regions must page through
mixed-case names in that same order ("alpha" before "Bravo"), with markers, exactly.

Servers are paged once they are in their cell: while Nova still schedules a server it
lists it from its build request, sorted apart from the rest, and even one region's
pages do not agree then.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from tests.realcloud.conftest import RealCloud
from tests.realcloud.gateway import running_gateway
from tests.realcloud.helpers import BASE_FLAVOR, BASE_IMAGE, unique, wait_gone, wait_status
from tests.realcloud.targets import Client

pytestmark = pytest.mark.realcloud
NAMES = ("alpha", "Bravo", "charlie", "Delta", "echo", "Foxtrot")
# mixed case within each region (its three names) and across the two
REGION_OF = {"alpha": 0, "bravo": 1, "charlie": 0, "delta": 0, "echo": 1, "foxtrot": 1}


async def _walk(demo: Client, service: str, path: str, key: str) -> list[str]:
    walked: list[str] = []
    marker = ""
    while True:
        reply = await demo.call(service, "GET", path + marker)
        assert reply.status == 200, reply
        page = [item["name"] for item in reply.body[key]]
        walked += page
        if len(page) < 2:
            return walked
        marker = f"&marker={reply.body[key][-1]['id']}"


async def _made(
    names: tuple[str, ...], make: Callable[[str, int], Awaitable[str]]
) -> dict[str, str]:
    ids = await asyncio.gather(*(make(name, REGION_OF[name.casefold()]) for name in names))
    return dict(zip(names, ids, strict=True))


async def test_mixed_case_names_page_in_the_pods_order(realcloud: RealCloud) -> None:
    spec = realcloud.spec
    zones = [pod.az for pod in spec.pods]
    async with running_gateway(realcloud), aiohttp.ClientSession() as http:
        demo = await Client(http, realcloud.target(spec.top_region, "gateway")).login(spec.demo)
        run = unique("sort")
        flavors = (await demo.call("compute", "GET", "/flavors")).body["flavors"]
        flavor = next(f["id"] for f in flavors if f["name"] == BASE_FLAVOR)
        images = await demo.call("image", "GET", f"/v2/images?name={BASE_IMAGE}")
        image = images.body["images"][0]["id"]

        async def server(name: str, region: int) -> str:
            body = {
                "name": f"{run}-{name}",
                "flavorRef": flavor,
                "imageRef": image,
                "networks": "none",
                "availability_zone": zones[region],
            }
            reply = await demo.call("compute", "POST", "/servers", {"server": body})
            assert reply.status == 202, reply
            return reply.body["server"]["id"]

        async def volume(name: str, region: int) -> str:
            body = {"size": 1, "name": f"{run}-{name}", "availability_zone": zones[region]}
            reply = await demo.call("volumev3", "POST", "/volumes", {"volume": body})
            assert reply.status == 202, reply
            return reply.body["volume"]["id"]

        servers = await _made(NAMES, server)
        volumes = await _made(NAMES, volume)
        try:
            for server_id in servers.values():
                path = f"/servers/{server_id}"
                await wait_status(demo, "compute", path, "server", "ACTIVE", {"BUILD"})
            for volume_id in volumes.values():
                path = f"/volumes/{volume_id}"
                await wait_status(demo, "volumev3", path, "volume", "available", {"creating"})
            query = f"/servers?name={run}&sort_key=display_name&sort_dir=asc&limit=2"
            walked = await _walk(demo, "compute", query, "servers")
            assert walked == [f"{run}-{name}" for name in sorted(NAMES, key=str.casefold)]
            query = f"/volumes?name~={run}&sort=name:asc&limit=2"
            walked = await _walk(demo, "volumev3", query, "volumes")
            assert walked == [f"{run}-{name}" for name in sorted(NAMES, key=str.casefold)]
        finally:
            for service, collection, made in (
                ("compute", "servers", servers),
                ("volumev3", "volumes", volumes),
            ):
                for item_id in made.values():
                    await demo.call(service, "DELETE", f"/{collection}/{item_id}")
                for item_id in made.values():
                    await wait_gone(demo, service, f"/{collection}/{item_id}")

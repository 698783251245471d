from __future__ import annotations

import asyncio

from tests.gateway.harness import IMAGE_ID, Client


async def wait_status(client: Client, server_id: str, status: str, timeout: float = 10) -> dict:
    for _ in range(int(timeout / 0.05)):
        reply = await client.get(f"/compute/v2.1/servers/{server_id}")
        if reply.status == 200 and reply.body["server"]["status"] == status:
            return reply.body["server"]
        await asyncio.sleep(0.05)
    raise AssertionError(f"server {server_id} never reached {status}: {reply.body}")


async def test_boot_show_list_delete(gateway, demo) -> None:
    reply = await demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "vm1",
                "flavorRef": "1",
                "imageRef": IMAGE_ID,
                "availability_zone": "az1",
                "networks": "none",
            }
        },
    )
    assert reply.status == 202, reply.body
    server_id = reply.body["server"]["id"]
    server = await wait_status(demo, server_id, "ACTIVE")
    assert server["name"] == "vm1"
    assert gateway.url in server["links"][0]["href"]
    assert server_id in gateway.sim.pods["pod1"].servers
    listed = await demo.get("/compute/v2.1/servers")
    assert [s["id"] for s in listed.body["servers"]] == [server_id]
    reply = await demo.delete(f"/compute/v2.1/servers/{server_id}")
    assert reply.status == 204

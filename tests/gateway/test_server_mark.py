"""The gateway's mark on its servers stays in the pod: users see their metadata only."""

from __future__ import annotations

import json

import pytest

from tests.gateway.test_servers import SERVERS, boot
from tricircle.kit.mark import unmarked
from tricircle.pods.mark import MARK_KEY, MARK_VALUE


@pytest.mark.parametrize("separators", [(", ", ": "), (",", ":")])
@pytest.mark.parametrize(
    "metadata",
    [{}, {"a": "1"}, {"a": "1", "b": "2"}, {"note": f'"{MARK_KEY}": "{MARK_VALUE}"'}],
)
@pytest.mark.parametrize("first", [True, False])
def test_unmarked_drops_only_the_mark(separators, metadata, first) -> None:
    mark = {MARK_KEY: MARK_VALUE}
    marked = {**mark, **metadata} if first else {**metadata, **mark}
    servers = [{"id": str(i), "metadata": marked, "name": "vm"} for i in range(2)]
    body = json.dumps({"servers": servers}, separators=separators).encode()
    assert json.loads(unmarked(body)) == {
        "servers": [{**server, "metadata": metadata} for server in servers]
    }


async def test_show_list_and_metadata_hide_the_mark(gateway, demo) -> None:
    reply = await demo.post(SERVERS, boot(metadata={"role": "db"}))
    server_id = reply.body["server"]["id"]
    in_pod = next(p.servers[server_id] for p in gateway.sim.pods.values() if server_id in p.servers)
    assert in_pod.metadata == {"role": "db", MARK_KEY: MARK_VALUE}
    shown = await demo.get(f"{SERVERS}/{server_id}")
    assert shown.body["server"]["metadata"] == {"role": "db"}
    listed = await demo.get(f"{SERVERS}/detail")
    assert [s["metadata"] for s in listed.body["servers"]] == [{"role": "db"}]
    meta = await demo.get(f"{SERVERS}/{server_id}/metadata")
    assert meta.body == {"metadata": {"role": "db"}}


async def test_replacing_all_metadata_keeps_the_mark_in_the_pod(gateway, demo) -> None:
    reply = await demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "m",
                "flavorRef": "1",
                "imageRef": "cirros",
                "availability_zone": "az1",
            }
        },
    )
    server_id = reply.body["server"]["id"]
    path = f"/compute/v2.1/servers/{server_id}/metadata"
    replaced = await demo.put(path, {"metadata": {"role": "web"}})
    assert replaced.status == 200 and replaced.body["metadata"] == {"role": "web"}
    assert gateway.sim.pods["pod1"].servers[server_id].metadata == {
        "role": "web",
        MARK_KEY: MARK_VALUE,
    }
    assert (await demo.get(path)).body["metadata"] == {"role": "web"}
    broken = await demo.put(path, data=b"{nope", headers={"Content-Type": "application/json"})
    assert broken.status == 400

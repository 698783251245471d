"""A gateway killed between the pod's create and the routing write leaves an orphan;
the reconciler finds it by its mark and adopts it."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.gateway.harness import IMAGE_ID, PASSWORD, TOP_REGION, Client, keystone_token
from tricircle.config import load_config
from tricircle.db import migrate
from tricircle.db.engine import Database
from tricircle.identity.service_auth import ServiceAuth
from tricircle.jobs.pod_inventory import PodsInventory
from tricircle.jobs.reconciler import Reconciler
from tricircle.pods.client import PodClient
from tricircle.pods.health import PodHealth
from tricircle.pods.routing import SERVER, RoutingTable
from tricircle.sim import Faults, SimCloud

LATENCY = 0.5  # every pod call of the create takes this long


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
async def sim() -> AsyncIterator[SimCloud]:
    async with SimCloud(boot_delay=0) as cloud:
        cloud.identity.create_user("demo", PASSWORD, project="demo", roles=["member"])
        pod = await cloud.add_pod("pod1", az="az1")
        pod.add_image(name="cirros", id=IMAGE_ID)
        yield cloud


async def start_gateway(config: Path, port: int) -> asyncio.subprocess.Process:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tricircle.cli",
        "--config-file",
        str(config),
        "gateway",
    )
    async with aiohttp.ClientSession() as http:
        for _ in range(100):
            with contextlib.suppress(aiohttp.ClientError):
                async with http.get(f"http://127.0.0.1:{port}/compute/") as response:
                    if response.status == 200:
                        return process
            await asyncio.sleep(0.1)
    raise AssertionError("the gateway did not start")


async def gateway_config(sim: SimCloud, tmp_path: Path, extra: str = "") -> tuple[Path, str, int]:
    """A migrated SQLite database and a config file for a gateway process in front of `sim`:
    (config file, database URL, port)."""
    url = f"sqlite:///{tmp_path / 'tricircle.sqlite'}"
    await asyncio.to_thread(migrate.upgrade, url)
    port = free_port()
    config = tmp_path / "tricircle.conf"
    config.write_text(
        f"[gateway]\nport = {port}\n[database]\nconnection = {url}\n"
        f"[identity]\nauth_url = {sim.identity_url}\npassword = tricircle\n"
        f"region_name = {TOP_REGION}\n{extra}"
    )
    return config, url, port


async def test_reconciler_adopts_what_a_killed_gateway_left(sim: SimCloud, tmp_path: Path) -> None:
    config, url, port = await gateway_config(sim, tmp_path)
    gateway = await start_gateway(config, port)
    base = f"http://127.0.0.1:{port}"
    db = Database(url)
    async with aiohttp.ClientSession() as http:
        try:
            admin = Client(
                http, base, await keystone_token(http, sim.identity_url, "admin", "admin", "admin")
            )
            demo = Client(
                http, base, await keystone_token(http, sim.identity_url, "demo", PASSWORD, "demo")
            )
            assert (
                await admin.post(
                    "/v1.0/pods", {"pod": {"name": "pod1", "region_name": "pod1", "az_name": "az1"}}
                )
            ).status == 201
            flavor = {"id": "1", "name": "tiny", "ram": 64, "vcpus": 1, "disk": 1}
            assert (await admin.post("/compute/v2.1/flavors", {"flavor": flavor})).status == 200
            boot = {
                "server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"}
            }
            first = await demo.post("/compute/v2.1/servers", boot)  # copies the flavor
            assert first.status == 202
            sim.pods["pod1"].faults = Faults(latency=LATENCY)
            seen = sim.pods["pod1"].arrived
            create = asyncio.create_task(demo.post("/compute/v2.1/servers", boot))
            # killed the moment the create reaches the pod, which then makes the server
            await sim.pods["pod1"].received("POST /compute/v2.1/servers", after=seen)
            gateway.send_signal(signal.SIGKILL)
            await gateway.wait()
            with contextlib.suppress(aiohttp.ClientError):
                await create
            for _ in range(100):
                if len(sim.pods["pod1"].servers) == 2:
                    break
                await asyncio.sleep(0.1)
            orphan = next(s for s in sim.pods["pod1"].servers if s != first.body["server"]["id"])
            routing = RoutingTable(db)
            assert await routing.find(SERVER, orphan) == []

            sim.pods["pod1"].faults = Faults()
            conf = load_config([str(config)])
            inventory = PodsInventory(PodClient(http, PodHealth()), ServiceAuth(conf))
            findings = await Reconciler(db, inventory, [SERVER], grace=0).run()
            assert [e.pod_id for e in await routing.find(SERVER, orphan)]
            assert orphan in str(findings["adopted"])
            # once adopted, nothing more to do
            again = await Reconciler(db, inventory, [SERVER], grace=0).run()
            assert again["adopted"] == []
            # and its owner reaches it through a gateway again
            gateway = await start_gateway(config, port)
            shown = await demo.get(f"/compute/v2.1/servers/{orphan}")
            assert shown.status == 200, shown.body
            assert shown.body["server"]["tenant_id"] == await _project(sim, "demo")
        finally:
            if gateway.returncode is None:
                gateway.kill()
                await gateway.wait()
            await db.dispose()


async def _project(sim: SimCloud, name: str) -> str:
    project = sim.identity.find_project(name, "default")
    assert project is not None
    return project.id

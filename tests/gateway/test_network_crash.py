"""Networks and a router across pods with the job worker killed halfway: once another
worker has run the jobs, the pods hold what the central Neutron says (a bottom router in
each pod), and after the deletes at the top, nothing."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from tests.gateway.harness import IMAGE_ID, PASSWORD, Client, keystone_token
from tests.gateway.test_reconcile import gateway_config, start_gateway
from tests.jobs.helpers import PERIODIC, eventually
from tricircle.db.engine import Database
from tricircle.jobs.models import RUNNING, SUCCESS, Job
from tricircle.sim import SimCloud

NET = "/network/v2.0"


@pytest.fixture
async def sim() -> AsyncIterator[SimCloud]:
    async with SimCloud(boot_delay=0.05) as cloud:
        cloud.identity.create_user("demo", PASSWORD, project="demo", roles=["member"])
        for name, az in (("pod1", "az1"), ("pod2", "az2")):
            pod = await cloud.add_pod(name, az=az)
            pod.add_image(name="cirros", id=IMAGE_ID)
        yield cloud


async def worker(config: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tricircle.cli", "worker", "--config-file", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def pod_objects(sim: SimCloud, project: str) -> dict[str, int]:
    """What each pod's Neutron holds for the project (its own default group aside)."""
    found = {}
    for name, pod in sim.pods.items():
        state = pod.network
        groups = [g for g in state.security_groups.values() if g["project_id"] == project]
        found[name] = (
            len(state.routers)
            + sum(
                n["project_id"] == project or n["name"] == f"tricircle-bridge-{project}"
                for n in state.networks.values()
            )
            + sum(p["project_id"] == project for p in state.ports.values())
            + sum(g["description"] != "Default security group" for g in groups)
        )
    return found


async def test_a_worker_killed_halfway(sim: SimCloud, tmp_path: Path) -> None:
    central = await sim.add_central()
    # a killed worker's job is taken over within a second; copies no port needs any more
    # are the reconciler's to remove, every second here
    jobs = "[jobs]\nlease = 1\nreconcile_interval = 1\nreconcile_grace = 2\n"
    extra = f"[central]\nnetwork_url = {central.url('network')}\n{jobs}"
    config, url, port = await gateway_config(sim, tmp_path, extra)
    gateway = await start_gateway(config, port)
    workers: list[asyncio.subprocess.Process] = []
    db = Database(url)
    base = f"http://127.0.0.1:{port}"
    try:
        async with aiohttp.ClientSession() as http:
            admin = Client(
                http, base, await keystone_token(http, sim.identity_url, "admin", "admin", "admin")
            )
            demo = Client(
                http, base, await keystone_token(http, sim.identity_url, "demo", PASSWORD, "demo")
            )
            for name, az in (("pod1", "az1"), ("pod2", "az2")):
                body = {"pod": {"name": name, "region_name": name, "az_name": az}}
                assert (await admin.post("/v1.0/pods", body)).status == 201
            flavor = {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1}
            assert (await admin.post("/compute/v2.1/flavors", {"flavor": flavor})).status == 200

            net = (await demo.post(f"{NET}/networks", {"network": {"name": "net1"}})).body
            net_id = net["network"]["id"]
            subnet = {"network_id": net_id, "cidr": "10.0.1.0/24", "ip_version": 4}
            subnet_id = (await demo.post(f"{NET}/subnets", {"subnet": subnet})).body["subnet"]["id"]
            servers = []
            for az in ("az1", "az2"):
                server = {"name": az, "flavorRef": "1", "imageRef": IMAGE_ID}
                server |= {"availability_zone": az, "networks": [{"uuid": net_id}]}
                reply = await demo.post("/compute/v2.1/servers", {"server": server})
                assert reply.status == 202, reply.body
                servers.append(reply.body["server"]["id"])
            reply = await demo.post(f"{NET}/routers", {"router": {"name": "r1"}})
            router = f"{NET}/routers/{reply.body['router']['id']}"
            interface = {"subnet_id": subnet_id}
            assert (await demo.put(f"{router}/add_router_interface", interface)).status == 200

            workers.append(await worker(config))

            async def one_running() -> bool:
                async with db.session() as session:
                    return (
                        await session.scalar(select(Job.id).where(Job.status == RUNNING))
                    ) is not None

            await eventually(one_running, timeout=20)
            workers[0].send_signal(signal.SIGKILL)  # in the middle of a job
            await workers[0].wait()
            workers.append(await worker(config))

            async def wired() -> bool:  # a bottom router in both pods
                return all(pod.network.routers for pod in sim.pods.values())

            await eventually(wired, timeout=60)
            for server_id in servers:  # the jobs that free their ports run on the new worker
                assert (await demo.delete(f"/compute/v2.1/servers/{server_id}")).status == 204
            assert (await demo.put(f"{router}/remove_router_interface", interface)).status == 200
            assert (await demo.delete(router)).status == 204

            async def ports_freed() -> bool:
                ports = (await demo.get(f"{NET}/ports", params={"network_id": net_id})).body
                return all(p["device_owner"].startswith("network:") for p in ports["ports"])

            await eventually(ports_freed, timeout=60)
            assert (await demo.delete(f"{NET}/subnets/{subnet_id}")).status == 204
            assert (await demo.delete(f"{NET}/networks/{net_id}")).status == 204
            project = (sim.identity.find_project("demo", "default")).id

            async def pods_empty() -> bool:
                return set((await pod_objects(sim, project)).values()) == {0}

            await eventually(pods_empty, timeout=60)
            async with db.session() as session:
                left = (await session.scalars(select(Job).where(Job.status != SUCCESS))).all()
            assert [j.type for j in left if j.type not in PERIODIC] == []
    finally:
        for process in (gateway, *workers):
            if process.returncode is None:
                process.send_signal(signal.SIGKILL)
                await process.wait()
        await db.dispose()

"""Crash suite: gateway and worker processes killed with SIGKILL at random points of
creates and deletes, 50 rounds, seeded; afterwards, once the reconciler and the cleanup
jobs have run, no pod holds an orphan, no route dangles, no delete is left unfinished
and no job is lost."""

from __future__ import annotations

import asyncio
import contextlib
import random
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import select

from tests.gateway.harness import IMAGE_ID, PASSWORD, Client, keystone_token
from tests.gateway.test_reconcile import gateway_config, start_gateway
from tests.jobs.helpers import PERIODIC
from tricircle.config import load_config
from tricircle.db.engine import Database
from tricircle.identity.service_auth import ServiceAuth
from tricircle.jobs.models import SUCCESS, Deletion, Job
from tricircle.jobs.pod_inventory import PodsInventory
from tricircle.jobs.reconciler import Reconciler
from tricircle.pods.client import PodClient
from tricircle.pods.health import PodHealth
from tricircle.pods.mark import MARK_KEY, MARK_VALUE
from tricircle.pods.routing import SERVER, RoutingTable
from tricircle.sim import Faults, SimCloud
from tricircle.sim.compute.model import Quota

ROUNDS = 50
SEED = 2026
SERVERS = "/compute/v2.1/servers"
BOOT = {"server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"}}


@pytest.fixture
async def sim() -> AsyncIterator[SimCloud]:
    async with SimCloud(boot_delay=0.05) as cloud:
        cloud.identity.create_user("demo", PASSWORD, project="demo", roles=["member"])
        for name in ("pod1", "pod2"):
            pod = await cloud.add_pod(name, az="az1")
            pod.add_image(name="cirros", id=IMAGE_ID)
            pod.compute.quota = Quota(instances=1000, cores=1000, ram=10**7)
            # every call takes a moment, so kills land inside the calls
            pod.faults = Faults(latency=0.05)
        yield cloud


class Processes:
    """The gateway and one worker, each started again after every kill."""

    def __init__(self, config: Path, port: int) -> None:
        self.config, self.port = config, port
        self.gateway: asyncio.subprocess.Process | None = None
        self.worker: asyncio.subprocess.Process | None = None

    async def start(self) -> None:
        if self.gateway is None:
            self.gateway = await start_gateway(self.config, self.port)
        if self.worker is None:
            self.worker = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "tricircle.cli", "worker", "--config-file", str(self.config),
                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
            )  # fmt: skip

    async def kill(self, which: str) -> None:
        process = getattr(self, which)
        process.send_signal(signal.SIGKILL)
        await process.wait()
        setattr(self, which, None)

    async def stop(self) -> None:
        for which in ("gateway", "worker"):
            if getattr(self, which) is not None:
                await self.kill(which)


async def _round(
    rng: random.Random, sim: SimCloud, demo: Client, processes: Processes, alive: list[str]
) -> str:
    """One call and one kill; returns what was killed in which call."""
    victim = rng.choice(("gateway", "worker"))
    if alive and rng.random() < 0.4:
        server_id = alive.pop(rng.randrange(len(alive)))
        call, sent = f"DELETE {SERVERS}/{server_id}", demo.delete(f"{SERVERS}/{server_id}")
    else:
        call, sent = f"POST {SERVERS}", demo.post(SERVERS, BOOT)
    counts = {name: pod.arrived for name, pod in sim.pods.items()}
    task = asyncio.create_task(sent)
    if rng.random() < 0.5:  # the moment the call reaches a pod
        reached = [
            asyncio.create_task(pod.received(call, after=counts[name]))
            for name, pod in sim.pods.items()
        ]
        await asyncio.wait(reached, timeout=5, return_when=asyncio.FIRST_COMPLETED)
        for waiting in reached:
            waiting.cancel()
    else:
        await asyncio.sleep(rng.uniform(0, 0.3))
    await processes.kill(victim)
    with contextlib.suppress(aiohttp.ClientError):
        reply = await task
        if call.startswith("POST") and reply.status == 202:
            alive.append(reply.body["server"]["id"])
    await processes.start()
    return f"{victim} in {call.split()[0]}"


async def _converged(
    sim: SimCloud, db: Database, reconciler: Reconciler, repaired: Counter[str]
) -> str | None:
    """What still differs, or None."""
    findings = await reconciler.run()
    repaired.update({k: len(v) for k, v in findings.items() if k != "skipped_pods"})
    routing = RoutingTable(db)
    routed = {e.top_id for e in await routing.page(resource_type=SERVER, limit=10_000)}
    marked = {
        server.id
        for pod in sim.pods.values()
        for server in pod.servers.values()
        if server.metadata.get(MARK_KEY) == MARK_VALUE
    }
    async with db.session() as session:
        tombstones = (await session.scalars(select(Deletion.top_id))).all()
        unfinished = (await session.scalars(select(Job).where(Job.status != SUCCESS))).all()
    if routed != marked:
        return f"routes without servers {routed - marked}, servers without routes {marked - routed}"
    if tombstones:
        return f"deletes not finished: {tombstones}"
    lost = [f"{j.type} {j.resource_id} {j.status}" for j in unfinished if j.type not in PERIODIC]
    return f"jobs not done: {lost}" if lost else None


async def test_kills_at_random_points_leave_nothing_behind(sim: SimCloud, tmp_path: Path) -> None:
    # a killed worker's job is taken over within a second; failed attempts retry soon
    jobs = (
        "[jobs]\nlease = 1.0\npoll_interval = 0.05\nbackoff_base = 0.1\nbackoff_cap = 1.0\n"
        "max_attempts = 1000\n"
        # the rounds make more servers than the top's default quota, and killed creates
        # hold theirs until they expire
        "[quota]\ninstances = -1\ncores = -1\nram = -1\n"
    )
    config, url, port = await gateway_config(sim, tmp_path, jobs)
    processes = Processes(config, port)
    db = Database(url)
    await processes.start()
    try:
        async with aiohttp.ClientSession() as http:
            base = f"http://127.0.0.1:{port}"
            identity = sim.identity_url
            admin = Client(
                http, base, await keystone_token(http, identity, "admin", "admin", "admin")
            )
            demo = Client(
                http, base, await keystone_token(http, identity, "demo", PASSWORD, "demo")
            )
            for name in sim.pods:
                pod = {"pod": {"name": name, "region_name": name, "az_name": "az1"}}
                assert (await admin.post("/v1.0/pods", pod)).status == 201
            flavor = {"id": "1", "name": "tiny", "ram": 64, "vcpus": 1, "disk": 1}
            assert (await admin.post("/compute/v2.1/flavors", {"flavor": flavor})).status == 200
            rng, alive, kills = random.Random(SEED), [], Counter[str]()
            for _ in range(ROUNDS):
                kills[await _round(rng, sim, demo, processes, alive)] += 1
            inventory = PodsInventory(
                PodClient(http, PodHealth()), ServiceAuth(load_config([str(config)]))
            )
            reconciler = Reconciler(db, inventory, [SERVER], grace=0)
            difference, repaired = "not looked at yet", Counter[str]()
            for _ in range(60):
                difference = await _converged(sim, db, reconciler, repaired)
                if difference is None:
                    break
                await asyncio.sleep(0.5)
            assert difference is None, difference
            servers = sum(len(pod.servers) for pod in sim.pods.values())
            print(f"\nkills {dict(kills)}; {servers} servers left; repaired {dict(repaired)}")
    finally:
        await processes.stop()
        await db.dispose()

"""Gateway processes sharing one database: racing for the last instances, exactly as many
win as the quota allows on SQLite, PostgreSQL and MariaDB; a gateway killed between its
reservation and the pod's answer leaves a reservation that holds until it expires."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy.engine import make_url

from tests.gateway.harness import IMAGE_ID, PASSWORD, TOP_REGION, Client, keystone_token
from tests.gateway.test_reconcile import free_port, sim, start_gateway  # noqa: F401
from tricircle.config import load_config
from tricircle.db.engine import Database
from tricircle.identity.service_auth import ServiceAuth
from tricircle.pods.client import PodClient
from tricircle.pods.health import PodHealth
from tricircle.quota.engine import QuotaEngine, Usage
from tricircle.quota.refresh import UsageRefresh
from tricircle.quota.resources import COMPUTE
from tricircle.sim import Faults, SimCloud
from tricircle.sim.compute.model import Quota

SERVERS = "/compute/v2.1/servers"
BOOT = {"server": {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "networks": "none"}}


@pytest.fixture
def cloud(sim: SimCloud) -> SimCloud:  # noqa: F811 - test_reconcile's one pod
    """One pod that would take far more than the top allows: only the top refuses."""
    sim.pods["pod1"].compute.quota = Quota(instances=1000, cores=1000, ram=10**7)
    return sim


def _config(cloud: SimCloud, tmp_path: Path, url: str, name: str, quota: str) -> tuple[Path, int]:
    port = free_port()
    config = tmp_path / f"{name}.conf"
    config.write_text(
        f"[gateway]\nport = {port}\n[database]\nconnection = {url}\n"
        f"[identity]\nauth_url = {cloud.identity_url}\npassword = tricircle\n"
        f"region_name = {TOP_REGION}\n[quota]\n{quota}\n"
    )
    return config, port


@contextlib.asynccontextmanager
async def _gateways(
    cloud: SimCloud, tmp_path: Path, url: str, count: int, quota: str
) -> AsyncIterator[tuple[list[Client], list[asyncio.subprocess.Process]]]:
    """`count` gateway processes over one database, the pod and a flavor registered through
    the first (before the others start, so every one sees them); a demo client of each."""
    processes: list[asyncio.subprocess.Process] = []
    async with aiohttp.ClientSession() as http:
        try:
            clients = []
            for index in range(count):
                config, port = _config(cloud, tmp_path, url, f"gw{index}", quota)
                processes.append(await start_gateway(config, port))
                base = f"http://127.0.0.1:{port}"
                if index == 0:
                    admin_token = await keystone_token(
                        http, cloud.identity_url, "admin", "admin", "admin"
                    )
                    await _register(Client(http, base, admin_token))
                token = await keystone_token(http, cloud.identity_url, "demo", PASSWORD, "demo")
                clients.append(Client(http, base, token))
            yield clients, processes
        finally:
            for process in processes:
                if process.returncode is None:
                    process.kill()
                    await process.wait()


async def _register(admin: Client) -> None:
    pod = {"pod": {"name": "pod1", "region_name": "pod1", "az_name": "az1"}}
    assert (await admin.post("/v1.0/pods", pod)).status == 201
    flavor = {"flavor": {"id": "1", "name": "tiny", "ram": 64, "vcpus": 1, "disk": 1}}
    assert (await admin.post("/compute/v2.1/flavors", flavor)).status == 200


async def test_gateways_racing_for_the_last_instances_take_exactly_the_quota(
    cloud: SimCloud, db: Database, tmp_path: Path
) -> None:
    url = make_url(db.url).render_as_string(hide_password=False)
    async with _gateways(cloud, tmp_path, url, 2, "instances = 3") as (clients, _):
        first = await clients[0].post(SERVERS, BOOT)  # copies the flavor into the pod
        assert first.status == 202, first.body
        # every create waits in the pod a moment, so the racers' reservations overlap
        cloud.pods["pod1"].faults = Faults(latency=0.2)
        replies = await asyncio.gather(*(clients[i % 2].post(SERVERS, BOOT) for i in range(8)))
        assert sorted(r.status for r in replies) == [202, 202] + [403] * 6
    assert len(cloud.pods["pod1"].servers) == 3


async def test_a_gateway_killed_before_the_pods_answer_leaves_a_reservation_that_expires(
    cloud: SimCloud, sqlite_db: Database, tmp_path: Path
) -> None:
    """The pod makes the server after the gateway died: the reservation holds its place until
    it expires, then the pod's own count (the usage refresh) does."""
    url = make_url(sqlite_db.url).render_as_string(hide_password=False)
    quota = "instances = 2\nreservation_expire = 2"
    async with _gateways(cloud, tmp_path, url, 2, quota) as (clients, processes):
        assert (await clients[0].post(SERVERS, BOOT)).status == 202
        pod = cloud.pods["pod1"]
        pod.faults = Faults(latency=1.0)
        seen = pod.arrived
        create = asyncio.create_task(clients[0].post(SERVERS, BOOT))
        await pod.received(f"POST {SERVERS}", after=seen)
        processes[0].send_signal(signal.SIGKILL)
        await processes[0].wait()
        with contextlib.suppress(aiohttp.ClientError):
            await create
        pod.faults = Faults()
        refused = await clients[1].post(SERVERS, BOOT)
        assert refused.status == 403, refused.body  # the dead gateway's reservation holds
        engine = QuotaEngine(sqlite_db, load_config())
        project = cloud.identity.find_project("demo", "default").id  # type: ignore[union-attr]
        for _ in range(100):  # until it expires
            if not (await engine.usage(COMPUTE, project))["instances"].reserved:
                break
            await asyncio.sleep(0.1)
        conf = load_config()
        conf.set_override("auth_url", cloud.identity_url, "identity")
        conf.set_override("password", "tricircle", "identity")
        async with aiohttp.ClientSession() as http:
            refresh = UsageRefresh(engine, PodClient(http, PodHealth()), ServiceAuth(conf))
            assert (await refresh.run())["corrected"] >= 1
        assert (await engine.usage(COMPUTE, project))["instances"] == Usage(in_use=2)
        assert (await clients[1].post(SERVERS, BOOT)).status == 403
    assert len(cloud.pods["pod1"].servers) == 2

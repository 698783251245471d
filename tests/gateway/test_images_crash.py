"""A worker process killed with SIGKILL in the middle of an image copy: the pod's half-sent
image is never used, and the next worker sends it again, whole."""

from __future__ import annotations

import asyncio
import hashlib
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest

from tests.gateway.harness import PASSWORD, Client, keystone_token
from tests.gateway.test_reconcile import gateway_config, start_gateway
from tests.jobs.helpers import eventually
from tricircle.sim import SimCloud

SIZE = 96 * 1024 * 1024  # large enough to be cut short, small enough to copy in seconds


@pytest.fixture
async def sim() -> AsyncIterator[SimCloud]:
    async with SimCloud(boot_delay=0.05) as cloud:
        cloud.identity.create_user("demo", PASSWORD, project="demo", roles=["member"])
        await cloud.add_pod("pod1", az="az1")
        yield cloud


async def start_worker(config: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tricircle.cli", "worker", "--config-file", str(config),
        stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL,
    )  # fmt: skip


async def test_a_copy_whose_worker_is_killed_is_sent_again_whole(
    sim: SimCloud, tmp_path: Path
) -> None:
    top = await sim.add_central()
    data = bytes(range(256)) * (SIZE // 256)
    image = top.add_image(name="big", data=data, disk_format="raw")
    del data
    # a short lease: the killed worker's job is soon another's
    extra = f"[central]\nimage_url = {top.url('image')}\n[jobs]\nlease = 1.0\n"
    config, _, port = await gateway_config(sim, tmp_path, extra)
    gateway = await start_gateway(config, port)
    workers = [await start_worker(config)]
    pod = sim.pods["pod1"]
    try:
        async with aiohttp.ClientSession() as http:
            token = await keystone_token(http, sim.identity_url, "admin", "admin", "admin")
            admin = Client(http, f"http://127.0.0.1:{port}", token)
            body = {"pod": {"name": "pod1", "region_name": "pod1", "az_name": "az1"}}
            assert (await admin.post("/v1.0/pods", body)).status == 201
            reply = await admin.post(f"/v1.0/images/{image.id}/copies", {"copies": {}})
            assert reply.status == 202, reply.body

            async def saving() -> bool:
                copy = pod.images.get(image.id)
                return copy is not None and copy.status == "saving"

            await eventually(saving, timeout=90)
            workers[0].send_signal(signal.SIGKILL)
            await workers[0].wait()

            async def requeued() -> bool:  # Glance's answer to an upload cut short
                return pod.images[image.id].status == "queued"

            await eventually(requeued, timeout=10)
            [copy] = (await admin.get(f"/v1.0/images/{image.id}/copies")).body["copies"]
            assert copy["state"] == "copying"  # never used half-sent
            workers.append(await start_worker(config))

            async def active() -> bool:
                reply = await admin.get(f"/v1.0/images/{image.id}/copies")
                return reply.body["copies"][0]["state"] == "active"

            await eventually(active, timeout=120)
            whole = pod.images[image.id]
            assert (whole.status, whole.size) == ("active", SIZE)
            expected = hashlib.sha512(bytes(range(256)) * (SIZE // 256)).hexdigest()
            assert whole.os_hash_value == image.os_hash_value == expected
    finally:
        for process in (*workers, gateway):
            if process.returncode is None:
                process.send_signal(signal.SIGTERM)
                await process.wait()

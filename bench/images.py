"""The image copy benchmark, one command: ``.venv/bin/python -m bench.images``.

Three simulated pods, a simulated top Glance and one gateway (SQLite, its job worker
embedded), in one process. An image of --size MiB (1 GiB by default) is uploaded to the
top Glance, then copied into a pod's Glance twice:

- directly: its bytes read from the top Glance and written into a new image of the pod's
  Glance by one plain streaming pipe (the fastest any copy between the two can be here),
  once before and once after the job's copy, the faster run counted;
- through the job: an admin asks the gateway for a copy in another pod, timed from the
  ask until the copy is recorded active (job pickup, the copy made, its bytes streamed,
  its hash checked, its attributes mirrored).

Reports both throughputs, their ratio, and how much the process's resident memory grew
while the job copied (everything runs in this one process: gateway, worker, Glances).
Prints a Markdown table; stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import AsyncIterator

import psutil

from tests.databases import migrated_database
from tests.gateway.harness import PASSWORD, Client, Gateway
from tricircle.sim import SimCloud
from tricircle.sim.pod import Pod

MIB = 1024 * 1024
OCTETS = {"Content-Type": "application/octet-stream"}


async def setup(sim: SimCloud, url: str) -> tuple[Gateway, Pod, Client]:
    sim.identity.create_user("demo", PASSWORD, project="demo", roles=["member"])
    top = await sim.add_central()
    gateway = Gateway(sim, url)
    gateway.conf.set_override("image_url", top.url("image"), "central")
    await gateway.start()
    admin = await gateway.client("admin")
    for name, az in (("pod1", "az1"), ("pod2", "az2"), ("pod3", "az2")):
        await gateway.add_pod(admin, name, az)
    return gateway, top, admin


async def _bytes(size_mib: int) -> AsyncIterator[bytes]:
    block = bytes(range(256)) * (MIB // 256)
    for index in range(size_mib):
        yield block[index % 256 :] + block[: index % 256]  # no two MiB alike


async def image_with_data(glance: Client, name: str, data: AsyncIterator[bytes] | None) -> str:
    """An image in `glance` (its root), filled from `data` if given; its id."""
    body = {"name": name, "disk_format": "raw", "container_format": "bare"}
    reply = await glance.post("/v2/images", body)
    assert reply.status == 201, reply.body
    image_id = reply.body["id"]
    if data is not None:
        url = f"{glance.base}/v2/images/{image_id}/file"
        headers = {"X-Auth-Token": glance.token, **OCTETS}
        async with glance.http.put(url, data=data, headers=headers) as answer:
            assert answer.status == 204, await answer.text()
    return image_id


async def direct_copy(top: Client, pod: Client, image_id: str) -> float:
    """Seconds to pipe the image's bytes from the top's Glance into a new image of the pod's."""
    target = await image_with_data(pod, "direct", None)
    started = time.perf_counter()
    headers = {"X-Auth-Token": top.token}
    async with top.http.get(f"{top.base}/v2/images/{image_id}/file", headers=headers) as down:
        put = f"{pod.base}/v2/images/{target}/file"
        chunks = down.content.iter_chunked(MIB)
        async with pod.http.put(put, data=chunks, headers={**headers, **OCTETS}) as up:
            assert up.status == 204, await up.text()
    return time.perf_counter() - started


async def job_copy(admin: Client, image_id: str, pod: str) -> tuple[float, int]:
    """Seconds from the admin's ask until the copy is active, and the RSS growth (bytes)
    of the process meanwhile."""
    process = psutil.Process()
    baseline = peak = process.memory_info().rss
    started = time.perf_counter()
    reply = await admin.post(f"/v1.0/images/{image_id}/copies", {"copies": {"pods": [pod]}})
    assert reply.status == 202, reply.body
    while True:
        peak = max(peak, process.memory_info().rss)
        reply = await admin.get(f"/v1.0/images/{image_id}/copies")
        [copy] = reply.body["copies"]
        if copy["state"] == "active":
            return time.perf_counter() - started, peak - baseline
        assert copy["state"] == "copying", copy
        await asyncio.sleep(0.05)


async def main(args: argparse.Namespace, url: str) -> None:
    sim = SimCloud(boot_delay=0.05)
    await sim.start()
    try:
        gateway, top, admin = await setup(sim, url)
        try:
            top_glance = Client(admin.http, top.url("image"), admin.token)
            pod_glance = Client(admin.http, sim.pods["pod1"].url("image"), admin.token)
            image_id = await image_with_data(top_glance, "big", _bytes(args.size))
            # the direct pipe runs before and after the job; its faster run is compared
            direct = await direct_copy(top_glance, pod_glance, image_id)
            through_job, growth = await job_copy(admin, image_id, "pod2")
            direct = min(direct, await direct_copy(top_glance, pod_glance, image_id))
        finally:
            await gateway.stop()
    finally:
        await sim.stop()
    size = args.size * MIB
    direct_rate, job_rate = size / direct / MIB, size / through_job / MIB
    print(f"| copy of {args.size} MiB, top Glance → pod Glance | seconds | MiB/s |")
    print("|---|---:|---:|")
    print(f"| direct stream | {direct:.2f} | {direct_rate:.0f} |")
    print(f"| through the copy job | {through_job:.2f} | {job_rate:.0f} |")
    print(f"\njob / direct throughput: {job_rate / direct_rate:.0%}")
    print(f"process RSS growth during the job's copy: {growth / MIB:.1f} MiB")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--size", type=int, default=1024, help="image size in MiB")
    with migrated_database("sqlite") as database_url:  # migrations run outside the loop
        asyncio.run(main(parser.parse_args(), database_url))

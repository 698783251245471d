"""The simulator process of the benchmark: pods with servers placed in them.

Three projects each hold 1,000 servers: `one` in pod1, `ten` in pods 1-10,
`hundred` in pods 1-100. What was made is written as JSON to --out; the process
then serves until SIGTERM.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal

from tricircle.sim import SimCloud

PASSWORD = "bench"
SPREADS = {"one": 1, "ten": 10, "hundred": 100}
SERVERS = 1000


async def run(args: argparse.Namespace) -> None:
    cloud = SimCloud("127.0.0.1", 0, boot_delay=0.0, service_password="tricircle")
    await cloud.start()
    pods = [await cloud.add_pod(f"pod{i}", f"az{i}") for i in range(1, args.pods + 1)]
    for pod in pods:
        pod.add_flavor("m1.tiny", id="1")
    servers: dict[str, list[tuple[str, str]]] = {}  # project name -> (pod name, server id)
    for project, spread in SPREADS.items():
        cloud.identity.create_user(project, PASSWORD, project=project, roles=["member"])
        project_id = cloud.identity.find_project(project, "default").id  # type: ignore[union-attr]
        servers[project] = [
            (pod.name, pod.add_server(f"{project}-{n}", project_id).id)
            for n in range(SERVERS)
            for pod in [pods[n % min(spread, len(pods))]]
        ]
    project_ids = {p: cloud.identity.find_project(p, "default").id for p in SPREADS}  # type: ignore[union-attr]
    with open(args.out, "w") as out:
        json.dump(
            {
                "identity_url": cloud.identity_url,
                "pods": {pod.name: pod.endpoints() for pod in pods},
                "projects": project_ids,
                "servers": servers,
            },
            out,
        )
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    await stop.wait()
    with contextlib.suppress(Exception):
        await cloud.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--out", required=True)
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()

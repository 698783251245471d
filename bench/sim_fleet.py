"""The simulator processes of the benchmark: pods with servers placed in them.

Three projects each hold 1,000 servers: `one` in pod1, `ten` in pods 1-10,
`hundred` in pods 1-100; with --big N, project `big` holds N more, dealt over every
pod, server n created at BIG_START + n // 3 seconds (bench/scale.py computes the
order from that). The pods are dealt over --processes processes so that
they do not all queue on one interpreter; the first process also runs Keystone.
Every process knows the same users and the tokens issued up front (written to
--out with what was made), so pods in any process accept them. The processes
then serve until SIGTERM (the helpers also stop when the first one goes).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import signal
from dataclasses import fields
from multiprocessing.connection import Connection
from typing import Any

from tricircle.sim import SimCloud
from tricircle.sim.identity import IdentityStore

PASSWORD = "bench"
SPREADS = {"one": 1, "ten": 10, "hundred": 100}
SERVERS = 1000
TOKEN_TTL = 24 * 3600.0
BIG = "big"
BIG_START = 1_767_225_600.0  # 2026-01-01


def seeded_identity() -> tuple[IdentityStore, dict[str, str]]:
    """Keystone's users and projects, and a token per project user (and admin)."""
    store = SimCloud(token_ttl=TOKEN_TTL, service_password="tricircle").identity
    tokens = {}
    for user in (*SPREADS, BIG, "admin"):
        if user != "admin":
            store.create_user(user, PASSWORD, project=user, roles=["member"])
        user_id = store.find_user(user, "default").id  # type: ignore[union-attr]
        project_id = store.find_project(user, "default").id  # type: ignore[union-attr]
        tokens[user] = store.issue(user_id, project_id, ["password"]).id
    return store, tokens


async def serve_pods(
    identity: IdentityStore, numbers: list[int], pod_count: int, big: int = 0
) -> tuple[SimCloud, dict[str, Any], list[tuple[str, int, str, str]]]:
    """Pods `numbers` (1-based) over a copy of `identity`; their endpoints and servers."""
    cloud = SimCloud("127.0.0.1", 0, boot_delay=0.0, token_ttl=TOKEN_TTL)
    for name in (f.name for f in fields(IdentityStore) if f.name != "base_url"):
        setattr(cloud.identity, name, getattr(identity, name))
    await cloud.start()
    pods = {n: await cloud.add_pod(f"pod{n}", f"az{n}") for n in numbers}
    for pod in pods.values():
        pod.add_flavor("m1.tiny", id="1")
    servers = []  # (project, n, pod name, server id)
    for project, spread in SPREADS.items():
        project_id = identity.find_project(project, "default").id  # type: ignore[union-attr]
        for n in range(SERVERS):
            pod = pods.get(n % min(spread, pod_count) + 1)
            if pod is not None:
                servers.append(
                    (project, n, pod.name, pod.add_server(f"{project}-{n}", project_id).id)
                )
    big_id = identity.find_project(BIG, "default").id  # type: ignore[union-attr]
    for n in range(big):
        pod = pods.get(n % pod_count + 1)
        if pod is not None:
            server = pod.add_server(f"{BIG}-{n}", big_id, created_at=BIG_START + n // 3)
            servers.append((BIG, n, pod.name, server.id))
    return cloud, {pod.name: pod.endpoints() for pod in pods.values()}, servers


async def _until_stopped(cloud: SimCloud, parent: int | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for number in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(number, stop.set)
    while not stop.is_set() and (parent is None or os.getppid() == parent):
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), 1.0)
    with contextlib.suppress(Exception):
        await cloud.stop()


def _helper(
    identity: IdentityStore, numbers: list[int], pod_count: int, big: int, pipe: Connection
) -> None:
    async def run() -> None:
        cloud, endpoints, servers = await serve_pods(identity, numbers, pod_count, big)
        pipe.send((endpoints, servers))
        await _until_stopped(cloud, parent)

    parent = os.getppid()

    _use_uvloop()
    asyncio.run(run())


async def run(
    args: argparse.Namespace,
    identity: IdentityStore,
    tokens: dict[str, str],
    numbers: list[int],
    pipes: list[Connection],
) -> None:
    cloud, endpoints, servers = await serve_pods(identity, numbers, args.pods, args.big)
    loop = asyncio.get_running_loop()
    for pipe in pipes:
        more_endpoints, more_servers = await loop.run_in_executor(None, pipe.recv)
        endpoints.update(more_endpoints)
        servers += more_servers
    for name, urls in endpoints.items():  # the catalog names every pod, wherever it runs
        cloud.set_region_endpoints(name, urls)
    servers.sort(key=lambda s: (s[0], s[1]))
    by_project: dict[str, list[tuple[str, str]]] = {p: [] for p in (*SPREADS, BIG)}
    for project, _n, pod_name, server_id in servers:
        by_project[project].append((pod_name, server_id))
    with open(args.out, "w") as out:
        json.dump(
            {
                "identity_url": cloud.identity_url,
                "pods": dict(sorted(endpoints.items(), key=lambda e: int(e[0][3:]))),
                "projects": {p: identity.find_project(p, "default").id for p in (*SPREADS, BIG)},  # type: ignore[union-attr]
                "servers": by_project,
                "tokens": tokens,
            },
            out,
        )
    await _until_stopped(cloud)


def _use_uvloop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--pods", type=int, default=100)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--out", required=True)
    parser.add_argument("--big", type=int, default=0, help="servers of project big")
    args = parser.parse_args()
    identity, tokens = seeded_identity()
    deal = [list(range(1 + k, args.pods + 1, args.processes)) for k in range(args.processes)]
    fork = multiprocessing.get_context("fork")  # before any event loop exists
    pipes = []
    for numbers in deal[1:]:
        mine, theirs = fork.Pipe()
        helper = fork.Process(
            target=_helper, args=(identity, numbers, args.pods, args.big, theirs), daemon=True
        )
        helper.start()
        theirs.close()
        pipes.append(mine)
    _use_uvloop()
    asyncio.run(run(args, identity, tokens, deal[0], pipes))


if __name__ == "__main__":
    main()

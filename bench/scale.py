"""The scale benchmark, one command: ``.venv/bin/python -m bench.scale``.

Project ``big`` holds --servers servers (1,000,000 by default) dealt over 100
simulated pods in 2 processes (bench/sim_fleet.py); their routes, with the sort
values and the per-pod counts the gateway keeps, are written straight into one
gateway's SQLite. Then, through the gateway: first pages and deep pages at random
markers (``GET /servers/detail?limit=1000``, Nova's default order) at 1, 10 and 50
concurrent clients, every page checked against the ids that must follow its marker;
uncached routed ``GET /servers/{id}`` against the same call straight to the pod; the
same 1,000 servers listed over 1, 10 and 100 pods against one pod holding them all;
the gateway's CPU time per page and its RSS. Prints a Markdown report; every process
it starts is stopped again.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from bench.run import (
    PYTHON,
    TRICIRCLE,
    Processes,
    cpu_seconds,
    free_port,
    http,
    machine,
    rss_mb,
    start_gateway,
    wait_until,
    write_config,
)
from bench.sim_fleet import BIG, BIG_START, SPREADS
from tricircle.sim.http import isotime

PAGE = 1000
CONCURRENCY = (1, 10, 50)


# -- set-up ---------------------------------------------------------------------------------


def route_all(database: Path, fleet: dict[str, Any], pod_ids: dict[str, str]) -> None:
    """Every server's route with its sort values, as the gateway writes them, and the counts."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")

    def rows() -> Any:
        for project, servers in fleet["servers"].items():
            project_id = fleet["projects"][project]
            for n, (pod, server_id) in enumerate(servers):
                created = isotime(BIG_START + n // 3) if project == BIG else None
                name = f"{project}-{n}"
                yield (project_id, "server", server_id, pod_ids[pod], server_id, now, now,
                       created, name)  # fmt: skip

    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.executemany(
            "INSERT INTO routing_entries (project_id, resource_type, top_id, pod_id, bottom_id,"
            " created_at, updated_at, sort_created, sort_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows(),
        )
        db.execute(
            "INSERT INTO routing_counts (project_id, resource_type, pod_id, entries)"
            " SELECT project_id, resource_type, pod_id, COUNT(*) FROM routing_entries"
            " GROUP BY project_id, resource_type, pod_id"
        )


def big_order(fleet: dict[str, Any], pod_ids: dict[str, str]) -> list[str]:
    """Project big's servers in the gateway's order for Nova's default sort: created
    descending, equal seconds by the gateway's pod id, then the pod's own order (Nova's
    tail: id descending, the order they were made in a pod)."""
    servers = fleet["servers"][BIG]
    places = sorted(
        (-(n // 3), pod_ids[pod], -n, server_id) for n, (pod, server_id) in enumerate(servers)
    )
    return [place[3] for place in places]


# -- the measurements -----------------------------------------------------------------------


def _ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50": statistics.median(ordered) * 1000,
        "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000,
    }


class Pages:
    """Pages of project big through the gateway, each checked against the order."""

    def __init__(self, base: str, token: str, truth: list[str], gateway_pid: int) -> None:
        self.url = f"{base}/compute/v2.1/servers/detail"
        # from 2.69 a pod that misses list_timeout shows as UNKNOWN records in its places,
        # so every page must still hold exactly the ids that follow its marker
        self.headers = {"X-Auth-Token": token, "OpenStack-API-Version": "compute 2.69"}
        self.truth = truth
        self.place = {server_id: i for i, server_id in enumerate(truth)}
        self.pid = gateway_pid
        self.wrong = 0
        self.unknown = 0

    async def one(self, http_session: aiohttp.ClientSession, marker: str | None) -> float:
        params = {"limit": str(PAGE)}
        if marker is not None:
            params["marker"] = marker
        start = time.perf_counter()
        async with http_session.get(self.url, params=params, headers=self.headers) as answer:
            body = await answer.read()
            status = answer.status
        took = time.perf_counter() - start
        first = 0 if marker is None else self.place[marker] + 1
        expected = self.truth[first : first + PAGE]
        servers = json.loads(body)["servers"] if status == 200 else []
        if status != 200 or [s["id"] for s in servers] != expected:
            self.wrong += 1
        self.unknown += sum(s.get("status") == "UNKNOWN" for s in servers)
        return took

    async def run(self, clients: int, pages: int, deep: bool, seed: int) -> dict[str, float]:
        rng = random.Random(seed)
        markers = [
            self.truth[rng.randrange(len(self.truth) - PAGE - 1)] if deep else None
            for _ in range(pages)
        ]
        queue = list(markers)
        samples: list[float] = []
        wrong_before, unknown_before = self.wrong, self.unknown
        connector = aiohttp.TCPConnector(limit=clients)
        cpu_before = cpu_seconds([self.pid])
        began = time.perf_counter()
        async with aiohttp.ClientSession(connector=connector) as http_session:

            async def client() -> None:
                while queue:
                    samples.append(await self.one(http_session, queue.pop()))

            await asyncio.gather(*(client() for _ in range(clients)))
        elapsed = time.perf_counter() - began
        cpu = cpu_seconds([self.pid]) - cpu_before
        return {
            **_ms(samples),
            "pages": pages,
            "wrong": self.wrong - wrong_before,
            "unknown": self.unknown - unknown_before,
            "pages_per_s": pages / elapsed,
            "cpu_ms_per_page": cpu * 1000 / pages,
        }


async def timed_gets(urls: list[str], token: str) -> dict[str, float]:
    samples = []
    async with aiohttp.ClientSession() as http_session:
        for url in urls:
            start = time.perf_counter()
            async with http_session.get(url, headers={"X-Auth-Token": token}) as answer:
                await answer.read()
                assert answer.status == 200, url
            samples.append(time.perf_counter() - start)
    return _ms(samples)


async def measure(
    args: argparse.Namespace,
    base: str,
    fleet: dict[str, Any],
    truth: list[str],
    gateway_pid: int,
) -> dict[str, Any]:
    tokens = fleet["tokens"]
    pages = Pages(base, tokens[BIG], truth, gateway_pid)
    await pages.run(1, 3, deep=True, seed=0)  # warm-up: pools, token cache, pod snapshot
    paging: dict[str, dict[int, dict[str, float]]] = {"first": {}, "deep": {}}
    for clients in CONCURRENCY:
        count = max(args.pages, 2 * clients)
        for kind in paging:
            paging[kind][clients] = await pages.run(clients, count, kind == "deep", clients)

    rng = random.Random(1)
    picks = rng.sample(range(len(fleet["servers"][BIG])), args.gets)
    servers = [fleet["servers"][BIG][i] for i in picks]
    routed = await timed_gets(
        [f"{base}/compute/v2.1/servers/{server_id}" for _pod, server_id in servers], tokens[BIG]
    )
    direct = await timed_gets(
        [f"{fleet['pods'][pod]['compute']}/servers/{server_id}" for pod, server_id in servers],
        tokens[BIG],
    )

    spread_lists = {}
    for project, spread in SPREADS.items():
        url = f"{base}/compute/v2.1/servers/detail?limit=1000"
        await timed_gets([url], tokens[project])
        spread_lists[spread] = await timed_gets([url] * args.lists, tokens[project])
    pod_name = fleet["servers"]["one"][0][0]
    one_pod = f"{fleet['pods'][pod_name]['compute']}/servers/detail?limit=1000"
    await timed_gets([one_pod], tokens["one"])
    direct_list = await timed_gets([one_pod] * args.lists, tokens["one"])
    return {
        "paging": paging,
        "routed_get": routed,
        "direct_get": direct,
        "lists": spread_lists,
        "list_direct": direct_list,
        "rss_mb": rss_mb(gateway_pid),
    }


def run(args: argparse.Namespace, workdir: Path, procs: Processes) -> dict[str, Any]:
    fleet_file = workdir / "fleet.json"
    began = time.monotonic()
    procs.start(
        "sim", PYTHON, "-m", "bench.sim_fleet", "--pods", "100", "--processes", "2",
        "--big", str(args.servers), "--out", str(fleet_file),
    )  # fmt: skip
    wait_until(lambda: json.loads(fleet_file.read_text()), "the simulator", 1800)
    seeded = time.monotonic() - began
    fleet = json.loads(fleet_file.read_text())
    database = workdir / "gateway.sqlite"
    port = free_port()
    config = write_config(workdir, database, fleet["identity_url"], port)
    subprocess.run([TRICIRCLE, "--config-file", str(config), "db", "upgrade"], check=True)
    gateway = start_gateway(procs, config, port)
    base = f"http://127.0.0.1:{port}"
    pod_ids = {}
    for name in fleet["pods"]:
        status, body, _ = http(
            "POST", f"{base}/v1.0/pods",
            {"pod": {"name": name, "region_name": name, "az_name": f"az-{name}"}},
            fleet["tokens"]["admin"],
        )  # fmt: skip
        assert status == 201, body
        pod_ids[name] = body["pod"]["id"]
    began = time.monotonic()
    route_all(database, fleet, pod_ids)
    routed_in = time.monotonic() - began
    truth = big_order(fleet, pod_ids)
    figures = asyncio.run(measure(args, base, fleet, truth, gateway.pid))
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "servers": args.servers,
        "seeded_s": seeded,
        "routed_s": routed_in,
        **figures,
    }


def versions() -> dict[str, str]:
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {"python": sys.version.split()[0], "aiohttp": aiohttp.__version__, "commit": commit}


def report(result: dict[str, Any]) -> str:
    paging = result["paging"]
    lines = [
        f"Run {result['date']} on {result['machine']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()) + ".",
        f"{result['servers']:,} servers of one project over 100 pods in 2 simulator processes "
        f"(seeded in {result['seeded_s']:.0f} s; their routes written in "
        f"{result['routed_s']:.0f} s); one gateway process on SQLite, default settings.",
        "",
        "| `GET /servers/detail?limit=1000` (2.69) | clients | pages | wrong pages | UNKNOWN "
        "records | p50 ms | p99 ms | pages/s | gateway CPU ms per page |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for kind, label in (("first", "first page"), ("deep", "deep page, random marker")):
        for clients, f in paging[kind].items():
            lines.append(
                f"| {label} | {clients} | {f['pages']} | {f['wrong']} | {f['unknown']} | "
                f"{f['p50']:.0f} | "
                f"{f['p99']:.0f} | {f['pages_per_s']:.1f} | {f['cpu_ms_per_page']:.1f} |"
            )
    routed, direct = result["routed_get"], result["direct_get"]
    lines += [
        "",
        "| uncached `GET /servers/{id}` (1 client, distinct ids) | p50 ms | p99 ms |",
        "|---|---:|---:|",
        f"| baseline: direct to the pod | {direct['p50']:.2f} | {direct['p99']:.2f} |",
        f"| gateway (routed) | {routed['p50']:.2f} | {routed['p99']:.2f} |",
        "",
        "| the same 1,000 servers, `GET /servers/detail?limit=1000`, 1 client | p50 ms | "
        "ratio to the baseline |",
        "|---|---:|---:|",
        f"| baseline: direct to the one pod | {result['list_direct']['p50']:.1f} | 1.00 |",
    ]
    for spread, f in result["lists"].items():
        ratio = f["p50"] / result["list_direct"]["p50"]
        lines.append(f"| over {spread} pod{'s' if spread > 1 else ''} | {f['p50']:.1f} | "
                     f"{ratio:.2f} |")  # fmt: skip
    deep_vs_first = {c: paging["deep"][c]["p50"] / paging["first"][c]["p50"] for c in CONCURRENCY}
    lines += [
        "",
        f"Gateway RSS after the run: {result['rss_mb']:.0f} MB.",
        "",
        "Deep page p50 / first page p50: "
        + ", ".join(
            f"{r:.2f} at {c} client{'s' if c > 1 else ''}" for c, r in deep_vs_first.items()
        )
        + f"; routed GET adds {routed['p50'] - direct['p50']:+.2f} ms p50.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--servers", type=int, default=1_000_000, help="of project big")
    parser.add_argument("--pages", type=int, default=30, help="per kind and concurrency")
    parser.add_argument("--gets", type=int, default=300, help="distinct routed GETs")
    parser.add_argument("--lists", type=int, default=20, help="lists per spread")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="tricircle-scale-"))
    procs = Processes(workdir)
    try:
        result = run(args, workdir, procs)
    finally:
        procs.stop_all()
    print(report(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    sys.exit(1 if any(f["wrong"] for by in result["paging"].values() for f in by.values()) else 0)


if __name__ == "__main__":
    main()

"""The gateway benchmark, one command: ``.venv/bin/python -m bench.run``.

Starts a simulator process (100 pods, 3,000 servers), one gateway process (uvloop,
SQLite) and nginx (proxy_pass to one pod), drives them with wrk, and prints a
Markdown report; every process it starts is stopped again. Figures are medians
of --rounds rounds; ratios are to baselines measured in the same run.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import re
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench.sim_fleet import SPREADS

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
TRICIRCLE = str(Path(PYTHON).parent / "tricircle")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def http(method: str, url: str, body: Any = None, token: str = "") -> tuple[int, Any, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("X-Auth-Token", token)
    try:
        with urllib.request.urlopen(request, timeout=60) as answer:
            return answer.status, json.loads(answer.read() or b"null"), answer.headers
    except urllib.error.HTTPError as error:
        return error.code, error.read(), error.headers


def wait_until(check: Any, what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError, ValueError):
            if check():
                return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not come up")


class Processes:
    """Every process the benchmark starts, stopped again whatever happens."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self._running: list[subprocess.Popen[bytes]] = []

    def start(self, name: str, *command: str) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed with the process
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
        self._running.append(process)
        return process

    def stop(self, process: subprocess.Popen[bytes]) -> None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        self._running.remove(process)

    def stop_all(self) -> None:
        for process in reversed(list(self._running)):
            self.stop(process)


# -- wrk ------------------------------------------------------------------------------------

_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _ms(text: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", text).groups()  # type: ignore[union-attr]
    return float(number) * _UNITS[unit]


def cpu_seconds(pids: list[int]) -> float:
    """User plus system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def with_children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [pid, *map(int, children)]


def wrk(
    url: str,
    token: str,
    connections: int,
    seconds: int,
    *,
    cpu_of: dict[str, list[int]] | None = None,
) -> dict[str, float]:
    """wrk's figures; with `cpu_of` (name -> pids), their CPU ms per request too."""
    threads = min(connections, 2)
    before = {name: cpu_seconds(pids) for name, pids in (cpu_of or {}).items()}
    out = subprocess.run(
        ["wrk", f"-t{threads}", f"-c{connections}", f"-d{seconds}s", "--latency",
         "-H", f"X-Auth-Token: {token}", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    if "Non-2xx" in out or "Latency Distribution" not in out:
        raise RuntimeError(f"errors from {url}:\n{out}")
    latency = dict(re.findall(r"^ +(50|99)% +(\S+)", out, re.MULTILINE))
    if set(latency) != {"50", "99"}:
        raise RuntimeError(f"unexpected wrk output:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    figures = {"rps": rps, "p50": _ms(latency["50"]), "p99": _ms(latency["99"])}
    for name, pids in (cpu_of or {}).items():
        figures[f"cpu_ms_{name}"] = (cpu_seconds(pids) - before[name]) * 1000 / done
    return figures


def median_of(rounds: list[dict[str, float]]) -> dict[str, float]:
    return {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}


# -- set-up ---------------------------------------------------------------------------------


def write_config(workdir: Path, database: Path, identity_url: str, port: int) -> Path:
    path = workdir / "tricircle.conf"
    path.write_text(
        f"[gateway]\nhost = 127.0.0.1\nport = {port}\n"
        f"[database]\nconnection = sqlite:///{database}\n"
        f"[identity]\nauth_url = {identity_url}\nusername = tricircle\npassword = tricircle\n"
        "region_name = CentralRegion\n"
    )
    return path


def start_gateway(procs: Processes, config: Path, port: int) -> subprocess.Popen[bytes]:
    gateway = procs.start("gateway", TRICIRCLE, "--config-file", str(config), "gateway")
    root = f"http://127.0.0.1:{port}/compute/"
    wait_until(lambda: http("GET", root)[0] == 200, "the gateway")
    return gateway


def start_nginx(procs: Processes, workdir: Path, upstream: str) -> tuple[int, Path]:
    port = free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\npid {workdir}/nginx.pid;\nerror_log {workdir}/nginx-error.log;\n"
        "events { worker_connections 4096; }\n"
        "http {\n  access_log off;\n"
        f"  upstream pod {{ server {upstream}; keepalive 64; }}\n"
        f"  server {{\n    listen 127.0.0.1:{port};\n    location / {{\n"
        "      proxy_pass http://pod;\n      proxy_http_version 1.1;\n"
        '      proxy_set_header Connection "";\n    }\n  }\n}\n'
    )
    procs.start("nginx", "nginx", "-p", str(workdir), "-c", str(conf), "-g", "daemon off;")
    wait_until(lambda: socket.create_connection(("127.0.0.1", port), 1).close() is None, "nginx")
    return port, conf


def route_servers(database: Path, fleet: dict[str, Any], pod_ids: dict[str, str]) -> None:
    rows = [
        (fleet["projects"][project], "server", server_id, pod_ids[pod], server_id)
        for project, servers in fleet["servers"].items()
        for pod, server_id in servers
    ]
    insert_routes(database, rows)


def insert_routes(database: Path, rows: Any) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None).isoformat(sep=" ")
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        db.executemany(
            "INSERT INTO routing_entries (project_id, resource_type, top_id, pod_id, bottom_id,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            ((*row, now, now) for row in rows),
        )
        db.execute(  # the counts the gateway keeps with its entries
            "INSERT OR REPLACE INTO routing_counts (project_id, resource_type, pod_id, entries)"
            " SELECT project_id, resource_type, pod_id, COUNT(*) FROM routing_entries"
            " GROUP BY project_id, resource_type, pod_id"
        )


def add_pods(database: Path, count: int, like: str) -> list[str]:
    """`count` more pods rows, copies of pod `like` under new names (for the memory figure)."""
    with contextlib.closing(sqlite3.connect(database)) as db, db:
        endpoints, capabilities = db.execute(
            "SELECT endpoints, capabilities FROM pods WHERE id = ?", (like,)
        ).fetchone()
        ids = [str(uuid.uuid4()) for _ in range(count)]
        db.executemany(
            "INSERT INTO pods (id, name, region_name, az_name, state, endpoints, capabilities,"
            " created_at, updated_at) VALUES (?, ?, ?, ?, 'up', ?, ?, ?, ?)",
            (
                (i, f"extra-{n}", f"extra-{n}", f"extra-az{n % 10}", endpoints, capabilities,
                 "2026-01-01 00:00:00", "2026-01-01 00:00:00")
                for n, i in enumerate(ids)
            ),
        )  # fmt: skip
    return ids


def million_routes(pod_ids: list[str]) -> Iterator[tuple[str, str, str, str, str]]:
    for n in range(1_000_000):
        server_id = str(uuid.UUID(int=n + (1 << 120)))
        yield (f"project-{n % 5000}", "server", server_id, pod_ids[n % len(pod_ids)], server_id)


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


# -- the run --------------------------------------------------------------------------------


def versions() -> dict[str, str]:
    def first_line(*command: str) -> str:
        done = subprocess.run(command, capture_output=True, text=True)
        return (done.stdout or done.stderr).strip().splitlines()[0]

    import aiohttp

    return {
        "python": platform.python_version(),
        "aiohttp": aiohttp.__version__,
        "nginx": first_line("nginx", "-v"),
        "wrk": first_line("wrk", "-v"),
        "commit": first_line("git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"),
    }


def machine() -> str:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
    return f"{os.cpu_count()} cores, {cpu}, {memory // 1024 // 1024} GB, {platform.platform()}"


def run(args: argparse.Namespace, workdir: Path, procs: Processes) -> dict[str, Any]:
    fleet_file = workdir / "fleet.json"
    sim = procs.start(
        "sim", PYTHON, "-m", "bench.sim_fleet", "--pods", "100",
        "--processes", str(args.sim_processes), "--out", str(fleet_file),
    )  # fmt: skip
    wait_until(lambda: json.loads(fleet_file.read_text()), "the simulator", 300)
    fleet = json.loads(fleet_file.read_text())
    # tokens issued up front: the pods of every simulator process know them
    tokens = fleet["tokens"]
    identity = fleet["identity_url"]
    database = workdir / "gateway.sqlite"
    port = free_port()
    config = write_config(workdir, database, identity, port)
    subprocess.run([TRICIRCLE, "--config-file", str(config), "db", "upgrade"], check=True)
    gateway = start_gateway(procs, config, port)
    base = f"http://127.0.0.1:{port}"
    admin = tokens["admin"]
    pod_ids = {}
    for name in fleet["pods"]:
        status, body, _ = http(
            "POST", f"{base}/v1.0/pods", {"pod": {"name": name, "region_name": name,
                                                  "az_name": f"az-{name}"}}, admin,
        )  # fmt: skip
        assert status == 201, body
        pod_ids[name] = body["pod"]["id"]
    route_servers(database, fleet, pod_ids)
    cpu_of = {"gateway": [gateway.pid], "sim": with_children(sim.pid)}

    pod_name, server_id = fleet["servers"]["one"][0]
    pod_compute = fleet["pods"][pod_name]["compute"]
    nginx_port, _ = start_nginx(procs, workdir, pod_compute.split("/")[2])
    path = pod_compute.split("/", 3)[3]
    targets = {
        "direct to the pod": f"{pod_compute}/servers/{server_id}",
        "nginx proxy_pass": f"http://127.0.0.1:{nginx_port}/{path}/servers/{server_id}",
        "gateway (routed)": f"{base}/compute/v2.1/servers/{server_id}",
    }
    lists = {
        spread: f"{base}/compute/v2.1/servers/detail?limit=1000" for spread in SPREADS.values()
    }
    routed: dict[str, dict[int, list[dict[str, float]]]] = {t: {32: [], 1: []} for t in targets}
    listed: dict[int, list[dict[str, float]]] = {spread: [] for spread in lists}
    # the baseline: the same 1,000 servers straight from the one pod that holds them
    direct_list = f"{pod_compute}/servers/detail?limit=1000"
    listed_direct: list[dict[str, float]] = []
    token = tokens["one"]
    for url in targets.values():  # warm-up: connections, token cache, route cache
        wrk(url, token, 32, 1)
    for project, spread in SPREADS.items():
        wrk(lists[spread], tokens[project], 1, 1)
    for _ in range(args.rounds):
        for name, url in targets.items():
            for connections in (32, 1):
                routed[name][connections].append(
                    wrk(url, token, connections, args.seconds, cpu_of=cpu_of)
                )
        for project, spread in SPREADS.items():
            listed[spread].append(
                wrk(lists[spread], tokens[project], 1, args.seconds, cpu_of=cpu_of)
            )
        listed_direct.append(wrk(direct_list, token, 1, args.seconds, cpu_of=cpu_of))

    procs.stop(gateway)
    more = add_pods(database, 1000 - len(pod_ids), pod_ids[pod_name])
    insert_routes(database, million_routes([*pod_ids.values(), *more]))
    gateway = start_gateway(procs, config, port)
    for project, spread in SPREADS.items():  # load the directory, pools, token cache
        wrk(lists[spread], tokens[project], 4, 2)
    wrk(targets["gateway (routed)"], token, 32, 2)
    memory = rss_mb(gateway.pid)
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "versions": versions(),
        "rounds": args.rounds,
        "seconds": args.seconds,
        "sim_processes": args.sim_processes,
        "routed": {t: {c: median_of(r) for c, r in by.items()} for t, by in routed.items()},
        "lists": {spread: median_of(r) for spread, r in listed.items()},
        "list_direct": median_of(listed_direct),
        "rss_mb": memory,
    }


def report(result: dict[str, Any]) -> str:
    routed = result["routed"]
    direct, nginx, gateway = (routed[t] for t in routed)
    lines = [
        f"Run {result['date']} on {result['machine']}.",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in result["versions"].items()) + ".",
        f"Medians of {result['rounds']} rounds of {result['seconds']} s each; the 100 pods "
        f"run in {result['sim_processes']} simulator processes. CPU ms are per request, "
        "the process's user + system time over the run divided by the requests served.",
        "",
        "| `GET /servers/{id}` | req/s (32 conn) | p50 ms | p99 ms | share of nginx | "
        "p50 ms (1 conn) | added p50 ms vs direct (1 conn) | gateway CPU ms (1 conn) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, figures in routed.items():
        many, one = figures[32], figures[1]
        lines.append(
            f"| {name} | {many['rps']:,.0f} | {many['p50']:.2f} | {many['p99']:.2f} | "
            f"{many['rps'] / nginx[32]['rps']:.0%} | {one['p50']:.3f} | "
            f"{one['p50'] - direct[1]['p50']:+.3f} | {one['cpu_ms_gateway']:.3f} |"
        )
    lines += [
        "",
        "| `GET /servers/detail?limit=1000` (1,000 servers, 1 conn) | p50 ms | p99 ms | req/s "
        "| gateway CPU ms | simulator CPU ms |",
        "|---|---:|---:|---:|---:|---:|",
        f"| baseline: direct to the one pod | {result['list_direct']['p50']:.1f} | "
        f"{result['list_direct']['p99']:.1f} | {result['list_direct']['rps']:,.1f} | - | "
        f"{result['list_direct']['cpu_ms_sim']:.1f} |",
    ]
    for spread, figures in result["lists"].items():
        lines.append(
            f"| over {spread} pod{'s' if spread > 1 else ''} | {figures['p50']:.1f} | "
            f"{figures['p99']:.1f} | {figures['rps']:,.1f} | {figures['cpu_ms_gateway']:.1f} | "
            f"{figures['cpu_ms_sim']:.1f} |"
        )
    lines += [
        "",
        f"RSS of one gateway process with 1,000 pods and 1,000,000 routing entries, "
        f"after serving: {result['rss_mb']:.0f} MB.",
        "",
        f"Targets: routed ≥ 15 % of nginx → {gateway[32]['rps'] / nginx[32]['rps']:.0%}; "
        f"added p50 ≤ 1 ms → {gateway[1]['p50'] - direct[1]['p50']:.3f} ms; "
        f"100-pod list p50 ≤ 30 ms → {result['lists'][100]['p50']:.1f} ms; "
        f"RSS ≤ 200 MB → {result['rss_mb']:.0f} MB.",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--sim-processes", type=int, default=2, help="to spread the pods over")
    parser.add_argument("--json", help="also write the figures here")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if shutil.which(tool) is None:
            sys.exit(f"{tool} is missing: apt-get install -y nginx wrk")
    workdir = Path(tempfile.mkdtemp(prefix="tricircle-bench-"))
    procs = Processes(workdir)
    try:
        result = run(args, workdir, procs)
    finally:
        procs.stop_all()
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))
    print(report(result))
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()

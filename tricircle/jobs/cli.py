"""``tricircle worker`` (run jobs) and ``tricircle job`` (look at and steer them through
the admin API)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import aiohttp
from aiohttp import web

from tricircle.config import load_config
from tricircle.db.engine import Database
from tricircle.jobs import options
from tricircle.jobs.metrics import metrics_view
from tricircle.jobs.registry import load_modules, registry
from tricircle.jobs.runtime import register_builtin
from tricircle.jobs.worker import Worker

LOG = logging.getLogger(__name__)


def _worker_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tricircle worker", description="Run durable jobs.")
    # No secret is taken as an argument (the process list shows arguments to every user): the
    # database URL comes from [database] connection or OS_DATABASE__CONNECTION.
    parser.add_argument("--config-file", action="append", default=[], help="tricircle.conf")
    parser.add_argument("--handlers", action="append", default=[], help="extra handler module")
    parser.add_argument("--concurrency", type=int, help="overrides [jobs] concurrency")
    parser.add_argument("--lease", type=float, help="overrides [jobs] lease")
    parser.add_argument("--poll-interval", type=float, help="overrides [jobs] poll_interval")
    parser.add_argument("--shutdown-timeout", type=float, help="overrides [jobs] shutdown_timeout")
    parser.add_argument("--name", help="worker name in leases and the attempt log")
    parser.add_argument("--metrics-port", type=int, help="serve /metrics on this port")
    return parser


async def _serve_metrics(host: str, port: int) -> web.AppRunner:
    app = web.Application()
    app.router.add_get("/metrics", metrics_view)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner


async def _run_worker(args: argparse.Namespace) -> None:
    conf = load_config(args.config_file)
    settings = options.worker_settings(conf)
    for field in ("concurrency", "lease", "poll_interval", "shutdown_timeout"):
        if getattr(args, field) is not None:
            setattr(settings, field, getattr(args, field))
    # [jobs] handler_modules and --handlers name the modules whose handlers run here,
    # beside Tricircle's own reconcile and cleanup jobs.
    load_modules([*conf.jobs.handler_modules, *args.handlers])
    db = Database(conf.database.connection)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    metrics_port = args.metrics_port or conf.jobs.metrics_port
    runner = await _serve_metrics(conf.jobs.metrics_host, metrics_port) if metrics_port else None
    http = aiohttp.ClientSession()
    inventory = register_builtin(conf, db, registry, http)
    worker = Worker(db, registry, settings, name=args.name, services={"inventory": inventory})
    try:
        await worker.start()
        LOG.info("worker %s runs %s on %s", worker.name, ", ".join(registry.types), db.backend)
        await stop.wait()
        LOG.info("worker %s stopping", worker.name)
        await worker.stop()
    finally:
        if runner is not None:
            await runner.cleanup()
        await http.close()
        await db.dispose()


def worker_main(argv: list[str]) -> int:
    args = _worker_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_run_worker(args))
    return 0


def _job_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tricircle job", description="Look at and steer jobs.")
    parser.add_argument(
        "--url",
        default=os.environ.get("TRICIRCLE_URL", "http://127.0.0.1:19999"),
        help="the gateway (env TRICIRCLE_URL)",
    )
    # The token is no argument (the process list would show it): OS_TOKEN, or one is got
    # with the OS_* password variables.
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="list jobs, newest first")
    for name in ("type", "status", "project", "resource-type", "resource-id", "marker"):
        listing.add_argument(f"--{name}")
    listing.add_argument("--limit", type=int)
    listing.add_argument("--json", action="store_true", help="print the raw answer")
    for action, text in (("show", "a job and its attempt log"), ("redo", "re-queue a failed job"),
                         ("delete", "delete a waiting or failed job")):  # fmt: skip
        actions.add_parser(action, help=text).add_argument("job_id")
    return parser


def _keystone_token() -> str:
    from keystoneauth1 import session
    from keystoneauth1.identity import v3

    env = os.environ
    auth = v3.Password(
        auth_url=env["OS_AUTH_URL"],
        username=env["OS_USERNAME"],
        password=env["OS_PASSWORD"],
        project_name=env.get("OS_PROJECT_NAME", "admin"),
        user_domain_name=env.get("OS_USER_DOMAIN_NAME", "Default"),
        project_domain_name=env.get("OS_PROJECT_DOMAIN_NAME", "Default"),
    )
    return session.Session(auth=auth).get_token()


def _call(args: argparse.Namespace, method: str, path: str, query: dict[str, str]) -> Any:
    url = f"{args.url.rstrip('/')}/v1.0{path}"
    if query:
        url += "?" + urllib.parse.urlencode(query)
    token = os.environ.get("OS_TOKEN") or _keystone_token()
    headers = {"X-Auth-Token": token, "Accept": "application/json"}
    request = urllib.request.Request(url, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        error = json.loads(exc.read() or b"{}").get("error", {})
        raise SystemExit(f"error {exc.code}: {error.get('message', exc.reason)}") from None
    return json.loads(raw) if raw else None


def _table(jobs: list[dict[str, Any]]) -> str:
    columns = ("id", "type", "resource_type", "resource_id", "status", "attempts", "updated_at")
    rows = [columns, *([str(job[c]) for c in columns] for job in jobs)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)) for row in rows
    )


def job_main(argv: list[str]) -> int:
    args = _job_parser().parse_args(argv)
    if args.action == "list":
        names = {"type": "type", "status": "status", "project": "project_id",
                 "resource_type": "resource_type", "resource_id": "resource_id",
                 "marker": "marker", "limit": "limit"}  # fmt: skip
        query = {key: str(getattr(args, n)) for n, key in names.items() if getattr(args, n)}
        answer = _call(args, "GET", "/jobs", query)
        print(json.dumps(answer, indent=2) if args.json else _table(answer["jobs"]))
        return 0
    method = {"show": "GET", "redo": "PUT", "delete": "DELETE"}[args.action]
    answer = _call(args, method, f"/jobs/{urllib.parse.quote(args.job_id)}", {})
    if answer is not None:
        print(json.dumps(answer["job"], indent=2))
    return 0


if __name__ == "__main__":  # python -m tricircle.jobs.cli worker|job ...
    commands = {"worker": worker_main, "job": job_main}
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(commands[sys.argv[1]](sys.argv[2:]))

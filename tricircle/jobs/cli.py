"""``tricircle worker`` (run jobs) and ``tricircle job`` (look at and steer them)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

from aiohttp import web

from tricircle.config import load_config
from tricircle.db.engine import Database
from tricircle.jobs import options
from tricircle.jobs.metrics import metrics_view
from tricircle.jobs.registry import load_modules, registry
from tricircle.jobs.worker import Worker

LOG = logging.getLogger(__name__)
# handlers that ship with Tricircle; [jobs] handler_modules and --handlers add more
BUILTIN_HANDLERS = ("tricircle.jobs.builtin",)


def _worker_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tricircle worker", description="Run durable jobs.")
    parser.add_argument("--config-file", action="append", default=[], help="tricircle.conf")
    parser.add_argument("--database-url", help="overrides [database] connection")
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
    load_modules([*BUILTIN_HANDLERS, *conf.jobs.handler_modules, *args.handlers])
    db = Database(args.database_url or conf.database.connection)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    metrics_port = args.metrics_port or conf.jobs.metrics_port
    runner = await _serve_metrics(conf.jobs.metrics_host, metrics_port) if metrics_port else None
    worker = Worker(db, registry, settings, name=args.name)
    try:
        await worker.start()
        LOG.info("worker %s runs %s on %s", worker.name, ", ".join(registry.types), db.backend)
        await stop.wait()
        LOG.info("worker %s stopping", worker.name)
        await worker.stop()
    finally:
        if runner is not None:
            await runner.cleanup()
        await db.dispose()


def worker_main(argv: list[str]) -> int:
    args = _worker_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(_run_worker(args))
    return 0


if __name__ == "__main__":  # python -m tricircle.jobs.cli worker|job ...
    commands = {"worker": worker_main}
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(commands[sys.argv[1]](sys.argv[2:]))

"""Running the gateway: one process per configured worker, sharing the port."""

from __future__ import annotations

import asyncio
import multiprocessing
import signal
import threading

from aiohttp import web
from oslo_config import cfg

from tricircle.gateway.app import create_app


def _run_one(conf: cfg.ConfigOpts, reuse_port: bool, number: int = 0) -> None:
    try:
        import uvloop

        asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    except ImportError:  # uvloop is optional (not on Windows)
        pass
    web.run_app(
        create_app(conf, process_number=number),
        host=conf.gateway.host,
        port=conf.gateway.port,
        reuse_port=reuse_port,
        access_log=None,
        print=None,
    )


def serve(conf: cfg.ConfigOpts) -> None:
    workers = conf.gateway.workers
    if workers == 1:
        _run_one(conf, reuse_port=False)
        return
    # Processes share nothing but the database; the kernel spreads connections (SO_REUSEPORT).
    processes = [
        multiprocessing.Process(target=_run_one, args=(conf, True, number), daemon=True)
        for number in range(workers)
    ]
    for process in processes:
        process.start()
    stop = threading.Event()
    for number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(number, lambda *_: stop.set())
    try:
        while not stop.wait(1.0) and all(p.is_alive() for p in processes):
            pass
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.join(10)

"""The ``tricircle`` command."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tricircle.config import load_config
from tricircle.observe.logs import setup_logging


def _configured(args: argparse.Namespace):
    return load_config(args.config_file or [])


def _gateway(args: argparse.Namespace) -> int:
    from tricircle.gateway.serve import serve

    conf = _configured(args)
    setup_logging(debug=args.debug, log_format=conf.gateway.log_format)
    serve(conf)
    return 0


def _db(args: argparse.Namespace) -> int:
    from tricircle.db import migrate

    conf = _configured(args)
    if args.action == "upgrade":
        migrate.upgrade(conf.database.connection, args.revision)
    else:
        migrate.current(conf.database.connection)
    return 0


def _demo(args: argparse.Namespace) -> int:
    from tricircle.demo import run_demo

    return asyncio.run(run_demo(args))


def _delegate(module: str, function: str):
    def run(args: argparse.Namespace) -> int:
        imported = __import__(module, fromlist=[function])
        return getattr(imported, function)(args.rest)

    return run


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="tricircle", description=__doc__)
    top.add_argument("--config-file", action="append", help="INI file(s), later ones win")
    top.add_argument("--debug", action="store_true")
    commands = top.add_subparsers(dest="command", required=True)

    commands.add_parser("gateway", help="run the API gateway").set_defaults(run=_gateway)

    db = commands.add_parser("db", help="database schema")
    db.add_argument("action", choices=["upgrade", "current"])
    db.add_argument("revision", nargs="?", default="head")
    db.set_defaults(run=_db)

    demo = commands.add_parser("demo", help="everything on this machine, with simulated pods")
    demo.add_argument("--dir", default="demo-data", help="where the demo keeps its files")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=19999, help="gateway port")
    demo.add_argument("--identity-port", type=int, default=15000)
    demo.add_argument("--metrics-port", type=int, help="Prometheus /metrics (gateway port + 1)")
    demo.add_argument("--boot-delay", type=float, default=2.0, help="seconds BUILD -> ACTIVE")
    demo.set_defaults(run=_demo)

    for name, module, function, text in (
        ("sim", "tricircle.sim.serve", "main", "run simulated pods"),
        ("worker", "tricircle.jobs.cli", "worker_main", "run a job worker"),
        ("job", "tricircle.jobs.cli", "job_main", "inspect and manage jobs"),
        ("quota", "tricircle.quota.cli", "main", "pods whose own quotas would refuse"),
    ):
        sub = commands.add_parser(name, help=text, add_help=False)
        sub.add_argument("rest", nargs=argparse.REMAINDER)
        sub.set_defaults(run=_delegate(module, function))
    return top


def main(argv: list[str] | None = None) -> int:
    args, rest = parser().parse_known_args(argv)
    if getattr(args, "rest", None) is not None:
        args.rest = rest + args.rest
    elif rest:
        parser().error(f"unrecognized arguments: {' '.join(rest)}")
    setup_logging(debug=args.debug)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

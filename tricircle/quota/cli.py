"""``tricircle quota check [--fix]``: the pods whose own quotas would refuse what the top
allows a project (exit status 1 when there is one); ``--fix`` sets them as the gateway
does when a project first lands in a pod."""

from __future__ import annotations

import argparse
import asyncio

import aiohttp

from tricircle.config import load_config
from tricircle.db.engine import Database
from tricircle.identity.service_auth import ServiceAuth
from tricircle.pods.client import PodClient
from tricircle.pods.health import PodHealth
from tricircle.quota.limits import LimitStore
from tricircle.quota.pod_quotas import PodQuotas
from tricircle.quota.refresh import holdings


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="tricircle quota", description=__doc__)
    parser.add_argument("--config-file", action="append", default=[], help="tricircle.conf")
    parser.add_argument("action", choices=["check"])
    parser.add_argument("--fix", action="store_true", help="set the refusing pods' quotas")
    return parser


async def _check(config_files: list[str], fix: bool) -> int:
    conf = load_config(config_files)
    db = Database(conf.database.connection)
    try:
        async with aiohttp.ClientSession() as http:
            pods = PodClient(http, PodHealth(), timeout=conf.pods.request_timeout)
            quotas = PodQuotas(conf, LimitStore(db, conf), pods, ServiceAuth(conf))
            found = await quotas.refusing()
            for refusing in found:
                print(
                    f"{refusing.pod}\t{refusing.project_id}\t{refusing.service}\t"
                    f"{refusing.resource}\tpod allows {refusing.pod_limit}, "
                    f"the top {refusing.top_limit}"
                )
            if fix:
                held = {pod.name: pod for pod, _ in (await holdings(db)).values()}
                for pod, service, project in sorted(
                    {(r.pod, r.service, r.project_id) for r in found}
                ):
                    await quotas.apply(held[pod], service, project)
    finally:
        await db.dispose()
    return 1 if found and not fix else 0


def main(argv: list[str]) -> int:
    args = _parser().parse_args(argv)
    return asyncio.run(_check(args.config_file, args.fix))

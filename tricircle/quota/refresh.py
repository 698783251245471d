"""Usage corrected from the pods' own counts: a periodic job asks each pod what every
project it holds uses there (Nova's ``/limits``, Cinder's quota usage) and replaces the
project's share of that pod, and rolls back the reservations of dead processes.

A pod that does not answer keeps its last known share: a down pod never frees quota.
"""

from __future__ import annotations

import logging
from typing import Any

from oslo_config import cfg
from sqlalchemy import select

from tricircle.db.engine import Database
from tricircle.db.models import Pod, RoutingCount
from tricircle.identity.service_auth import ServiceAuth
from tricircle.jobs.registry import JobContext, Registry
from tricircle.pods.catalog import endpoint_of
from tricircle.pods.client import PodClient, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.quota.engine import QuotaEngine
from tricircle.quota.models import QuotaUsage
from tricircle.quota.resources import COMPUTE, VOLUME

LOG = logging.getLogger(__name__)
JOB = "quota_usage"
# the routed types whose pods hold a project's usage
_HOLDING = ("server", "volume", "snapshot", "backup")
# Nova's /limits figures and the quotas they count
_NOVA_USED = {"totalInstancesUsed": "instances", "totalCoresUsed": "cores", "totalRAMUsed": "ram"}
HEADERS = {
    COMPUTE: {"OpenStack-API-Version": "compute 2.1", "X-OpenStack-Nova-API-Version": "2.1"},
    VOLUME: {"OpenStack-API-Version": "volume 3.0"},
}


class UsageRefresh:
    def __init__(self, engine: QuotaEngine, pods: PodClient, auth: ServiceAuth) -> None:
        self.engine, self.pods, self.auth = engine, pods, auth

    async def run(self) -> dict[str, Any]:
        findings = {"expired": await self.engine.expire(), "corrected": 0, "unanswered": 0}
        for pod, projects in (await holdings(self.engine.db)).values():
            for project_id in sorted(projects):
                for service in (COMPUTE, VOLUME):
                    if endpoint_of(pod, service) is None:
                        continue
                    seen = await self.engine.settled_version(service, project_id)
                    if seen is None:
                        continue  # a create under way: corrected next time
                    counts = await self.counts(pod, service, project_id)
                    if counts is None:
                        findings["unanswered"] += 1
                        continue
                    fixed = await self.engine.correct(service, project_id, pod.id, counts, seen)
                    findings["corrected"] += fixed
        return findings

    async def counts(self, pod: PodInfo, service: str, project_id: str) -> dict[str, int] | None:
        """What `project_id` uses in `pod` as the pod counts it; None when it cannot say."""
        if service == COMPUTE:
            path, params = "/limits", {"tenant_id": project_id}
        else:
            path, params = f"/os-quota-sets/{project_id}", {"usage": "true"}
        try:
            answer = await self.pods.request(
                pod,
                service,
                "GET",
                path,
                token=await self.auth.token(),
                headers=HEADERS[service],
                params=params,
            )
        except PodUnavailable as exc:
            LOG.info("usage of %s in pod %s not read: %s", project_id, pod.name, exc)
            return None
        if not answer.ok:
            LOG.info("usage of %s in pod %s: answered %s", project_id, pod.name, answer.status)
            return None
        body = answer.json()
        if service == COMPUTE:
            absolute = body["limits"]["absolute"]
            return {name: int(absolute.get(key, 0)) for key, name in _NOVA_USED.items()}
        return {
            name: int(value["in_use"])
            for name, value in body["quota_set"].items()
            if isinstance(value, dict) and "in_use" in value
        }


async def holdings(db: Database) -> dict[str, tuple[PodInfo, set[str]]]:
    """Each enabled pod by id, and the projects that hold something there."""
    async with db.session() as session:
        pods = {p.id: PodInfo.of(p) for p in await session.scalars(select(Pod))}
        routed = select(RoutingCount.pod_id, RoutingCount.project_id).where(
            RoutingCount.resource_type.in_(_HOLDING), RoutingCount.entries > 0
        )
        used = select(QuotaUsage.pod_id, QuotaUsage.project_id).where(QuotaUsage.in_use > 0)
        rows = [*(await session.execute(routed)).all(), *(await session.execute(used)).all()]
    found: dict[str, tuple[PodInfo, set[str]]] = {}
    for pod_id, project_id in rows:
        pod = pods.get(pod_id)
        if pod is not None and pod.enabled:
            found.setdefault(pod_id, (pod, set()))[1].add(project_id)
    return found


def register(
    handlers: Registry,
    conf: cfg.ConfigOpts,
    db: Database,
    pods: PodClient,
    auth: ServiceAuth,
) -> None:
    refresh = UsageRefresh(QuotaEngine(db, conf), pods, auth)

    async def run(_ctx: JobContext) -> dict[str, Any]:
        return await refresh.run()

    handlers.register(JOB, run, every=conf.quota.usage_refresh_interval)

"""The pods' own quotas: a pod must never refuse what the top allowed.

When a project first holds something in a pod, the gateway sets the project's quotas in
that pod (Nova's and Cinder's quota APIs, with the service token) as ``[quota]
pod_quotas`` says: unlimited (the top alone limits), or the project's limits at the top.
`refusing` finds every pod whose quotas for a project are below the top's, for the
operators' ``tricircle quota check``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from oslo_config import cfg

from tricircle.identity.service_auth import ServiceAuth
from tricircle.pods.catalog import endpoint_of
from tricircle.pods.client import PodClient, PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.quota.limits import LimitStore
from tricircle.quota.refresh import HEADERS, holdings
from tricircle.quota.resources import COMPUTE, VOLUME

LOG = logging.getLogger(__name__)
# what the top itself enforces: a pod need not (unlimited), or holds the top's limit
_AT_TOP = {
    COMPUTE: ("instances", "cores", "ram", "key_pairs", "server_groups"),
    VOLUME: ("volumes", "snapshots", "gigabytes", "backups", "backup_gigabytes"),
}
# what only the pods enforce (per server, per group, volume groups): they get the top's
# limit whatever the mode, so that an operator's limit at the top holds there
_IN_PODS = {COMPUTE: ("metadata_items", "server_group_members"), VOLUME: ("groups",)}


@dataclass(frozen=True)
class Refusing:
    """A pod that would refuse what the top allows the project."""

    pod: str
    project_id: str
    service: str
    resource: str
    pod_limit: int
    top_limit: int


class PodQuotas:
    def __init__(
        self, conf: cfg.ConfigOpts, limits: LimitStore, pods: PodClient, auth: ServiceAuth
    ) -> None:
        self.mode = conf.quota.pod_quotas
        self.limits, self.pods, self.auth = limits, pods, auth

    async def apply(self, pod: PodInfo, service: str, project_id: str) -> bool:
        """Sets the project's quotas in `pod`; False when the pod did not take them (logged:
        the pod's defaults then stand until the next landing)."""
        if self.mode == "leave" or endpoint_of(pod, service) is None:
            return False
        top = await self.limits.project(service, project_id)
        at_top = _AT_TOP[service] if self.mode == "unlimited" else ()
        wanted = {
            name: -1 if name in at_top else top[name]
            for name in (*_AT_TOP[service], *_IN_PODS[service])
        }
        try:
            answer = await self._call(pod, service, "PUT", project_id, {"quota_set": wanted})
        except PodUnavailable as exc:
            LOG.warning("quotas of %s not set in pod %s: %s", project_id, pod.name, exc)
            return False
        if not answer.ok:
            LOG.warning(
                "pod %s answered %s to the %s quotas of %s",
                pod.name,
                answer.status,
                service,
                project_id,
            )
        return answer.ok

    async def refusing(self) -> list[Refusing]:
        """Every pod limit, of every project a pod holds something of, below the top's."""
        found = []
        for pod, projects in (await holdings(self.limits.db)).values():
            for project_id in sorted(projects):
                for service in (COMPUTE, VOLUME):
                    if endpoint_of(pod, service) is None:
                        continue
                    answer = await self._call(pod, service, "GET", project_id)
                    if not answer.ok:
                        LOG.warning("pod %s showed no %s quotas", pod.name, service)
                        continue
                    in_pod = answer.json()["quota_set"]
                    top = await self.limits.project(service, project_id)
                    for name in (*_AT_TOP[service], *_IN_PODS[service]):
                        pod_limit = int(in_pod.get(name, -1))
                        if pod_limit != -1 and (top[name] == -1 or pod_limit < top[name]):
                            found.append(
                                Refusing(pod.name, project_id, service, name, pod_limit, top[name])
                            )
        return found

    async def _call(
        self, pod: PodInfo, service: str, method: str, project_id: str, json: Any = None
    ) -> PodResponse:
        return await self.pods.request(
            pod,
            service,
            method,
            f"/os-quota-sets/{project_id}",
            token=await self.auth.token(),
            headers=HEADERS[service],
            json=json,
        )

"""The central Neutron and the pods' Neutrons, as the gateway's service user reaches them.

Bottom copies are the gateway's work, not the tenant's: they are made with the service
user's (admin) token, in the tenant's project, through each Neutron's REST API only.
Used alike by the gateway (before a boot) and by the job worker (convergence).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
from oslo_config import cfg

from tricircle.identity.service_auth import ServiceAuth
from tricircle.kit.central import Central, configured
from tricircle.pods.client import PodClient, PodResponse
from tricircle.pods.directory import PodDirectory, PodInfo
from tricircle.pods.routing import RoutingTable


class NeutronRefused(Exception):
    """A Neutron answered a call of the gateway's own with an error it cannot retry."""

    def __init__(self, where: str, what: str, answer: PodResponse) -> None:
        super().__init__(f"{where} refused to {what}: {answer.status} {answer.body[:300]!r}")
        self.where = where
        self.answer = answer


@dataclass(frozen=True)
class Neutrons:
    central: Central
    http: aiohttp.ClientSession
    pods: PodClient
    auth: ServiceAuth
    routing: RoutingTable
    directory: PodDirectory
    # pod name -> the flat/VLAN physical networks its Neutron has; a pod not named has all
    physical_networks: dict[str, frozenset[str]]
    # external network id or name -> the pod that realises it
    external_pods: dict[str, str]
    bridge_cidr: str  # the tenants' bridge networks are carved from it

    async def central_call(
        self, method: str, path: str, *, json: Any = None, params: Any = None
    ) -> PodResponse:
        return await self.central.call(
            self.http, method, path, token=await self.auth.token(), json=json, params=params
        )

    async def central_checked(
        self, method: str, path: str, what: str, *, json: Any = None
    ) -> PodResponse:
        """A call to the central Neutron that must succeed; NeutronRefused otherwise."""
        answer = await self.central_call(method, path, json=json)
        if not answer.ok:
            raise NeutronRefused("the central Neutron", what, answer)
        return answer

    async def central_create(self, singular: str, body: dict[str, Any], what: str) -> dict:
        """Creates one central object of the gateway's own (`what` it is for); the object."""
        path = f"/v2.0/{_COLLECTIONS[singular]}"
        answer = await self.central_checked("POST", path, what, json={singular: body})
        return answer.json()[singular]

    async def central_get(self, collection: str, object_id: str) -> dict[str, Any] | None:
        """A central object (`collection` "networks", ...) as admins see it; None once gone."""
        answer = await self.central_call("GET", f"/v2.0/{collection}/{object_id}")
        if answer.status == 404:
            return None
        if not answer.ok:
            raise NeutronRefused("the central Neutron", f"show {collection}", answer)
        return next(iter(answer.json().values()))

    async def central_list(self, collection: str, params: Any) -> list[dict[str, Any]]:
        answer = await self.central_call("GET", f"/v2.0/{collection}", params=params)
        if not answer.ok:
            raise NeutronRefused("the central Neutron", f"list {collection}", answer)
        return answer.json()[collection.replace("-", "_")]

    async def pod_call(
        self, pod: PodInfo, method: str, path: str, *, json: Any = None, params: Any = None
    ) -> PodResponse:
        return await self.pods.request(
            pod, "network", method, path, token=await self.auth.token(), json=json, params=params
        )

    async def pod_checked(
        self,
        pod: PodInfo,
        method: str,
        path: str,
        what: str,
        *,
        json: Any = None,
        params: Any = None,
        tolerated: tuple[int, ...] = (),
    ) -> PodResponse:
        """A call to the pod's Neutron that must succeed (or answer one of `tolerated`);
        NeutronRefused, saying it could not `what`, otherwise."""
        answer = await self.pod_call(pod, method, path, json=json, params=params)
        if not answer.ok and answer.status not in tolerated:
            raise NeutronRefused(f"pod {pod.name}", what, answer)
        return answer

    async def pod_list(self, pod: PodInfo, collection: str, params: Any) -> list[dict[str, Any]]:
        path = f"/v2.0/{collection}"
        answer = await self.pod_checked(pod, "GET", path, f"list {collection}", params=params)
        return answer.json()[collection.replace("-", "_")]

    async def pod_create(self, pod: PodInfo, singular: str, body: dict[str, Any]) -> str:
        """Creates one object in the pod; its bottom id."""
        path = f"/v2.0/{_COLLECTIONS[singular]}"
        what = f"create a {singular}"
        answer = await self.pod_checked(pod, "POST", path, what, json={singular: body})
        return answer.json()[singular]["id"]

    async def pod_delete(self, pod: PodInfo, singular: str, bottom_id: str) -> None:
        """Deletes one object in the pod; already gone is done."""
        path = f"/v2.0/{_COLLECTIONS[singular]}/{bottom_id}"
        await self.pod_checked(
            pod, "DELETE", path, f"delete {singular} {bottom_id}", tolerated=(404,)
        )

    async def pod_update(
        self, pod: PodInfo, singular: str, bottom_id: str, changes: dict[str, Any]
    ) -> None:
        path = f"/v2.0/{_COLLECTIONS[singular]}/{bottom_id}"
        what = f"update {singular} {bottom_id}"
        await self.pod_checked(pod, "PUT", path, what, json={singular: changes})

    def spans_to(self, pod: PodInfo, network: dict[str, Any]) -> bool:
        """Whether `network`'s segment can exist in `pod` (VxLAN anywhere; flat and VLAN
        where the pod has the physical network)."""
        physnet = network.get("provider:physical_network")
        if network.get("provider:network_type") not in ("flat", "vlan") or not physnet:
            return True
        known = self.physical_networks.get(pod.name)
        return known is None or physnet in known


_COLLECTIONS = {
    "network": "networks",
    "subnet": "subnets",
    "port": "ports",
    "security_group": "security-groups",
    "security_group_rule": "security-group-rules",
    "router": "routers",
    "floatingip": "floatingips",
    "subnetpool": "subnetpools",
}


def configured_neutrons(
    conf: cfg.ConfigOpts,
    http: aiohttp.ClientSession,
    pods: PodClient,
    auth: ServiceAuth,
    routing: RoutingTable,
    directory: PodDirectory,
) -> Neutrons | None:
    """The Neutrons of a deployment with a central Neutron; None without one."""
    central = configured(conf, "network")
    if central is None:
        return None
    return Neutrons(
        central,
        http,
        pods,
        auth,
        routing,
        directory,
        physical_networks(conf.central.physical_networks),
        dict(pair.split(":", 1) for pair in conf.central.external_network_pods),
        conf.central.bridge_cidr,
    )


def physical_networks(pairs: list[str]) -> dict[str, frozenset[str]]:
    """``["pod1:physnet1", "pod1:physnet2"]`` -> {"pod1": {"physnet1", "physnet2"}}."""
    found: dict[str, set[str]] = {}
    for pair in pairs:
        pod, _, physnet = pair.partition(":")
        found.setdefault(pod.strip(), set()).add(physnet.strip())
    return {pod: frozenset(nets) for pod, nets in found.items()}

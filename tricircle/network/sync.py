"""Jobs that bring the pods' copies in line with the central Neutron.

One job per central object: it reads the object as it is now and converges every copy
(or removes them once the object is gone), so any number of changes queued while it
waited collapse into one run, and a run after a fault simply finishes the work.
"""

from __future__ import annotations

import datetime as dt
import logging
from functools import partial
from typing import Any

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.jobs.policy import PermanentError, RetryableError
from tricircle.jobs.queue import enqueue
from tricircle.jobs.registry import JobContext, Registry
from tricircle.kit.central import CentralUnavailable
from tricircle.network.bottom import (
    NETWORK,
    PORT,
    SECURITY_GROUP,
    SUBNET,
    Bottom,
    dhcp_port_name,
)
from tricircle.network.floatingips import FLOATINGIP, SHADOW, FloatingIps
from tricircle.network.neutrons import NeutronRefused, Neutrons
from tricircle.network.routers import ROUTER, Routers
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo

LOG = logging.getLogger(__name__)

SYNC = "network_sync"  # resource: (network|subnet|port|security_group, central id)
MEMBERS = "group_members"  # resource: (security_group, the group whose members changed)
RELEASE = "release_port"  # resource: (port, central id); payload: the server that let it go
# a port the gateway made for a server (from a network) goes with it, as Nova's do
MADE_FOR_SERVER = "tricircle-made-for-server"

RECONCILE = "network_reconcile"  # periodic: drift repaired, unused copies removed
ROUTER_SYNC = "router_sync"  # resource: (router, central id)
FLOATINGIP_SYNC = "floatingip_sync"  # resource: (floatingip, central id)

COLLECTIONS = {
    NETWORK: "networks",
    SUBNET: "subnets",
    PORT: "ports",
    SECURITY_GROUP: "security-groups",
}
# what of a central object its copies show, per type
_MIRRORED = {
    NETWORK: ("name", "admin_state_up"),
    SUBNET: ("name", "gateway_ip", "dns_nameservers", "host_routes"),
    PORT: ("name", "admin_state_up"),
    SECURITY_GROUP: ("name",),
}


_JOBS = {ROUTER: ROUTER_SYNC, FLOATINGIP: FLOATINGIP_SYNC}


async def request_sync(db: Database, kind: str, central_id: str, project_id: str | None) -> None:
    """Queues convergence of `central_id`'s copies (or realisation, for routers and
    floating IPs)."""
    async with db.session.begin() as session:
        await enqueue(session, _JOBS.get(kind, SYNC), kind, central_id, project_id=project_id)


class NetworkSync:
    def __init__(self, db: Database, neutrons: Neutrons) -> None:
        self.db = db
        self.neutrons = neutrons
        self.bottom = Bottom(neutrons)
        self.routers = Routers(neutrons)
        self.floatingips = FloatingIps(neutrons, self.routers)

    async def converge(self, kind: str, central_id: str) -> dict[str, Any]:
        entries = await self.neutrons.routing.find(kind, central_id)
        if not entries:
            return {"copies": 0}
        central = await self.neutrons.central_get(COLLECTIONS[kind], central_id)
        changed = 0
        for entry in entries:
            pod = await self.neutrons.directory.get(entry.pod_id)
            if pod is None or entry.bottom_id is None:
                continue
            if central is None:
                await self.neutrons.pod_delete(pod, kind, entry.bottom_id)
                await self.neutrons.routing.remove(entry.id)
            else:
                await self._update(pod, kind, central, entry.bottom_id)
            changed += 1
        return {"copies": changed, "removed": central is None}

    async def _update(
        self, pod: PodInfo, kind: str, central: dict[str, Any], bottom_id: str
    ) -> None:
        path = f"/v2.0/{COLLECTIONS[kind]}/{bottom_id}"
        what = f"show {kind} {bottom_id}"
        answer = await self.neutrons.pod_checked(pod, "GET", path, what, tolerated=(404,))
        if answer.status == 404:  # lost in the pod: made again on its next use
            entry = await self.neutrons.routing.in_pod(kind, central["id"], pod.id)
            if entry is not None:
                await self.neutrons.routing.remove(entry.id)
            return
        copy = next(iter(answer.json().values()))
        changes = {
            k: central[k] for k in _MIRRORED[kind] if k in central and copy.get(k) != central[k]
        }
        if kind == SUBNET and copy.get("allocation_pools"):
            changes["allocation_pools"] = []  # every address comes from the central IPAM
        if kind == PORT:
            changes.update(await self._port_changes(pod, central, copy))
        if changes:
            await self.neutrons.pod_update(pod, kind, bottom_id, changes)
        if kind == SECURITY_GROUP:
            await self.bottom.converge_rules(pod, central, bottom_id)

    async def _port_changes(
        self, pod: PodInfo, central: dict[str, Any], copy: dict[str, Any]
    ) -> dict[str, Any]:
        """A copy's addresses and groups, as the central port's mapped into the pod."""
        changes: dict[str, Any] = {}
        fixed = []
        for item in central.get("fixed_ips", []):
            subnet = await self.neutrons.central_get("subnets", item["subnet_id"])
            if subnet is None:
                continue
            bottom_net = await self.neutrons.routing.in_pod(NETWORK, subnet["network_id"], pod.id)
            if bottom_net is None or bottom_net.bottom_id is None:
                continue
            bottom_subnet = await self.bottom.subnet(pod, subnet, bottom_net.bottom_id)
            fixed.append({"subnet_id": bottom_subnet, "ip_address": item["ip_address"]})
        if _addresses(fixed) != _addresses(copy.get("fixed_ips", [])):
            changes["fixed_ips"] = fixed
        if central.get("port_security_enabled") is not False:
            groups = []
            for group_id in central.get("security_groups", []):
                group = await self.neutrons.central_get("security-groups", group_id)
                if group is not None:
                    groups.append(await self.bottom.security_group(pod, group))
            if sorted(groups) != sorted(copy.get("security_groups", [])):
                changes["security_groups"] = groups
        return changes

    async def reconcile(self, grace: float) -> dict[str, Any]:
        """Every copy converged again (a rule removed in a pod comes back, a subnet changed
        in a pod is put back), then the copies that no port needs any more removed."""
        passes = [(k, partial(self.converge, k)) for k in (SECURITY_GROUP, PORT, SUBNET, NETWORK)]
        passes += [(ROUTER, self.routers.converge), (FLOATINGIP, self.floatingips.converge)]
        converged = 0
        for kind, realise in passes:
            for central_id in await self.neutrons.routing.distinct_top_ids(kind):
                try:
                    await realise(central_id)
                except (NeutronRefused, PodUnavailable, CentralUnavailable) as exc:
                    LOG.warning("%s %s not converged: %s", kind, central_id, exc)
                    continue
                converged += 1
        cutoff = utcnow() - dt.timedelta(seconds=grace)
        removed = await self._prune(NETWORK, "network_id", cutoff)
        removed += await self._prune(SECURITY_GROUP, "security_groups", cutoff)
        return {"converged": converged, "removed": removed}

    async def _prune(self, kind: str, port_field: str, cutoff: dt.datetime) -> int:
        """Removes the copies of `kind` that no port in their pod uses (those recorded
        before `cutoff`: a newer one may be for a boot under way)."""
        removed = 0
        for entry in await self.neutrons.routing.older_than(kind, cutoff):
            pod = await self.neutrons.directory.get(entry.pod_id)
            if pod is None or entry.bottom_id is None:
                continue
            ports = await self.neutrons.pod_list(pod, "ports", {port_field: entry.bottom_id})
            if any(not p.get("device_owner", "").startswith("network:") for p in ports):
                continue
            if kind == NETWORK:  # its subnets and DHCP port go with it
                await self._drop_dhcp_reservations(pod, entry.top_id)
                subnets = await self.neutrons.pod_list(
                    pod, "subnets", {"network_id": entry.bottom_id}
                )
                going = {SUBNET: [s["id"] for s in subnets], PORT: [p["id"] for p in ports]}
            else:
                going = {}
            await self.neutrons.pod_delete(pod, kind, entry.bottom_id)
            await self.neutrons.routing.remove(entry.id)
            for going_kind, bottom_ids in going.items():
                await self.neutrons.routing.forget_copies(going_kind, pod.id, bottom_ids)
            removed += 1
        return removed

    async def _drop_dhcp_reservations(self, pod: PodInfo, network_id: str) -> None:
        params = {"network_id": network_id, "name": dhcp_port_name(pod)}
        for port in await self.neutrons.central_list("ports", params):
            await self.neutrons.central_call("DELETE", f"/v2.0/ports/{port['id']}")

    async def members_changed(self, group_id: str) -> dict[str, Any]:
        """The groups whose rules admit `group_id`'s members converge again."""
        rules = await self.neutrons.central_list(
            "security-group-rules", {"remote_group_id": group_id, "fields": "security_group_id"}
        )
        groups = {r["security_group_id"] for r in rules}
        for group in groups:
            if await self.neutrons.routing.find(SECURITY_GROUP, group):
                await request_sync(self.db, SECURITY_GROUP, group, None)
        return {"groups": len(groups)}

    async def release_ports(self, server_id: str, port_ids: list[str]) -> dict[str, Any]:
        """Ports a server let go of (deleted, or an interface detached): once the pod's
        Nova unplugged them, their copies go; the ports made for the server go too, the
        others are free again (as Nova leaves them)."""
        groups: set[str] = set()
        for port_id in port_ids:
            for entry in await self.neutrons.routing.find(PORT, port_id):
                pod = await self.neutrons.directory.get(entry.pod_id)
                if pod is not None and entry.bottom_id:
                    await self._unplugged(pod, entry.bottom_id, server_id)
                    await self.neutrons.pod_delete(pod, PORT, entry.bottom_id)
                await self.neutrons.routing.remove(entry.id)
            for shadow in await self.neutrons.routing.find(SHADOW, port_id):  # went with it
                await self.neutrons.routing.remove(shadow.id)
            port = await self.neutrons.central_get("ports", port_id)
            if port is None:
                continue
            groups.update(port.get("security_groups", []))
            if MADE_FOR_SERVER in port.get("tags", []):
                await self.neutrons.central_call("DELETE", f"/v2.0/ports/{port_id}")
            else:
                free = {"device_id": "", "device_owner": "", "binding:host_id": ""}
                path = f"/v2.0/ports/{port_id}"
                await self.neutrons.central_call("PUT", path, json={"port": free})
        for group in groups:
            await request_members(self.db, group)
        return {"ports": len(port_ids)}

    async def _unplugged(self, pod: PodInfo, bottom_id: str, server_id: str) -> None:
        answer = await self.neutrons.pod_call(pod, "GET", f"/v2.0/ports/{bottom_id}")
        if answer.ok and answer.json()["port"].get("device_id") == server_id:
            raise RetryableError(f"port {bottom_id} is still plugged into {server_id}", 1.0)


async def request_members(db: Database, group_id: str) -> None:
    async with db.session.begin() as session:
        await enqueue(session, MEMBERS, SECURITY_GROUP, group_id)


def _addresses(fixed_ips: list[dict[str, Any]]) -> set[str]:
    return {item["ip_address"] for item in fixed_ips}


def _retryable(exc: Exception) -> Exception:
    if isinstance(exc, NeutronRefused) and 400 <= exc.answer.status < 500:
        if exc.answer.status == 409:  # in use: the use may end (a port being deleted)
            return RetryableError(str(exc), 2.0)
        return PermanentError(str(exc))
    return RetryableError(str(exc))


def register(registry: Registry, sync: NetworkSync, *, interval: float, grace: float) -> None:
    async def guarded(work: Any) -> dict[str, Any]:
        try:
            return await work
        except (NeutronRefused, PodUnavailable, CentralUnavailable) as exc:
            raise _retryable(exc) from exc

    async def converge(ctx: JobContext) -> dict[str, Any]:
        return await guarded(sync.converge(ctx.job.resource_type, ctx.job.resource_id))

    async def members(ctx: JobContext) -> dict[str, Any]:
        return await guarded(sync.members_changed(ctx.job.resource_id))

    async def release(ctx: JobContext) -> dict[str, Any]:
        server_id = ctx.job.payload["server_id"]
        return await guarded(sync.release_ports(server_id, [ctx.job.resource_id]))

    async def reconcile(_ctx: JobContext) -> dict[str, Any]:
        return await sync.reconcile(grace)

    async def router(ctx: JobContext) -> dict[str, Any]:
        return await guarded(sync.routers.converge(ctx.job.resource_id))

    async def floatingip(ctx: JobContext) -> dict[str, Any]:
        return await guarded(sync.floatingips.converge(ctx.job.resource_id))

    registry.register(ROUTER_SYNC, router)
    registry.register(FLOATINGIP_SYNC, floatingip)
    registry.register(SYNC, converge)
    registry.register(RECONCILE, reconcile, every=interval)
    registry.register(MEMBERS, members)
    registry.register(RELEASE, release)

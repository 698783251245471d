"""Jobs that bring the pods' copies in line with the central Neutron.

One job per central object: it reads the object as it is now and converges every copy
(or removes them once the object is gone), so any number of changes queued while it
waited collapse into one run, and a run after a fault simply finishes the work.
"""

from __future__ import annotations

import logging
from typing import Any

from tricircle.db.engine import Database
from tricircle.jobs.policy import PermanentError, RetryableError
from tricircle.jobs.queue import enqueue
from tricircle.jobs.registry import JobContext, Registry
from tricircle.kit.central import CentralUnavailable
from tricircle.network.bottom import NETWORK, PORT, SECURITY_GROUP, SUBNET, Bottom
from tricircle.network.neutrons import NeutronRefused, Neutrons
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo

LOG = logging.getLogger(__name__)

SYNC = "network_sync"  # resource: (network|subnet|port|security_group, central id)
MEMBERS = "group_members"  # resource: (security_group, the group whose members changed)
SERVER_PORTS = "server_ports"  # resource: (server, its id); payload: its central ports
# a port the gateway made for a server (from a network) goes with it, as Nova's do
MADE_FOR_SERVER = "tricircle-made-for-server"

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


async def request_sync(db: Database, kind: str, central_id: str, project_id: str | None) -> None:
    """Queues convergence of `central_id`'s copies."""
    async with db.session.begin() as session:
        await enqueue(session, SYNC, kind, central_id, project_id=project_id)


class NetworkSync:
    def __init__(self, db: Database, neutrons: Neutrons) -> None:
        self.db = db
        self.neutrons = neutrons
        self.bottom = Bottom(neutrons)

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
        answer = await self.neutrons.pod_call(pod, "GET", path)
        if answer.status == 404:  # lost in the pod: made again on its next use
            entry = await self.neutrons.routing.in_pod(kind, central["id"], pod.id)
            if entry is not None:
                await self.neutrons.routing.remove(entry.id)
            return
        if not answer.ok:
            raise NeutronRefused(f"pod {pod.name}", f"show {kind} {bottom_id}", answer)
        copy = next(iter(answer.json().values()))
        changes = {
            k: central[k] for k in _MIRRORED[kind] if k in central and copy.get(k) != central[k]
        }
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

    async def release_server_ports(self, server_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        """After a server is gone from its pod: its copies of ports go; the ports made for
        it go too, the others are free again (as Nova leaves them)."""
        pod = await self.neutrons.directory.get(payload["pod_id"])
        if pod is not None:
            shown = await self.neutrons.pods.request(
                pod,
                "compute",
                "GET",
                f"/servers/{server_id}",
                token=await self.neutrons.auth.token(),
            )
            if shown.status != 404:
                raise RetryableError(f"server {server_id} is still in pod {pod.name}", 1.0)
        groups: set[str] = set()
        for port_id in payload.get("ports", []):
            for entry in await self.neutrons.routing.find(PORT, port_id):
                copy_pod = await self.neutrons.directory.get(entry.pod_id)
                if copy_pod is not None and entry.bottom_id:
                    await self.neutrons.pod_delete(copy_pod, PORT, entry.bottom_id)
                await self.neutrons.routing.remove(entry.id)
            port = await self.neutrons.central_get("ports", port_id)
            if port is None:
                continue
            groups.update(port.get("security_groups", []))
            if MADE_FOR_SERVER in port.get("tags", []):
                await self.neutrons.central_call("DELETE", f"/v2.0/ports/{port_id}")
            else:
                free = {"device_id": "", "device_owner": "", "binding:host_id": ""}
                await self.neutrons.central_call(
                    "PUT", f"/v2.0/ports/{port_id}", json={"port": free}
                )
        for group in groups:
            await request_members(self.db, group)
        return {"ports": len(payload.get("ports", []))}


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


def register(registry: Registry, sync: NetworkSync) -> None:
    async def guarded(work: Any) -> dict[str, Any]:
        try:
            return await work
        except (NeutronRefused, PodUnavailable, CentralUnavailable) as exc:
            raise _retryable(exc) from exc

    async def converge(ctx: JobContext) -> dict[str, Any]:
        return await guarded(sync.converge(ctx.job.resource_type, ctx.job.resource_id))

    async def members(ctx: JobContext) -> dict[str, Any]:
        return await guarded(sync.members_changed(ctx.job.resource_id))

    async def server_ports(ctx: JobContext) -> dict[str, Any]:
        return await guarded(sync.release_server_ports(ctx.job.resource_id, ctx.job.payload))

    registry.register(SYNC, converge)
    registry.register(MEMBERS, members)
    registry.register(SERVER_PORTS, server_ports)

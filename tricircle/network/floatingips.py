"""A central floating IP realised in the pod of its external network: a copy with the same
address, associated with the pod's copy of the central one's port, or forwarding what the
central one forwards, each to the pod's copy of the internal port.

Convergence, as for routers: read the central floating IP as it is now, change in the pod
only what differs; an interrupted run is finished by the next.

A port whose server runs in another pod is reached through a shadow: a copy of the port in
the floating IP's pod, unbound, on a copy of its network, which reaches the server over the
network's one broadcast domain (docs/architecture.md says what the pods' data plane must
provide). A shadow is marked in the routing table; it goes when no floating IP of that pod
reaches its port any more, or with the port.
"""

from __future__ import annotations

from typing import Any

from tricircle.network.bottom import PORT, Bottom
from tricircle.network.neutrons import Neutrons
from tricircle.network.routers import Routers
from tricircle.pods.directory import PodInfo

FLOATINGIP = "floatingip"
SHADOW = "shadow_port"  # top: a central port; bottom: its shadow in a floating IP's pod
# what a pod's forwarding copies of the central one (its internal port is the pod's copy)
_FORWARDED = ("internal_ip_address", "internal_port_range", "description")


def _forwarding_key(forwarding: dict[str, Any]) -> tuple[str, str]:
    """A forwarding's identity on its floating IP: Neutron lets no two share an outside port."""
    return forwarding["protocol"], forwarding["external_port_range"]


class FloatingIps:
    def __init__(self, neutrons: Neutrons, routers: Routers) -> None:
        self.neutrons = neutrons
        self.routers = routers
        self.bottom = Bottom(neutrons)

    async def converge(self, fip_id: str) -> dict[str, Any]:
        fip = await self.neutrons.central_get("floatingips", fip_id)
        entries = await self.neutrons.routing.find(FLOATINGIP, fip_id)
        external = None
        if fip is not None:
            external = await self.neutrons.central_get("networks", fip["floating_network_id"])
        pod = await self.routers.gateway_pod(external) if external else None
        for entry in entries:  # gone at the top, or its external network moved to another pod
            if pod is None or entry.pod_id != pod.id:
                await self._remove(entry.pod_id, entry.bottom_id)
                await self.neutrons.routing.remove(entry.id)
        if fip is None or external is None or pod is None:
            return {"placed": False, "removed": len(entries)}
        forwardings = await self._central_forwardings(fip)
        wanted_ports = [fip.get("port_id"), *(f["internal_port_id"] for f in forwardings)]
        reached: dict[str, str] = {}  # central port id -> its copy in the pod
        for port_id in dict.fromkeys(p for p in wanted_ports if p):
            port = await self.neutrons.central_get("ports", port_id)
            if port is not None:
                reached[port_id] = await self._reach(pod, fip, port)
        if fip.get("router_id") and reached:  # the pod's router gets the ports' subnets
            await self.routers.converge(fip["router_id"])
        bottom_fip = await self._floatingip(pod, fip, external)
        before = await self._bottom_forwardings(pod, bottom_fip["id"])
        if before is None:  # the pod's Neutron has no port forwardings: they stay central
            forwardings, before = [], []
        was_reached = {bottom_fip.get("port_id")} | {f["internal_port_id"] for f in before}
        associated = reached.get(fip.get("port_id") or "")
        await self._forward(pod, bottom_fip, associated, forwardings, before, reached)
        await self.neutrons.routing.add(
            fip["project_id"], FLOATINGIP, fip_id, pod.id, bottom_fip["id"]
        )
        await self._drop_unreached(pod, {p for p in was_reached if p} - set(reached.values()))
        return {
            "placed": True,
            "associated": bool(fip.get("port_id")),
            "forwardings": len(forwardings),
        }

    async def _central_forwardings(self, fip: dict[str, Any]) -> list[dict[str, Any]]:
        """The floating IP's forwardings in full (its body names only some of their fields;
        a central Neutron without port forwardings names none)."""
        if not fip.get("port_forwardings"):
            return []
        path = f"/v2.0/floatingips/{fip['id']}/port_forwardings"
        answer = await self.neutrons.central_checked("GET", path, "list port forwardings")
        return answer.json()["port_forwardings"]

    async def _reach(self, pod: PodInfo, fip: dict[str, Any], port: dict[str, Any]) -> str:
        """The pod's copy of `port`: its own where its server runs there, else a shadow."""
        own = await self.neutrons.routing.in_pod(PORT, port["id"], pod.id)
        shadow = await self.neutrons.routing.in_pod(SHADOW, port["id"], pod.id)
        bottom_port = await self.bottom.port(pod, port)
        if own is None or shadow is not None:
            await self.neutrons.routing.add(
                fip["project_id"], SHADOW, port["id"], pod.id, bottom_port
            )
        return bottom_port

    async def _floatingip(
        self, pod: PodInfo, fip: dict[str, Any], external: dict[str, Any]
    ) -> dict[str, Any]:
        """The pod's copy of the floating IP (same address), made unassociated if missing."""
        bottom_net = await self.bottom.network(pod, external)
        for subnet_id in external.get("subnets", []):
            subnet = await self.neutrons.central_get("subnets", subnet_id)
            if subnet is not None:
                await self.bottom.subnet(pod, subnet, bottom_net)
        address = fip["floating_ip_address"]
        params = {"floating_network_id": bottom_net, "floating_ip_address": address}
        found = await self.neutrons.pod_list(pod, "floatingips", params)
        if found:
            return found[0]
        body = {
            "floating_network_id": bottom_net,
            "floating_ip_address": address,
            "project_id": fip["project_id"],
        }
        answer = await self.neutrons.pod_checked(
            pod, "POST", "/v2.0/floatingips", "create a floatingip", json={"floatingip": body}
        )
        return answer.json()["floatingip"]

    async def _bottom_forwardings(
        self, pod: PodInfo, bottom_fip: str
    ) -> list[dict[str, Any]] | None:
        """The forwardings of the pod's copy; None where its Neutron has none (404)."""
        path = f"/v2.0/floatingips/{bottom_fip}/port_forwardings"
        answer = await self.neutrons.pod_checked(
            pod, "GET", path, "list port forwardings", tolerated=(404,)
        )
        return None if answer.status == 404 else answer.json()["port_forwardings"]

    async def _forward(
        self,
        pod: PodInfo,
        bottom_fip: dict[str, Any],
        port_id: str | None,
        forwardings: list[dict[str, Any]],
        before: list[dict[str, Any]],
        reached: dict[str, str],
    ) -> None:
        """The pod's floating IP as the central one: its forwardings that went go first and
        its port changes next (Neutron takes a port or forwardings, never both), then the
        forwardings that changed or came."""
        path = f"/v2.0/floatingips/{bottom_fip['id']}/port_forwardings"
        wanted = {}
        for forwarding in forwardings:
            if forwarding["internal_port_id"] in reached:
                body = {k: forwarding[k] for k in _FORWARDED}
                body["internal_port_id"] = reached[forwarding["internal_port_id"]]
                wanted[_forwarding_key(forwarding)] = body
        have = {_forwarding_key(f): f for f in before}
        for key, bottom in have.items():
            if key not in wanted:
                await self._delete_forwarding(pod, path, bottom)
        if bottom_fip.get("port_id") != port_id:
            await self.neutrons.pod_update(pod, FLOATINGIP, bottom_fip["id"], {"port_id": port_id})
        for key, body in wanted.items():
            if key not in have:
                protocol, outside = key
                created = {**body, "protocol": protocol, "external_port_range": outside}
                what = "create a port forwarding"
                await self.neutrons.pod_checked(
                    pod, "POST", path, what, json={"port_forwarding": created}
                )
                continue
            changes = {k: v for k, v in body.items() if have[key].get(k) != v}
            if changes:
                item, what = f"{path}/{have[key]['id']}", "update a port forwarding"
                await self.neutrons.pod_checked(
                    pod, "PUT", item, what, json={"port_forwarding": changes}
                )

    async def _delete_forwarding(self, pod: PodInfo, path: str, forwarding: dict[str, Any]) -> None:
        item = f"{path}/{forwarding['id']}"
        await self.neutrons.pod_checked(
            pod, "DELETE", item, f"delete port forwarding {forwarding['id']}", tolerated=(404,)
        )

    async def _remove(self, pod_id: str, bottom_fip: str | None) -> None:
        """A pod's copy of a floating IP goes, its forwardings first, and the shadows that
        only it reached."""
        pod = await self.neutrons.directory.get(pod_id)
        if pod is None or not bottom_fip:
            return
        answer = await self.neutrons.pod_checked(
            pod, "GET", f"/v2.0/floatingips/{bottom_fip}", "show a floatingip", tolerated=(404,)
        )
        if answer.status == 404:
            return
        reached = {answer.json()["floatingip"].get("port_id")}
        path = f"/v2.0/floatingips/{bottom_fip}/port_forwardings"
        for forwarding in await self._bottom_forwardings(pod, bottom_fip) or []:
            reached.add(forwarding["internal_port_id"])
            await self._delete_forwarding(pod, path, forwarding)
        await self.neutrons.pod_delete(pod, FLOATINGIP, bottom_fip)
        await self._drop_unreached(pod, {p for p in reached if p})

    async def _drop_unreached(self, pod: PodInfo, bottom_ports: set[str]) -> None:
        """The shadows among `bottom_ports` that no floating IP of the pod reaches any more
        go (a server's own port stays)."""
        if not bottom_ports:
            return
        shadows = await self.neutrons.routing.tops_by_bottom(SHADOW, pod.id, list(bottom_ports))
        for bottom_port, port_id in shadows.items():
            if await self._still_reached(pod, port_id):
                continue
            if not await self._bound(pod, bottom_port):  # a server took it since: it stays
                await self.neutrons.pod_delete(pod, PORT, bottom_port)
                await self.neutrons.routing.forget_copies(PORT, pod.id, [bottom_port])
            await self.neutrons.routing.forget_copies(SHADOW, pod.id, [bottom_port])

    async def _bound(self, pod: PodInfo, bottom_port: str) -> bool:
        answer = await self.neutrons.pod_call(pod, "GET", f"/v2.0/ports/{bottom_port}")
        return answer.ok and bool(answer.json()["port"].get("device_id"))

    async def _still_reached(self, pod: PodInfo, port_id: str) -> bool:
        """Whether a central floating IP realised in `pod` has the port or forwards to it."""
        port = await self.neutrons.central_get("ports", port_id)
        if port is None:
            return False
        fips = await self.neutrons.central_list("floatingips", {"project_id": port["project_id"]})
        for fip in fips:
            forwarded = {f["internal_port_id"] for f in fip.get("port_forwardings") or []}
            if fip.get("port_id") != port_id and port_id not in forwarded:
                continue
            external = await self.neutrons.central_get("networks", fip["floating_network_id"])
            where = await self.routers.gateway_pod(external) if external else None
            if where is not None and where.id == pod.id:
                return True
        return False

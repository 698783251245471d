"""A central router realised in the pods: one bottom router per pod its networks reach,
joined through the tenant's bridge network, north-south through the pod of its external
network.

Everything here is convergence: read the central router as it is now,
compute what each pod must hold, change only what differs. A job runs it after every
change that matters, and the reconciler again later, so an interrupted run is finished
by the next one.

- Each pod with a copy of one of the router's networks gets a bottom router (found by
  its description, the central id) with an interface on each such copy: a copy of the
  central interface port, so the pod's gateway address and MAC are the central ones.
- With bottom routers in more than one pod, or north-south through another pod, they
  are joined by the tenant's bridge network (the service project's, carved from
  ``[central] bridge_cidr`` by a central subnet pool: no two tenants' bridges overlap):
  one central port per (router, pod) holds each bottom router's bridge address, and
  extra routes send each subnet that is not in a pod to a pod where it is.
- The router's external gateway is set in the pod that realises its external network;
  the other pods route 0.0.0.0/0 through the bridge to it.
- Floating IPs live in that pod too (tricircle.network.floatingips).
"""

from __future__ import annotations

import ipaddress
import logging
from typing import Any

from tricircle.network.bottom import NETWORK, PORT, Bottom
from tricircle.network.neutrons import Neutrons
from tricircle.pods.directory import PodInfo

LOG = logging.getLogger(__name__)

ROUTER = "router"
INTERFACE = "network:router_interface"
BRIDGE_POOL = "tricircle-bridge"
_ANYWHERE = "0.0.0.0/0"


def bridge_name(project_id: str) -> str:
    return f"tricircle-bridge-{project_id}"


def bridge_port_name(router_id: str, pod: PodInfo) -> str:
    return f"tricircle-bridge-{router_id}-{pod.name}"


class Routers:
    def __init__(self, neutrons: Neutrons) -> None:
        self.neutrons = neutrons
        self.bottom = Bottom(neutrons)

    # -- where --

    async def gateway_pod(self, external: dict[str, Any]) -> PodInfo | None:
        """The pod that realises an external network."""
        pods = sorted(
            (p for p in (await self.neutrons.directory.pods()).values() if p.enabled),
            key=lambda p: p.name,
        )
        named = self.neutrons.external_pods.get(external["id"]) or self.neutrons.external_pods.get(
            external.get("name", "")
        )
        if named:
            return next((p for p in pods if p.name == named), None)
        hints = external.get("availability_zone_hints") or []
        for pod in pods:
            if not hints or pod.az_name in hints:
                return pod
        return None

    async def _pods_of(self, network_id: str) -> dict[str, PodInfo]:
        found = {}
        for entry in await self.neutrons.routing.find(NETWORK, network_id):
            pod = await self.neutrons.directory.get(entry.pod_id)
            if pod is not None:
                found[pod.id] = pod
        return found

    # -- routers --

    async def converge(self, router_id: str) -> dict[str, Any]:
        router = await self.neutrons.central_get("routers", router_id)
        placed = {e.pod_id: e for e in await self.neutrons.routing.find(ROUTER, router_id)}
        if router is None:
            for entry in placed.values():
                await self._tear_down(entry.pod_id, router_id, entry.bottom_id)
            return {"pods": 0, "removed": len(placed)}
        interfaces = await self.neutrons.central_list(
            "ports", {"device_id": router_id, "device_owner": INTERFACE}
        )
        subnets = {}  # central subnet id -> (subnet, the pods its network reaches)
        for port in interfaces:
            for fixed in port["fixed_ips"]:
                subnet = await self.neutrons.central_get("subnets", fixed["subnet_id"])
                if subnet is not None:
                    subnets[subnet["id"]] = (subnet, await self._pods_of(subnet["network_id"]))
        needed: dict[str, PodInfo] = {}
        for _, pods in subnets.values():
            needed.update(pods)
        gateway = router.get("external_gateway_info") or None
        external = gateway_pod = None
        if gateway and needed:
            external = await self.neutrons.central_get("networks", gateway["network_id"])
            gateway_pod = await self.gateway_pod(external) if external else None
            if gateway_pod is not None:
                needed[gateway_pod.id] = gateway_pod
        for pod_id, entry in placed.items():
            if pod_id not in needed:
                await self._tear_down(pod_id, router_id, entry.bottom_id)
        bridge = await self._bridge(router, needed) if len(needed) > 1 else {}
        for pod in needed.values():
            bottom_router = await self._router(pod, router)
            await self._interfaces(pod, bottom_router, interfaces, subnets, bridge.get(pod.id))
            wanted = {"routes": self._routes(pod, router, subnets, bridge, gateway_pod)}
            if pod is gateway_pod and external is not None:
                wanted["external_gateway_info"] = await self._gateway(pod, router, external)
            await self._update(pod, bottom_router, wanted)
        return {"pods": len(needed)}

    async def _router(self, pod: PodInfo, router: dict[str, Any]) -> str:
        entry = await self.neutrons.routing.in_pod(ROUTER, router["id"], pod.id)
        if entry is not None and entry.bottom_id:
            return entry.bottom_id
        found = await self.neutrons.pod_list(pod, "routers", {"description": router["id"]})
        if found:
            bottom_id = found[0]["id"]
        else:
            body = {
                "name": router["name"],
                "description": router["id"],
                "project_id": router["project_id"],
            }
            bottom_id = await self.neutrons.pod_create(pod, "router", body)
        await self.neutrons.routing.add(
            router["project_id"], ROUTER, router["id"], pod.id, bottom_id
        )
        return bottom_id

    async def _interfaces(
        self,
        pod: PodInfo,
        bottom_router: str,
        interfaces: list[dict[str, Any]],
        subnets: dict[str, tuple[dict[str, Any], dict[str, PodInfo]]],
        bridge_port: dict[str, Any] | None,
    ) -> None:
        """The bottom router's interfaces: copies of the central ones whose network
        reaches the pod, and its bridge port; anything else detached."""
        wanted = []
        for port in interfaces:
            local = [
                f for f in port["fixed_ips"] if pod.id in subnets.get(f["subnet_id"], ({}, {}))[1]
            ]
            if local:
                wanted.append(await self.bottom.port(pod, port))
        if bridge_port is not None:
            wanted.append(await self.bottom.port(pod, bridge_port))
        attached = await self.neutrons.pod_list(
            pod, "ports", {"device_id": bottom_router, "device_owner": INTERFACE}
        )
        have = {p["id"] for p in attached}
        for port_id in wanted:
            if port_id not in have:
                await self._interface(pod, bottom_router, "add", port_id)
        for port_id in have - set(wanted):  # Neutron deletes a port it detaches
            await self._interface(pod, bottom_router, "remove", port_id)
            await self.neutrons.routing.forget_copies(PORT, pod.id, [port_id])

    async def _interface(self, pod: PodInfo, router: str, action: str, port_id: str) -> None:
        path = f"/v2.0/routers/{router}/{action}_router_interface"
        await self.neutrons.pod_checked(
            pod,
            "PUT",
            path,
            f"{action} interface {port_id}",
            json={"port_id": port_id},
            tolerated=(404,) if action == "remove" else (),  # detached already
        )

    def _routes(
        self,
        pod: PodInfo,
        router: dict[str, Any],
        subnets: dict[str, tuple[dict[str, Any], dict[str, PodInfo]]],
        bridge: dict[str, dict[str, Any]],
        gateway_pod: PodInfo | None,
    ) -> list[dict[str, str]]:
        """The central router's own routes whose next hop is on a subnet in the pod; each
        subnet that is not in the pod (and each route whose next hop is on one) through the
        bridge to a pod where it is; everything else to the pod with the external gateway."""

        def via_bridge(pods: dict[str, PodInfo]) -> str:
            return _address(bridge[min(pods.values(), key=lambda p: p.name).id])

        routes = []
        for subnet, pods in subnets.values():
            if pods and pod.id not in pods and bridge:
                routes.append({"destination": subnet["cidr"], "nexthop": via_bridge(pods)})
        for route in router.get("routes") or []:
            hop = ipaddress.ip_address(route["nexthop"])
            for subnet, pods in subnets.values():
                if hop not in ipaddress.ip_network(subnet["cidr"]):
                    continue
                if pod.id in pods:
                    routes.append(dict(route))
                elif pods and bridge:
                    routes.append(
                        {"destination": route["destination"], "nexthop": via_bridge(pods)}
                    )
        if gateway_pod is not None and gateway_pod.id != pod.id and bridge:
            routes.append({"destination": _ANYWHERE, "nexthop": _address(bridge[gateway_pod.id])})
        return sorted(routes, key=lambda r: r["destination"])

    async def _update(self, pod: PodInfo, bottom_router: str, wanted: dict[str, Any]) -> None:
        """The bottom router's routes (and gateway) as `wanted`, changed in one call where
        they differ."""
        path = f"/v2.0/routers/{bottom_router}"
        answer = await self.neutrons.pod_checked(pod, "GET", path, f"show router {bottom_router}")
        current = answer.json()["router"]
        changes = {
            field: value
            for field, value in wanted.items()
            if _COMPARED[field](current.get(field)) != _COMPARED[field](value)
        }
        if changes:
            await self.neutrons.pod_update(pod, "router", bottom_router, changes)

    async def _gateway(
        self, pod: PodInfo, router: dict[str, Any], external: dict[str, Any]
    ) -> dict[str, Any]:
        """The central gateway, with its address, on the pod's copy of the external network."""
        info = router["external_gateway_info"]
        bottom_net = await self.bottom.network(pod, external)
        fixed = []
        for item in info.get("external_fixed_ips") or []:
            subnet = await self.neutrons.central_get("subnets", item["subnet_id"])
            if subnet is not None:
                bottom_subnet = await self.bottom.subnet(pod, subnet, bottom_net)
                fixed.append({"subnet_id": bottom_subnet, "ip_address": item["ip_address"]})
        return {
            "network_id": bottom_net,
            "enable_snat": info.get("enable_snat", True),
            "external_fixed_ips": fixed,
        }

    async def _bridge(
        self, router: dict[str, Any], pods: dict[str, PodInfo]
    ) -> dict[str, dict[str, Any]]:
        """pod id -> the central bridge port of the router's bottom router there."""
        network = await self._bridge_network(router["project_id"])
        ports = {}
        for pod in pods.values():
            name = bridge_port_name(router["id"], pod)
            found = await self.neutrons.central_list(
                "ports", {"network_id": network["id"], "name": name}
            )
            ports[pod.id] = found[0] if found else await self._central_port(network, name)
        return ports

    async def _bridge_network(self, project_id: str) -> dict[str, Any]:
        name = bridge_name(project_id)
        found = await self.neutrons.central_list("networks", {"name": name})
        if found:
            return found[0]
        body = {"name": name, "port_security_enabled": False}
        network = await self.neutrons.central_create("network", body, "create a bridge network")
        subnet = {
            "network_id": network["id"],
            "ip_version": 4,
            "subnetpool_id": await self._bridge_pool(),
            "gateway_ip": None,
            "enable_dhcp": False,
            "name": name,
        }
        await self.neutrons.central_create("subnet", subnet, "carve a bridge subnet")
        return network

    async def _bridge_pool(self) -> str:
        found = await self.neutrons.central_list("subnetpools", {"name": BRIDGE_POOL})
        if found:
            return found[0]["id"]
        body = {
            "name": BRIDGE_POOL,
            "prefixes": [self.neutrons.bridge_cidr],
            "default_prefixlen": 24,
        }
        pool = await self.neutrons.central_create(
            "subnetpool", body, "create the bridge subnet pool"
        )
        return pool["id"]

    async def _central_port(self, network: dict[str, Any], name: str) -> dict[str, Any]:
        body = {"network_id": network["id"], "name": name}
        return await self.neutrons.central_create("port", body, "reserve a bridge address")

    async def _tear_down(self, pod_id: str, router_id: str, bottom_router: str | None) -> None:
        """A pod's bottom router and its bridge port go (its interfaces are copies)."""
        pod = await self.neutrons.directory.get(pod_id)
        if pod is not None and bottom_router:
            answer = await self.neutrons.pod_call(pod, "GET", f"/v2.0/routers/{bottom_router}")
            if answer.ok:
                await self.neutrons.pod_update(
                    pod, "router", bottom_router, {"routes": [], "external_gateway_info": {}}
                )
                attached = await self.neutrons.pod_list(
                    pod, "ports", {"device_id": bottom_router, "device_owner": INTERFACE}
                )
                for port in attached:
                    await self._interface(pod, bottom_router, "remove", port["id"])
                    await self.neutrons.pod_delete(pod, PORT, port["id"])
                    await self.neutrons.routing.forget_copies(PORT, pod.id, [port["id"]])
                await self.neutrons.pod_delete(pod, ROUTER, bottom_router)
            name = bridge_port_name(router_id, pod)
            for port in await self.neutrons.central_list("ports", {"name": name}):
                await self.neutrons.central_call("DELETE", f"/v2.0/ports/{port['id']}")
        entry = await self.neutrons.routing.in_pod(ROUTER, router_id, pod_id)
        if entry is not None:
            await self.neutrons.routing.remove(entry.id)


def _address(port: dict[str, Any]) -> str:
    return port["fixed_ips"][0]["ip_address"]


def _route_key(routes: Any) -> list[tuple[str, str]]:
    return sorted((r["destination"], r["nexthop"]) for r in routes or [])


def _gateway_key(info: Any) -> tuple[Any, ...]:
    info = info or {}
    fixed = sorted((f["subnet_id"], f["ip_address"]) for f in info.get("external_fixed_ips") or [])
    return (info.get("network_id"), info.get("enable_snat", True), tuple(fixed))


# how a router's field is compared with what it should be
_COMPARED = {"routes": _route_key, "external_gateway_info": _gateway_key}

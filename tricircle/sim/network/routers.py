"""Neutron routers: interfaces by subnet or port, the external gateway, extra routes, and what
keeps a router from going."""

from __future__ import annotations

import ipaddress
from typing import Any

from aiohttp import web

from tricircle.sim.http import Context, SimError, json_response, new_id, read_json
from tricircle.sim.network.attributes import ROUTER
from tricircle.sim.network.collection import Collection, owner, state_of
from tricircle.sim.network.errors import not_found
from tricircle.sim.network.standard import stamp, touch
from tricircle.sim.network.store import NetworkState
from tricircle.sim.service import ctx

INTERFACE = "network:router_interface"
GATEWAY = "network:router_gateway"


def bad_router(message: str) -> SimError:
    return SimError(400, f"Bad router request: {message}.", kind="BadRequest")


def _create(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    router = stamp(
        {
            "id": new_id(),
            "name": spec.get("name", ""),
            "description": spec.get("description", ""),
            "admin_state_up": spec.get("admin_state_up", True),
            "status": "ACTIVE",
            "external_gateway_info": None,
            "routes": [],
            "availability_zone_hints": spec.get("availability_zone_hints", []),
            "availability_zones": [],
            "flavor_id": spec.get("flavor_id"),
            "distributed": spec.get("distributed", False),
            "ha": spec.get("ha", False),
        },
        owner(context, spec),
    )
    router["revision_number"] = 1
    state.routers[router["id"]] = router
    state.router_ports[router["id"]] = set()
    if spec.get("external_gateway_info"):
        try:
            _set_gateway(state, context, router, spec["external_gateway_info"], "create")
        except SimError:
            _delete(state, context, router)
            raise
    return router


def _update(state: NetworkState, context: Context, router: dict[str, Any], spec: dict) -> None:
    spec = dict(spec)
    if "external_gateway_info" in spec:
        _set_gateway(state, context, router, spec.pop("external_gateway_info"), "update")
    if "routes" in spec:
        router["routes"] = _routes(state, router, spec.pop("routes"))
    router.update(spec)


def _delete(state: NetworkState, context: Context, router: dict[str, Any]) -> None:
    attached = sorted(state.router_ports[router["id"]])
    if attached:
        raise SimError(
            409,
            f"Router {router['id']} has ports still attached: {', '.join(attached)}",
            kind="RouterInUse",
        )
    _clear_gateway(state, router)
    del state.routers[router["id"]], state.router_ports[router["id"]]


# -- the external gateway --


def _set_gateway(
    state: NetworkState, context: Context, router: dict[str, Any], info: Any, action: str
) -> None:
    if not info:
        _clear_gateway(state, router)
        return
    if not isinstance(info, dict) or "network_id" not in info:
        raise SimError(
            400,
            f"Invalid input for external_gateway_info. Reason: Validation of dictionary's "
            f"keys failed. Expected keys: {{'network_id'}} Provided keys: {set(info or {})}.",
            kind="HTTPBadRequest",
        )
    admin_only = [k for k in ("enable_snat", "external_fixed_ips") if k in info]
    if admin_only and not context.is_admin:
        rule = f"rule:{action}_router"
        rules = " and ".join(
            f"{rule}:external_gateway_info:{k}" for k in ["network_id", *admin_only]
        )
        raise SimError(
            403,
            f"({rule} and ({rule}:external_gateway_info and ({rules}))) is disallowed by policy",
            kind="PolicyNotAuthorized",
        )
    net = state.networks.get(info["network_id"])
    if net is None:
        raise not_found("networks", str(info["network_id"]))
    if not net["router:external"]:
        raise bad_router(f"Network {net['id']} is not an external network")
    current = router["external_gateway_info"]
    if current is None or current["network_id"] != net["id"]:
        _clear_gateway(state, router)
        port = state.create_port(
            "",
            net["id"],
            fixed_ips=info.get("external_fixed_ips"),
            device_owner=GATEWAY,
            device_id=router["id"],
        )
        state.gateway_ports[router["id"]] = port["id"]
        current = {"network_id": net["id"], "enable_snat": True}
        router["external_gateway_info"] = current
    current["enable_snat"] = info.get("enable_snat", current["enable_snat"])
    port = state.ports[state.gateway_ports[router["id"]]]
    current["external_fixed_ips"] = [dict(ip) for ip in port["fixed_ips"]]


def _clear_gateway(state: NetworkState, router: dict[str, Any]) -> None:
    port_id = state.gateway_ports.pop(router["id"], None)
    if port_id is None:
        return
    network_id = router["external_gateway_info"]["network_id"]
    for fip in state.floatingips.values():
        if fip["router_id"] == router["id"] and fip["floating_network_id"] == network_id:
            state.gateway_ports[router["id"]] = port_id
            raise SimError(
                409,
                f"Gateway cannot be updated for router {router['id']}, since a gateway to "
                f"external network {network_id} is required by one or more floating IPs.",
                kind="RouterExternalGatewayInUseByFloatingIp",
            )
    state.delete_port(port_id)
    router["external_gateway_info"] = None


# -- routes --


def _routes(state: NetworkState, router: dict[str, Any], routes: Any) -> list[dict[str, str]]:
    if not isinstance(routes, list) or not all(
        isinstance(r, dict) and r.keys() == {"destination", "nexthop"} for r in routes
    ):
        raise SimError(
            400, f"Invalid input for routes. Reason: '{routes}' is not a list of routes.",
            kind="HTTPBadRequest",
        )  # fmt: skip
    cidrs = [state.books[s].cidr for s in router_subnets(state, router)]
    own_ips = {ip["ip_address"] for p in _all_ports(state, router) for ip in p["fixed_ips"]}
    for route in routes:
        try:
            nexthop = ipaddress.ip_address(route["nexthop"])
            ipaddress.ip_network(route["destination"])
        except ValueError:
            raise SimError(
                400, f"Invalid input for routes. Reason: '{route}' is not a valid route.",
                kind="HTTPBadRequest",
            ) from None  # fmt: skip
        if not any(nexthop in cidr for cidr in cidrs):
            raise _invalid_routes(routes, "the nexthop is not connected with router")
        if str(nexthop) in own_ips:
            raise _invalid_routes(routes, "the nexthop is used by router")
    return [{"destination": r["destination"], "nexthop": r["nexthop"]} for r in routes]


def _invalid_routes(routes: list, reason: str) -> SimError:
    return SimError(400, f"Invalid format for routes: {routes}, {reason}", kind="InvalidRoutes")


def _all_ports(state: NetworkState, router: dict[str, Any]) -> list[dict[str, Any]]:
    ids = set(state.router_ports[router["id"]])
    if router["id"] in state.gateway_ports:
        ids.add(state.gateway_ports[router["id"]])
    return [state.ports[p] for p in sorted(ids)]


def router_subnets(state: NetworkState, router: dict[str, Any]) -> list[str]:
    """The subnets the router has a port on, its gateway's included."""
    return [ip["subnet_id"] for p in _all_ports(state, router) for ip in p["fixed_ips"]]


# -- interfaces --


def _interface_body(router: dict[str, Any], port: dict[str, Any]) -> dict[str, Any]:
    subnets = [ip["subnet_id"] for ip in port["fixed_ips"]]
    return {
        "id": router["id"],
        "network_id": port["network_id"],
        "port_id": port["id"],
        "subnet_id": subnets[0] if subnets else None,
        "subnet_ids": subnets,
        "project_id": router["project_id"],
    }


async def _interface_spec(request: web.Request) -> tuple[dict[str, Any], dict[str, Any]]:
    router = ROUTERS.get(request)
    body = await read_json(request, "Body contains invalid data")
    if not isinstance(body, dict):
        raise SimError(400, "Body contains invalid data", kind="HTTPBadRequest")
    if "subnet_id" in body and "port_id" in body:
        raise bad_router("Cannot specify both subnet-id and port-id")
    if "subnet_id" not in body and "port_id" not in body:
        raise bad_router("Either subnet_id or port_id must be specified")
    return router, body


def _check_overlap(state: NetworkState, router: dict[str, Any], subnet_ids: list[str]) -> None:
    attached = [
        ip["subnet_id"]
        for p in state.router_ports[router["id"]]
        for ip in state.ports[p]["fixed_ips"]
    ]
    for new in subnet_ids:
        if new in attached:
            raise bad_router(f"Router already has a port on subnet {new}")
        cidr = state.books[new].cidr
        for old in attached:
            if state.books[old].cidr.overlaps(cidr):
                raise bad_router(
                    f"Cidr {cidr} of subnet {new} overlaps with cidr "
                    f"{state.books[old].cidr} of subnet {old}"
                )


async def add_interface(request: web.Request) -> web.Response:
    router, body = await _interface_spec(request)
    state, context = state_of(request), ctx(request)
    if "port_id" in body:
        port = _usable_port(state, context, body["port_id"])
        if port["device_id"] or port["device_owner"]:
            raise SimError(
                409,
                f"Unable to complete operation on port {port['id']} for network "
                f"{port['network_id']}. Port already has an attached device "
                f"{port['device_id']}.",
                kind="PortInUse",
            )
        if not port["fixed_ips"]:
            raise bad_router("Router port must have at least one fixed IP")
        _check_overlap(state, router, [ip["subnet_id"] for ip in port["fixed_ips"]])
        port.update({"device_id": router["id"], "device_owner": INTERFACE})
        touch(port)
    else:
        subnet = _usable_subnet(state, context, body["subnet_id"])
        if subnet["gateway_ip"] is None:
            raise bad_router("Subnet for router interface must have a gateway IP")
        _check_overlap(state, router, [subnet["id"]])
        port = state.create_port(
            router["project_id"],
            subnet["network_id"],
            fixed_ips=[{"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}],
            device_owner=INTERFACE,
            device_id=router["id"],
        )
    state.router_ports[router["id"]].add(port["id"])
    touch(router)
    return json_response(_interface_body(router, port))


async def remove_interface(request: web.Request) -> web.Response:
    router, body = await _interface_spec(request)
    state = state_of(request)
    ports = [state.ports[p] for p in sorted(state.router_ports[router["id"]])]
    if "port_id" in body:
        port = next((p for p in ports if p["id"] == body["port_id"]), None)
        if port is None:
            raise SimError(
                404,
                f"Router {router['id']} does not have an interface with id {body['port_id']}",
                kind="RouterInterfaceNotFound",
            )
    else:
        subnet_id = body["subnet_id"]
        port = next(
            (p for p in ports if any(ip["subnet_id"] == subnet_id for ip in p["fixed_ips"])), None
        )
        if port is None:
            raise SimError(
                404,
                f"Router {router['id']} has no interface on subnet {subnet_id}",
                kind="RouterInterfaceNotFoundForSubnet",
            )
    for ip in port["fixed_ips"]:
        _check_unused(state, router, ip["subnet_id"])
    answer = _interface_body(router, port)
    state.router_ports[router["id"]].discard(port["id"])
    state.delete_port(port["id"])
    touch(router)
    return json_response(answer)


def _check_unused(state: NetworkState, router: dict[str, Any], subnet_id: str) -> None:
    """An interface stays while a route goes through its subnet or a floating IP uses it."""
    cidr = state.books[subnet_id].cidr
    if any(ipaddress.ip_address(r["nexthop"]) in cidr for r in router["routes"]):
        raise SimError(
            409,
            f"Router interface for subnet {subnet_id} on router {router['id']} cannot be "
            "deleted, as it is required by one or more routes.",
            kind="RouterInterfaceInUseByRoute",
        )
    for fip in state.floatingips.values():
        if (
            fip["router_id"] == router["id"]
            and fip["fixed_ip_address"]
            and (ipaddress.ip_address(fip["fixed_ip_address"]) in cidr)
        ):
            raise SimError(
                409,
                f"Router interface for subnet {subnet_id} on router {router['id']} cannot be "
                "deleted, as it is required by one or more floating IPs.",
                kind="RouterInterfaceInUseByFloatingIP",
            )


def _usable_port(state: NetworkState, context: Context, port_id: Any) -> dict[str, Any]:
    port = state.ports.get(port_id) if isinstance(port_id, str) else None
    if port is None or not (context.is_admin or port["project_id"] == context.project_id):
        raise not_found("ports", str(port_id))
    return port


def _usable_subnet(state: NetworkState, context: Context, subnet_id: Any) -> dict[str, Any]:
    subnet = state.subnets.get(subnet_id) if isinstance(subnet_id, str) else None
    if subnet is None or not (context.is_admin or subnet["project_id"] == context.project_id):
        raise not_found("subnets", str(subnet_id))
    return subnet


ROUTERS = Collection("routers", "routers", ROUTER, _create, _delete, _update)


def add_interface_routes(router: web.UrlDispatcher) -> None:
    base = "/network/v2.0/routers/{id}"
    router.add_put(base + "/add_router_interface", add_interface)
    router.add_put(base + "/remove_router_interface", remove_interface)


def router_between(state: NetworkState, network_id: str, subnet_id: str) -> str | None:
    """A router with its gateway on the external network and an interface on the subnet."""
    for router in state.routers.values():
        gateway = router["external_gateway_info"]
        on_network = gateway is not None and gateway["network_id"] == network_id
        if on_network and subnet_id in router_subnets(state, router):
            return router["id"]
    return None

"""Neutron's port forwardings: a floating IP's outside port (or range) forwarded to an
address and port of a port behind a router, under ``/floatingips/{id}/port_forwardings``.

A floating IP either has a port or has port forwardings, never both; its router is the
one its forwardings reach the internal ports through, and it goes with the last of them.
A forwarding goes with its internal port.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import Context, SimError, json_response, new_id, read_json
from tricircle.sim.network import listing
from tricircle.sim.network.attributes import Attributes
from tricircle.sim.network.collection import object_in, owned, require, state_of
from tricircle.sim.network.errors import already_associated, not_found
from tricircle.sim.network.routers import router_between
from tricircle.sim.network.store import NetworkState
from tricircle.sim.network.subnets import parse_ip
from tricircle.sim.network.validation import bad_attribute, converted
from tricircle.sim.service import ctx

# what the floating IP shows of each of its forwardings
IN_FLOATINGIP = ("id", "internal_ip_address", "protocol", "internal_port", "external_port",
                 "internal_port_id")  # fmt: skip
PROTOCOLS = ("dccp", "icmp", "ipv6-icmp", "sctp", "tcp", "udp")
_PORTS = ("internal_port", "external_port")
_RANGES = ("internal_port_range", "external_port_range")
_SETTABLE = frozenset(
    {"internal_port_id", "internal_ip_address", "protocol", "description", *_PORTS, *_RANGES}
)
PORT_FORWARDING = Attributes(
    "port_forwarding",
    create=_SETTABLE,
    update=_SETTABLE,
    unfilterable=frozenset({"internal_ip_address", "internal_port", "internal_port_range"}),
)


def bad(message: str) -> SimError:
    return SimError(400, f"Bad port_forwarding request: {message}.", kind="BadRequest")


def in_use(fip: dict[str, Any]) -> SimError:
    """Neutron's refusal to give a floating IP with forwardings a port, or to delete it."""
    return SimError(
        409,
        f"Floating IP {fip['id']} in use by Port Forwarding resources.",
        kind="FipInUseByPortForwarding",
    )


def shown_in_floatingip(state: NetworkState, fip_id: str) -> list[dict[str, Any]]:
    return [{k: pf[k] for k in IN_FLOATINGIP} for pf in state.forwardings_of(fip_id)]


# -- the checks a create and an update share --


def _range(pf: dict[str, Any], kind: str) -> tuple[int, int]:
    low, _, high = pf[f"{kind}_port_range"].partition(":")
    return int(low), int(high or low)


def _normalised(spec: dict[str, Any], current: dict[str, Any] | None = None) -> dict[str, Any]:
    """The forwarding as stored: each side's single port and range agree with each other."""
    pf = {**(current or {}), **spec}
    for kind in ("internal", "external"):
        single, ranged = f"{kind}_port", f"{kind}_port_range"
        if single in spec and spec[single] is not None:
            pf[ranged] = f"{pf[single]}:{pf[single]}"
        elif spec.get(ranged) is not None:
            low, _, high = str(spec[ranged]).partition(":")
            pf[ranged] = f"{low}:{high or low}"
            pf[single] = int(low) if low == (high or low) else None
        if not pf.get(ranged):
            raise bad(f"'{single}' or '{ranged}' must be given")
        low, high = _range(pf, kind)
        if not 1 <= low <= high <= 65535:
            raise bad("Invalid port value, the port value must be a value between 1 and 65535")
    inside, outside = _range(pf, "internal"), _range(pf, "external")
    if inside[0] != inside[1] and inside[1] - inside[0] != outside[1] - outside[0]:
        raise bad(
            "Invalid ranges of internal and/or external ports. The relation between "
            "internal and external ports must be N-N or 1-N"
        )
    return pf


def _check_values(spec: dict[str, Any]) -> None:
    """The attribute validators' 400s, in Neutron's words."""
    if "protocol" in spec and spec["protocol"] not in PROTOCOLS:
        reason = f"{spec['protocol']!r} is not in {list(PROTOCOLS)}"
        raise bad_attribute("protocol", reason)
    for name in _PORTS:
        value = spec.get(name)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int):
            raise bad_attribute(name, f"'{value}' is not an integer")
        if value > 65535:
            raise bad_attribute(name, f"'{value}' is too large - must be no larger than '65535'")
        if value < 1:
            raise bad_attribute(name, f"'{value}' is too small - must be no smaller than '1'")
    if "internal_ip_address" in spec:
        parse_ip("internal_ip_address", spec["internal_ip_address"])


def _router_for(
    state: NetworkState, context: Context, fip: dict[str, Any], pf: dict[str, Any]
) -> str:
    """The router between the internal address's subnet and the floating IP's network."""
    port = state.ports.get(pf["internal_port_id"])
    if port is None or not owned(state, context, port):
        raise not_found("ports", str(pf["internal_port_id"]))
    fixed = [ip for ip in port["fixed_ips"] if ip["ip_address"] == pf["internal_ip_address"]]
    if not fixed:
        raise bad(
            f"Requested internal IP address {pf['internal_ip_address']} is not suitable for "
            f"internal neutron port {port['id']}, as its fixed_ips are {port['fixed_ips']}"
        )
    router = router_between(state, fip["floating_network_id"], fixed[0]["subnet_id"])
    if router is None:
        raise bad(
            f"External network {fip['floating_network_id']} is not reachable from subnet "
            f"{fixed[0]['subnet_id']}. Cannot set Port forwarding for port {port['id']} with "
            f"Floating IP {fip['id']}"
        )
    if fip["router_id"] and fip["router_id"] != router:
        raise bad(
            f"The Floating IP {fip['id']} had been set on router {fip['router_id']}, the "
            f"internal Neutron port {port['id']} can not reach it"
        )
    return router


def _check_collisions(state: NetworkState, pf: dict[str, Any]) -> None:
    def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
        return max(a[0], b[0]) <= min(a[1], b[1])

    for other in state.port_forwardings.values():
        if other["id"] == pf.get("id") or other["protocol"] != pf["protocol"]:
            continue
        if other["floatingip_id"] == pf["floatingip_id"] and overlaps(
            _range(other, "external"), _range(pf, "external")
        ):
            key = "external_port_range"
        elif (
            other["internal_port_id"] == pf["internal_port_id"]
            and other["internal_ip_address"] == pf["internal_ip_address"]
            and overlaps(_range(other, "internal"), _range(pf, "internal"))
        ):
            key = "internal_port_range"
        else:
            continue
        raise bad(
            f"There is a port collision with the {key}. The following ranges collide: "
            f"{other[key]} and {pf[key]}"
        )


def _check_port_free(state: NetworkState, pf: dict[str, Any]) -> None:
    """A port with a floating IP of its own takes no forwardings."""
    for fip in state.floatingips.values():
        if fip["port_id"] == pf["internal_port_id"]:
            raise SimError(
                409,
                f"Cannot create port forwarding to floating IP {fip['floating_ip_address']} "
                f"({fip['id']}) with port {pf['internal_port_id']} using fixed IP "
                f"{pf['internal_ip_address']}, as that port already has a binding "
                "floating IP.",
                kind="PortHasBindingFloatingIP",
            )


# -- the API --


def _floatingip(request: web.Request) -> dict[str, Any]:
    state, context = state_of(request), ctx(request)
    fip_id = request.match_info["fip_id"]
    fip = state.floatingips.get(fip_id)
    if fip is None or not owned(state, context, fip):
        raise not_found("floatingips", fip_id)
    return fip


def _forwarding(request: web.Request, fip: dict[str, Any]) -> dict[str, Any]:
    pf_id = request.match_info["id"]
    pf = state_of(request).port_forwardings.get(pf_id)
    if pf is None or pf["floatingip_id"] != fip["id"]:
        raise not_found("port_forwardings", pf_id)
    return pf


def view(pf: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in pf.items() if k not in ("floatingip_id", "project_id")}


async def list_forwardings(request: web.Request) -> web.Response:
    fip = _floatingip(request)
    query = request.rel_url.query
    shown = [view(pf) for pf in state_of(request).forwardings_of(fip["id"])]
    items = listing.filtered(shown, query, PORT_FORWARDING.filterable)
    fields = query.getall("fields", [])
    return json_response({"port_forwardings": [listing.fields_of(i, fields) for i in items]})


async def show_forwarding(request: web.Request) -> web.Response:
    pf = _forwarding(request, _floatingip(request))
    fields = request.rel_url.query.getall("fields", [])
    return json_response({"port_forwarding": listing.fields_of(view(pf), fields)})


async def create_forwarding(request: web.Request) -> web.Response:
    fip = _floatingip(request)
    state, context = state_of(request), ctx(request)
    spec = object_in(await read_json(request, "Body contains invalid data"), "port_forwarding")
    PORT_FORWARDING.check_create(context, spec)
    require(spec, "internal_port_id", "internal_ip_address", "protocol")
    spec = converted(spec)
    _check_values(spec)
    pf = _normalised(
        {"description": "", "internal_port": None, "external_port": None, **spec},
    )
    pf.update({"id": new_id(), "floatingip_id": fip["id"], "project_id": fip["project_id"]})
    pf.pop("tenant_id", None)
    _check_collisions(state, pf)
    _check_port_free(state, pf)
    if fip["port_id"]:
        address, network = pf["internal_ip_address"], fip["floating_network_id"]
        raise already_associated(fip, pf["internal_port_id"], address, network)
    fip["router_id"] = _router_for(state, context, fip, pf)
    state.port_forwardings[pf["id"]] = pf
    return json_response({"port_forwarding": view(pf)}, 201)


async def update_forwarding(request: web.Request) -> web.Response:
    fip = _floatingip(request)
    state, context = state_of(request), ctx(request)
    pf = _forwarding(request, fip)
    spec = object_in(await read_json(request, "Body contains invalid data"), "port_forwarding")
    PORT_FORWARDING.check_update(context, spec)
    spec = converted(spec)
    _check_values(spec)
    changed = _normalised(spec, pf)
    if "internal_port_id" in spec and spec["internal_port_id"] != pf["internal_port_id"]:
        _check_port_free(state, changed)
    _router_for(state, context, fip, changed)
    _check_collisions(state, changed)
    pf.update(changed)
    return json_response({"port_forwarding": view(pf)})


async def delete_forwarding(request: web.Request) -> web.Response:
    fip = _floatingip(request)
    state_of(request).remove_port_forwarding(_forwarding(request, fip)["id"])
    return web.Response(status=204)


def add_forwarding_routes(router: web.UrlDispatcher) -> None:
    base = "/network/v2.0/floatingips/{fip_id}/port_forwardings"
    router.add_get(base, list_forwardings)
    router.add_post(base, create_forwarding)
    router.add_get(base + "/{id}", show_forwarding)
    router.add_put(base + "/{id}", update_forwarding)
    router.add_delete(base + "/{id}", delete_forwarding)

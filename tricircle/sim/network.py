"""Simulated Neutron v2.0 for one pod: networks, subnets, ports, security groups.

Resources are kept as the dicts Neutron shows; what Nova needs to plug servers in is exposed as
methods on NetworkState.
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tricircle.sim.http import (
    Context,
    SimError,
    base_url,
    isotime,
    json_response,
    new_id,
    next_link,
    now,
    page_after,
    parse_limit,
    public,
    read_json,
    sort_items,
)
from tricircle.sim.service import Service, ctx, pod_of

_TYPE_NAMES = {
    "networks": "Network",
    "subnets": "Subnet",
    "ports": "Port",
    "security_groups": "SecurityGroup",
    "security_group_rules": "SecurityGroupRule",
}


def render_neutron_error(request: web.Request, err: SimError) -> web.Response:
    kind = err.kind or {
        400: "HTTPBadRequest",
        401: "HTTPUnauthorized",
        403: "HTTPForbidden",
        404: "HTTPNotFound",
        405: "HTTPMethodNotAllowed",
        409: "HTTPConflict",
        503: "HTTPServiceUnavailable",
    }.get(err.status, "HTTPInternalServerError")
    message = err.message
    if err.status == 500:
        message = "Request Failed: internal server error while processing your request."
    return json_response(
        {"NeutronError": {"type": kind, "message": message, "detail": ""}}, err.status, err.headers
    )


def _stamp(resource: dict[str, Any], project_id: str) -> dict[str, Any]:
    ts = isotime(now())
    resource.update(
        {
            "tenant_id": project_id,
            "project_id": project_id,
            "created_at": ts,
            "updated_at": ts,
            "revision_number": 0,
            "tags": [],
            "description": resource.get("description", ""),
        }
    )
    return resource


@dataclass
class NetworkState:
    networks: dict[str, dict[str, Any]] = field(default_factory=dict)
    subnets: dict[str, dict[str, Any]] = field(default_factory=dict)
    ports: dict[str, dict[str, Any]] = field(default_factory=dict)
    security_groups: dict[str, dict[str, Any]] = field(default_factory=dict)
    security_group_rules: dict[str, dict[str, Any]] = field(default_factory=dict)
    allocated: dict[str, set[str]] = field(default_factory=dict)  # subnet id -> IPs in use
    nova_ports: set[str] = field(default_factory=set)  # ports Nova made, deleted with servers

    # -- networks and subnets --

    def create_network(self, project_id: str, name: str = "", **attrs: Any) -> dict[str, Any]:
        net = _stamp(
            {
                "id": new_id(),
                "name": name,
                "admin_state_up": True,
                "status": "ACTIVE",
                "subnets": [],
                "shared": False,
                "router:external": False,
                "mtu": 1450,
                "availability_zones": ["nova"],
                "availability_zone_hints": [],
                "ipv4_address_scope": None,
                "ipv6_address_scope": None,
                "port_security_enabled": True,
                "is_default": False,
                "l2_adjacency": True,
                "provider:network_type": "vxlan",
                "provider:physical_network": None,
                "provider:segmentation_id": random.randint(1, 16_000_000),
            },
            project_id,
        )
        net.update(attrs)
        self.networks[net["id"]] = net
        return net

    def create_subnet(
        self, project_id: str, network_id: str, cidr: str, name: str = "", **attrs: Any
    ) -> dict[str, Any]:
        if network_id not in self.networks:
            raise SimError(404, f"Network {network_id} could not be found.", kind="NetworkNotFound")
        try:
            net = ipaddress.ip_network(cidr, strict=False)
        except ValueError:
            raise SimError(
                400, f"Invalid input for cidr. Reason: '{cidr}' is not a valid IP subnet."
            ) from None
        hosts = net.hosts()
        gateway = attrs.pop("gateway_ip", None) or str(next(hosts))
        last = net.broadcast_address - 1 if net.version == 4 else net.broadcast_address
        pools = attrs.pop("allocation_pools", None) or [
            {"start": str(ipaddress.ip_address(gateway) + 1), "end": str(last)}
        ]
        subnet = _stamp(
            {
                "id": new_id(),
                "name": name,
                "network_id": network_id,
                "cidr": str(net),
                "ip_version": net.version,
                "gateway_ip": gateway,
                "allocation_pools": pools,
                "enable_dhcp": True,
                "dns_nameservers": [],
                "host_routes": [],
                "subnetpool_id": None,
                "ipv6_ra_mode": None,
                "ipv6_address_mode": None,
                "service_types": [],
                "segment_id": None,
                "dns_publish_fixed_ip": False,
            },
            project_id,
        )
        subnet.update(attrs)
        self.subnets[subnet["id"]] = subnet
        self.allocated[subnet["id"]] = set()
        self.networks[network_id]["subnets"].append(subnet["id"])
        return subnet

    def visible_network(
        self, net_id: str, project_id: str | None, admin: bool
    ) -> dict[str, Any] | None:
        net = self.networks.get(net_id)
        if net is None or not (admin or net["shared"] or net["project_id"] == project_id):
            return None
        return net

    def project_networks(self, project_id: str) -> list[dict[str, Any]]:
        """Networks Nova may pick for a server that names none: own and shared, not external."""
        return [
            n
            for n in self.networks.values()
            if not n["router:external"] and (n["project_id"] == project_id or n["shared"])
        ]

    def auto_network(self, project_id: str) -> dict[str, Any]:
        """Neutron's auto-allocated topology, reduced to a network with one subnet."""
        net = self.create_network(project_id, "auto_allocated_network")
        index = len(self.networks) % 250
        self.create_subnet(project_id, net["id"], f"10.{index}.0.0/24", "auto_allocated_subnet")
        return net

    # -- ports --

    def _allocate(self, subnet: dict[str, Any], wanted: str | None) -> str:
        used = self.allocated[subnet["id"]]
        if wanted:
            if ipaddress.ip_address(wanted) not in ipaddress.ip_network(subnet["cidr"]):
                raise SimError(
                    400,
                    f"IP address {wanted} is not a valid IP for the specified subnet.",
                    kind="InvalidIpForSubnet",
                )
            if wanted in used or wanted == subnet["gateway_ip"]:
                raise SimError(
                    409,
                    f"IP address {wanted} already allocated in subnet {subnet['id']}",
                    kind="IpAddressAlreadyAllocated",
                )
            used.add(wanted)
            return wanted
        for pool in subnet["allocation_pools"]:
            ip = ipaddress.ip_address(pool["start"])
            end = ipaddress.ip_address(pool["end"])
            while ip <= end:
                if str(ip) not in used:
                    used.add(str(ip))
                    return str(ip)
                ip += 1
        raise SimError(
            409,
            f"No more IP addresses available on network {subnet['network_id']}.",
            kind="IpAddressGenerationFailure",
        )

    def create_port(
        self,
        project_id: str,
        network_id: str,
        *,
        fixed_ips: list[dict[str, str]] | None = None,
        owned_by_nova: bool = False,
        **attrs: Any,
    ) -> dict[str, Any]:
        net = self.networks.get(network_id)
        if net is None:
            raise SimError(404, f"Network {network_id} could not be found.", kind="NetworkNotFound")
        ips = []
        for spec in fixed_ips if fixed_ips is not None else [{}]:
            subnet_id = spec.get("subnet_id")
            if subnet_id is None:
                candidates = [self.subnets[s] for s in net["subnets"]]
                if spec.get("ip_address"):
                    addr = ipaddress.ip_address(spec["ip_address"])
                    candidates = [s for s in candidates if addr in ipaddress.ip_network(s["cidr"])]
                if not candidates:
                    if fixed_ips is None:
                        break  # a network without subnets gives a port without addresses
                    raise SimError(
                        400,
                        "No valid subnet found for the requested IP address.",
                        kind="InvalidInput",
                    )
                subnet = candidates[0]
            else:
                subnet = self.subnets.get(subnet_id)
                if subnet is None or subnet["network_id"] != network_id:
                    raise SimError(
                        404, f"Subnet {subnet_id} could not be found.", kind="SubnetNotFound"
                    )
            ips.append(
                {
                    "subnet_id": subnet["id"],
                    "ip_address": self._allocate(subnet, spec.get("ip_address")),
                }
            )
        default_sg = self.find_security_group(project_id, "default")
        port = _stamp(
            {
                "id": new_id(),
                "name": "",
                "network_id": network_id,
                "mac_address": "fa:16:3e:" + ":".join(f"{b:02x}" for b in random.randbytes(3)),
                "fixed_ips": ips,
                "device_id": "",
                "device_owner": "",
                "status": "DOWN",
                "admin_state_up": True,
                "security_groups": [default_sg["id"]] if default_sg else [],
                "allowed_address_pairs": [],
                "extra_dhcp_opts": [],
                "port_security_enabled": True,
                "binding:vnic_type": "normal",
                "binding:host_id": "",
                "binding:vif_type": "unbound",
                "binding:vif_details": {},
                "binding:profile": {},
                "dns_name": "",
                "dns_assignment": [],
                "propagate_uplink_status": False,
            },
            project_id,
        )
        port.update(attrs)
        self.ports[port["id"]] = port
        if owned_by_nova:
            self.nova_ports.add(port["id"])
        return port

    def delete_port(self, port_id: str) -> None:
        port = self.ports.pop(port_id)
        self.nova_ports.discard(port_id)
        for ip in port["fixed_ips"]:
            self.allocated.get(ip["subnet_id"], set()).discard(ip["ip_address"])

    def bind_port(self, port: dict[str, Any], device_id: str, host: str) -> None:
        port.update(
            {
                "device_id": device_id,
                "device_owner": "compute:nova",
                "binding:host_id": host,
                "binding:vif_type": "ovs",
                "updated_at": isotime(now()),
            }
        )

    def unbind_port(self, port_id: str) -> None:
        """A server let go of the port: Nova deletes what it made and frees the rest."""
        if port_id not in self.ports:
            return
        if port_id in self.nova_ports:
            self.delete_port(port_id)
            return
        self.ports[port_id].update(
            {
                "device_id": "",
                "device_owner": "",
                "status": "DOWN",
                "binding:host_id": "",
                "binding:vif_type": "unbound",
            }
        )

    def set_port_status(self, port_id: str, status: str) -> None:
        if port_id in self.ports:
            self.ports[port_id]["status"] = status

    # -- security groups --

    def find_security_group(self, project_id: str, ref: str) -> dict[str, Any] | None:
        """A project's group by id or name; its `default` group exists once asked for."""
        self._ensure_default(project_id)
        for sg in self.security_groups.values():
            if sg["project_id"] == project_id and ref in (sg["id"], sg["name"]):
                return sg
        return None

    def _ensure_default(self, project_id: str) -> None:
        if any(
            sg["project_id"] == project_id and sg["name"] == "default"
            for sg in self.security_groups.values()
        ):
            return
        sg = self.create_security_group(project_id, "default", description="Default security group")
        for ethertype in ("IPv4", "IPv6"):
            self.create_rule(project_id, sg["id"], "ingress", ethertype, remote_group_id=sg["id"])

    def create_security_group(
        self, project_id: str, name: str, description: str = ""
    ) -> dict[str, Any]:
        sg = _stamp(
            {
                "id": new_id(),
                "name": name,
                "description": description,
                "security_group_rules": [],
                "stateful": True,
                "shared": False,
            },
            project_id,
        )
        self.security_groups[sg["id"]] = sg
        for ethertype in ("IPv4", "IPv6"):
            self.create_rule(project_id, sg["id"], "egress", ethertype)
        return sg

    def create_rule(
        self, project_id: str, group_id: str, direction: str, ethertype: str, **attrs: Any
    ) -> dict[str, Any]:
        if group_id not in self.security_groups:
            raise SimError(
                404, f"Security group {group_id} does not exist", kind="SecurityGroupNotFound"
            )
        rule = _stamp(
            {
                "id": new_id(),
                "security_group_id": group_id,
                "direction": direction,
                "ethertype": ethertype,
                "protocol": None,
                "port_range_min": None,
                "port_range_max": None,
                "remote_ip_prefix": None,
                "remote_group_id": None,
                "remote_address_group_id": None,
                "normalized_cidr": None,
                "belongs_to_default_sg": False,
            },
            project_id,
        )
        rule.update(attrs)
        self.security_group_rules[rule["id"]] = rule
        self.security_groups[group_id]["security_group_rules"].append(rule)
        return rule


# -- HTTP ---------------------------------------------------------------------------------------


def _state(request: web.Request) -> NetworkState:
    return pod_of(request).network


def _visible(context: Context, item: dict[str, Any], kind: str) -> bool:
    if context.is_admin or item["project_id"] == context.project_id:
        return True
    return kind == "networks" and (item["shared"] or item["router:external"])


@dataclass(frozen=True)
class Collection:
    """One Neutron resource collection: list/show/create/update/delete over a dict store."""

    plural: str  # "security_groups"
    path: str  # "security-groups"
    create: Callable[[NetworkState, Context, dict[str, Any]], dict[str, Any]]
    delete: Callable[[NetworkState, dict[str, Any]], None]
    updatable: frozenset[str]

    @property
    def singular(self) -> str:
        return self.plural[:-1]

    def store(self, request: web.Request) -> dict[str, dict[str, Any]]:
        return getattr(_state(request), self.plural)

    def get(self, request: web.Request) -> dict[str, Any]:
        ident = request.match_info["id"]
        item = self.store(request).get(ident)
        if item is None or not _visible(ctx(request), item, self.plural):
            name = _TYPE_NAMES[self.plural]
            label = " ".join(
                w.lower() for w in name.replace("SecurityGroup", "Security group ").split()
            )
            raise SimError(
                404,
                f"{label[0].upper()}{label[1:]} {ident} could not be found.",
                kind=f"{name}NotFound",
            )
        return item

    async def list(self, request: web.Request) -> web.Response:
        q = request.rel_url.query
        context = ctx(request)
        if self.plural == "security_groups":
            _state(request).find_security_group(context.project_id or "", "default")
        items = [i for i in self.store(request).values() if _visible(context, i, self.plural)]
        reserved = {"fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse"}
        for attr in {k for k in q if k not in reserved}:
            wanted = set(q.getall(attr))
            items = [i for i in items if attr in i and _as_query(i[attr]) & wanted]
        keys = [
            (lambda i, k=k: i.get(k), d == "desc")
            for k, d in zip(
                q.getall("sort_key", []), q.getall("sort_dir", []) or ["asc"] * 99, strict=False
            )
        ]
        keys.append((lambda i: i["id"], bool(keys) and keys[0][1]))
        ordered = sort_items(items, keys)
        limit = parse_limit(q.get("limit"), 10**9, default=10**9)
        marker = None
        if "marker" in q:
            marker = self.store(request).get(q["marker"])
            if marker is None:
                raise SimError(
                    404,
                    f"{_TYPE_NAMES[self.plural]} {q['marker']} could not be found.",
                    kind=f"{_TYPE_NAMES[self.plural]}NotFound",
                )
        page = page_after(ordered, marker, limit, keys)
        body: dict[str, Any] = {self.plural: [_fields(i, q.getall("fields", [])) for i in page]}
        if "limit" in q and page and len(page) == limit:
            body[f"{self.plural}_links"] = [
                {"rel": "next", "href": next_link(request, page[-1]["id"], limit)}
            ]
        return json_response(body)

    async def show(self, request: web.Request) -> web.Response:
        item = self.get(request)
        return json_response(
            {self.singular: _fields(item, request.rel_url.query.getall("fields", []))}
        )

    async def post(self, request: web.Request) -> web.Response:
        body = await read_json(request, "Body contains invalid data")
        spec = body.get(self.singular) if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise SimError(400, "Resource body required", kind="BadRequest")
        context = ctx(request)
        owner = spec.get("project_id") or spec.get("tenant_id")
        if owner and owner != context.project_id and not context.is_admin:
            raise SimError(
                403,
                "Specifying 'project_id' or 'tenant_id' other than the "
                "authenticated project in request requires admin privileges",
            )
        item = self.create(_state(request), context, spec)
        return json_response({self.singular: item}, 201)

    async def put(self, request: web.Request) -> web.Response:
        item = self.get(request)
        body = await read_json(request, "Body contains invalid data")
        spec = body.get(self.singular) if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise SimError(400, "Resource body required", kind="BadRequest")
        for key in spec:
            if key not in self.updatable:
                raise SimError(
                    400, f"Cannot update read-only attribute {key}", kind="HTTPBadRequest"
                )
        item.update(spec)
        item["revision_number"] += 1
        item["updated_at"] = isotime(now())
        return json_response({self.singular: item})

    async def remove(self, request: web.Request) -> web.Response:
        item = self.get(request)
        self.delete(_state(request), item)
        return web.Response(status=204)

    def add_routes(self, router: web.UrlDispatcher) -> None:
        base = f"/network/v2.0/{self.path}"
        router.add_get(base, self.list)
        router.add_post(base, self.post)
        router.add_get(base + "/{id}", self.show)
        router.add_put(base + "/{id}", self.put)
        router.add_delete(base + "/{id}", self.remove)


def _as_query(value: Any) -> set[str]:
    if isinstance(value, bool):
        return {str(value), str(value).lower()}
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)}


def _fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in fields} if fields else item


def _owner(context: Context, spec: dict[str, Any]) -> str:
    return spec.get("project_id") or spec.get("tenant_id") or context.project_id or ""


def _create_network(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    admin_only = {
        "shared",
        "router:external",
        "provider:network_type",
        "provider:physical_network",
        "provider:segmentation_id",
    }
    if admin_only & spec.keys() and not context.is_admin:
        raise SimError(
            403,
            f"(rule:create_network:{sorted(admin_only & spec.keys())[0]}) is disallowed by policy",
            kind="PolicyNotAuthorized",
        )
    attrs = {k: v for k, v in spec.items() if k not in ("name", "tenant_id", "project_id")}
    return state.create_network(_owner(context, spec), spec.get("name", ""), **attrs)


def _delete_network(state: NetworkState, net: dict[str, Any]) -> None:
    ports = [p for p in state.ports.values() if p["network_id"] == net["id"]]
    if any(p["device_owner"] and not p["device_owner"].startswith("network:") for p in ports):
        raise SimError(
            409,
            f"Unable to complete operation on network {net['id']}. There are "
            "one or more ports still in use on the network.",
            kind="NetworkInUse",
        )
    for port in ports:
        state.delete_port(port["id"])
    for subnet_id in net["subnets"]:
        state.subnets.pop(subnet_id, None)
        state.allocated.pop(subnet_id, None)
    del state.networks[net["id"]]


def _create_subnet(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    for required in ("network_id", "cidr"):
        if required not in spec:
            raise SimError(
                400,
                f"Failed to parse request. Required attribute '{required}' not specified",
                kind="HTTPBadRequest",
            )
    if state.visible_network(spec["network_id"], context.project_id, context.is_admin) is None:
        raise SimError(
            404, f"Network {spec['network_id']} could not be found.", kind="NetworkNotFound"
        )
    attrs = {
        k: v
        for k, v in spec.items()
        if k not in ("name", "tenant_id", "project_id", "network_id", "cidr", "ip_version")
    }
    return state.create_subnet(
        _owner(context, spec), spec["network_id"], spec["cidr"], spec.get("name", ""), **attrs
    )


def _delete_subnet(state: NetworkState, subnet: dict[str, Any]) -> None:
    if state.allocated.get(subnet["id"]):
        raise SimError(
            409,
            f"Unable to complete operation on subnet {subnet['id']}: One or "
            "more ports have an IP allocation from this subnet.",
            kind="SubnetInUse",
        )
    state.networks[subnet["network_id"]]["subnets"].remove(subnet["id"])
    del state.subnets[subnet["id"]]
    state.allocated.pop(subnet["id"], None)


def _create_port(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    if "network_id" not in spec:
        raise SimError(
            400,
            "Failed to parse request. Required attribute 'network_id' not specified",
            kind="HTTPBadRequest",
        )
    if state.visible_network(spec["network_id"], context.project_id, context.is_admin) is None:
        raise SimError(
            404, f"Network {spec['network_id']} could not be found.", kind="NetworkNotFound"
        )
    attrs = {
        k: v
        for k, v in spec.items()
        if k not in ("tenant_id", "project_id", "network_id", "fixed_ips")
    }
    return state.create_port(
        _owner(context, spec), spec["network_id"], fixed_ips=spec.get("fixed_ips"), **attrs
    )


def _delete_port(state: NetworkState, port: dict[str, Any]) -> None:
    state.delete_port(port["id"])


def _create_group(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    return state.create_security_group(
        _owner(context, spec), spec.get("name", ""), spec.get("description", "")
    )


def _delete_group(state: NetworkState, group: dict[str, Any]) -> None:
    if any(group["id"] in p["security_groups"] for p in state.ports.values()):
        raise SimError(409, f"Security Group {group['id']} in use.", kind="SecurityGroupInUse")
    for rule in group["security_group_rules"]:
        state.security_group_rules.pop(rule["id"], None)
    del state.security_groups[group["id"]]


def _create_rule(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    group = state.security_groups.get(spec.get("security_group_id", ""))
    if group is None or not _visible(context, group, "security_groups"):
        raise SimError(
            404,
            f"Security group {spec.get('security_group_id')} does not exist",
            kind="SecurityGroupNotFound",
        )
    attrs = {
        k: v
        for k, v in spec.items()
        if k not in ("tenant_id", "project_id", "security_group_id", "direction", "ethertype")
    }
    return state.create_rule(
        _owner(context, spec),
        group["id"],
        spec.get("direction", "ingress"),
        spec.get("ethertype", "IPv4"),
        **attrs,
    )


def _delete_rule(state: NetworkState, rule: dict[str, Any]) -> None:
    group = state.security_groups[rule["security_group_id"]]
    group["security_group_rules"] = [
        r for r in group["security_group_rules"] if r["id"] != rule["id"]
    ]
    del state.security_group_rules[rule["id"]]


COLLECTIONS = (
    Collection(
        "networks",
        "networks",
        _create_network,
        _delete_network,
        frozenset(
            {
                "name",
                "admin_state_up",
                "description",
                "shared",
                "mtu",
                "port_security_enabled",
                "router:external",
                "is_default",
            }
        ),
    ),
    Collection(
        "subnets",
        "subnets",
        _create_subnet,
        _delete_subnet,
        frozenset(
            {
                "name",
                "description",
                "gateway_ip",
                "enable_dhcp",
                "dns_nameservers",
                "host_routes",
                "allocation_pools",
            }
        ),
    ),
    Collection(
        "ports",
        "ports",
        _create_port,
        _delete_port,
        frozenset(
            {
                "name",
                "description",
                "admin_state_up",
                "device_id",
                "device_owner",
                "security_groups",
                "binding:host_id",
                "binding:profile",
                "allowed_address_pairs",
                "port_security_enabled",
                "dns_name",
            }
        ),
    ),
    Collection(
        "security_groups",
        "security-groups",
        _create_group,
        _delete_group,
        frozenset({"name", "description"}),
    ),
    Collection(
        "security_group_rules", "security-group-rules", _create_rule, _delete_rule, frozenset()
    ),
)

EXTENSIONS = (
    "binding",
    "external-net",
    "provider",
    "security-group",
    "quotas",
    "standard-attr-description",
    "standard-attr-tag",
    "standard-attr-timestamp",
    "standard-attr-revisions",
    "port-security",
    "allowed-address-pairs",
    "extra_dhcp_opt",
    "availability_zone",
    "network_availability_zone",
    "dns-integration",
    "auto-allocated-topology",
    "net-mtu",
    "project-id",
    "ip-substring-filtering",
)


@public
async def versions(request: web.Request) -> web.Response:
    return json_response(
        {
            "versions": [
                {
                    "id": "v2.0",
                    "status": "CURRENT",
                    "links": [{"href": f"{base_url(request)}/network/v2.0/", "rel": "self"}],
                }
            ]
        }
    )


async def resources(request: web.Request) -> web.Response:
    base = f"{base_url(request)}/network/v2.0"
    return json_response(
        {
            "resources": [
                {
                    "name": c.singular,
                    "collection": c.path,
                    "links": [{"href": f"{base}/{c.path}", "rel": "self"}],
                }
                for c in COLLECTIONS
            ]
        }
    )


async def extensions(request: web.Request) -> web.Response:
    return json_response(
        {
            "extensions": [
                {
                    "alias": a,
                    "name": a,
                    "description": a,
                    "links": [],
                    "updated": "2013-01-01T10:00:00-00:00",
                }
                for a in EXTENSIONS
            ]
        }
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/network", versions)
    router.add_get("/network/", versions)
    router.add_get("/network/v2.0", resources)
    router.add_get("/network/v2.0/", resources)
    router.add_get("/network/v2.0/extensions", extensions)
    for collection in COLLECTIONS:
        collection.add_routes(router)


SERVICE = Service("network", render_neutron_error, None, add_routes)

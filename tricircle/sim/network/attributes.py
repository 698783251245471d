"""Neutron's attribute map, reduced to what the API checks: which attributes a body may carry
on create and on update, which only an admin may set or see, and the policy refusals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tricircle.sim.http import Context, SimError

OWNER = frozenset({"tenant_id", "project_id"})
# Every resource with standard attributes shows these; none of them is set through the body.
STANDARD = frozenset({"id", "created_at", "updated_at", "revision_number", "tags", "status"})


@dataclass(frozen=True)
class Attributes:
    resource: str  # "network": names the policy rules
    create: frozenset[str]
    update: frozenset[str]
    admin_set: frozenset[str] = frozenset()  # settable by admins only
    admin_view: frozenset[str] = frozenset()  # shown to admins only
    readonly: frozenset[str] = frozenset()  # shown, never set
    unfilterable: frozenset[str] = frozenset()  # shown, refused as list filters

    @property
    def filterable(self) -> frozenset[str]:
        return self.known - self.unfilterable - {"created_at", "updated_at"}

    @property
    def known(self) -> frozenset[str]:
        return self.create | self.update | self.readonly | self.admin_view | OWNER | STANDARD

    def check_create(self, context: Context, spec: dict[str, Any]) -> None:
        """Neutron's 400 for attributes it does not know or takes no value for, then its 403
        for ones the caller may not set."""
        unknown = [k for k in spec if k not in self.known]
        if unknown:
            raise _unrecognized(unknown)
        for key in spec:
            if key not in self.create | OWNER:
                raise SimError(400, f"Attribute '{key}' not allowed in POST", kind="HTTPBadRequest")
        self._check_admin(context, spec, "create")

    def check_update(self, context: Context, spec: dict[str, Any]) -> None:
        unknown = [k for k in spec if k not in self.known]
        if unknown:
            raise _unrecognized(unknown)
        for key in spec:
            if key not in self.update:
                raise SimError(
                    400, f"Cannot update read-only attribute {key}", kind="HTTPBadRequest"
                )
        self._check_admin(context, spec, "update")

    def _check_admin(self, context: Context, spec: dict[str, Any], action: str) -> None:
        denied = [k for k in spec if k in self.admin_set]
        if denied and not context.is_admin:
            raise policy_refusal(action, self.resource, denied)

    def view(self, context: Context, item: dict[str, Any]) -> dict[str, Any]:
        if context.is_admin or not self.admin_view:
            return item
        return {k: v for k, v in item.items() if k not in self.admin_view}


def policy_refusal(action: str, resource: str, attrs: list[str]) -> SimError:
    """oslo.policy's refusal as Neutron words it: the action's rule and each attribute's."""
    base = f"rule:{action}_{resource}"
    rules = " and ".join(f"rule:{action}_{resource}:{a}" for a in attrs)
    text = f"({base} and {rules})" if len(attrs) == 1 else f"({base} and ({rules}))"
    return SimError(403, f"{text} is disallowed by policy", kind="PolicyNotAuthorized")


def _unrecognized(keys: list[str]) -> SimError:
    names = ", ".join(f"'{k}'" for k in keys)
    return SimError(400, f"Unrecognized attribute(s) {names}", kind="HTTPBadRequest")


PROVIDER = frozenset(
    {"provider:network_type", "provider:physical_network", "provider:segmentation_id"}
)
BINDING = frozenset(
    {"binding:host_id", "binding:profile", "binding:vif_type", "binding:vif_details"}
)

NETWORK = Attributes(
    "network",
    create=frozenset(
        {
            "name", "admin_state_up", "shared", "router:external", "description", "mtu",
            "port_security_enabled", "availability_zone_hints", "is_default", "qinq",
            "vlan_transparent", *PROVIDER,
        }
    ),
    update=frozenset(
        {
            "name", "admin_state_up", "shared", "router:external", "description", "mtu",
            "port_security_enabled", "is_default", *PROVIDER,
        }
    ),
    admin_set=frozenset({"shared", "router:external", "is_default", *PROVIDER}),
    admin_view=PROVIDER,
    readonly=frozenset(
        {"subnets", "availability_zones", "ipv4_address_scope", "ipv6_address_scope"}
    ),
    unfilterable=frozenset(
        {"subnets", "availability_zones", "availability_zone_hints", "ipv4_address_scope",
         "ipv6_address_scope"}
    ),
)  # fmt: skip

SUBNET = Attributes(
    "subnet",
    create=frozenset(
        {
            "name", "network_id", "ip_version", "cidr", "gateway_ip", "allocation_pools",
            "dns_nameservers", "host_routes", "enable_dhcp", "ipv6_ra_mode", "ipv6_address_mode",
            "subnetpool_id", "prefixlen", "description", "service_types",
            "use_default_subnetpool",
        }
    ),
    update=frozenset(
        {
            "name", "gateway_ip", "allocation_pools", "dns_nameservers", "host_routes",
            "enable_dhcp", "description", "service_types",
        }
    ),
    readonly=frozenset({"router:external"}),
    unfilterable=frozenset({"allocation_pools", "dns_nameservers", "host_routes"}),
)  # fmt: skip

SUBNET_POOL = Attributes(
    "subnetpool",
    create=frozenset(
        {
            "name", "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen",
            "shared", "is_default", "description", "address_scope_id", "default_quota",
        }
    ),
    update=frozenset(
        {
            "name", "prefixes", "default_prefixlen", "min_prefixlen", "max_prefixlen",
            "is_default", "description", "default_quota",
        }
    ),
    admin_set=frozenset({"shared", "is_default"}),
    readonly=frozenset({"ip_version"}),
    unfilterable=frozenset({"prefixes"}),
)  # fmt: skip

PORT = Attributes(
    "port",
    create=frozenset(
        {
            "name", "network_id", "admin_state_up", "mac_address", "fixed_ips", "device_id",
            "device_owner", "security_groups", "port_security_enabled", "allowed_address_pairs",
            "extra_dhcp_opts", "binding:host_id", "binding:profile", "binding:vnic_type",
            "description",
        }
    ),
    update=frozenset(
        {
            "name", "admin_state_up", "mac_address", "fixed_ips", "device_id", "device_owner",
            "security_groups", "port_security_enabled", "allowed_address_pairs",
            "extra_dhcp_opts", "binding:host_id", "binding:profile", "binding:vnic_type",
            "description",
        }
    ),
    admin_set=frozenset({"binding:host_id", "binding:profile"}),
    admin_view=BINDING,
    readonly=frozenset({"binding:vif_type", "binding:vif_details"}),
    unfilterable=frozenset(
        {"allowed_address_pairs", "extra_dhcp_opts", "binding:profile", "binding:vif_details"}
    ),
)  # fmt: skip

SECURITY_GROUP = Attributes(
    "security_group",
    create=frozenset({"name", "description", "stateful"}),
    update=frozenset({"name", "description", "stateful"}),
    readonly=frozenset({"security_group_rules", "shared"}),
    unfilterable=frozenset({"security_group_rules", "stateful"}),
)

SECURITY_GROUP_RULE = Attributes(
    "security_group_rule",
    create=frozenset(
        {
            "security_group_id", "direction", "ethertype", "protocol", "port_range_min",
            "port_range_max", "remote_ip_prefix", "remote_group_id", "remote_address_group_id",
            "description",
        }
    ),
    update=frozenset({"description"}),
    readonly=frozenset({"normalized_cidr", "belongs_to_default_sg"}),
)  # fmt: skip

ROUTER = Attributes(
    "router",
    create=frozenset(
        {
            "name", "admin_state_up", "external_gateway_info", "description",
            "availability_zone_hints", "distributed", "ha", "flavor_id",
        }
    ),
    update=frozenset(
        {"name", "admin_state_up", "external_gateway_info", "routes", "description",
         "distributed", "ha"}
    ),
    admin_set=frozenset({"distributed", "ha"}),
    admin_view=frozenset({"distributed", "ha"}),
    readonly=frozenset({"availability_zones"}),
    unfilterable=frozenset(
        {"external_gateway_info", "routes", "availability_zones", "availability_zone_hints",
         "flavor_id"}
    ),
)  # fmt: skip

FLOATING_IP = Attributes(
    "floatingip",
    create=frozenset(
        {
            "floating_network_id", "port_id", "fixed_ip_address", "floating_ip_address",
            "subnet_id", "description",
        }
    ),
    update=frozenset({"port_id", "fixed_ip_address", "description"}),
    admin_set=frozenset({"floating_ip_address"}),
    readonly=frozenset({"router_id", "port_details"}),
    unfilterable=frozenset({"port_details"}),
)  # fmt: skip

"""Neutron subnet pools: prefixes a subnet's cidr is carved from, first free block first,
so subnets of one pool never overlap whoever asks."""

from __future__ import annotations

import ipaddress
from typing import Any

from tricircle.sim.http import Context, SimError, new_id
from tricircle.sim.network.attributes import SUBNET_POOL
from tricircle.sim.network.collection import Collection, owner, require
from tricircle.sim.network.errors import not_found
from tricircle.sim.network.ipam import Cidr
from tricircle.sim.network.standard import stamp
from tricircle.sim.network.store import NetworkState
from tricircle.sim.network.validation import invalid_input


def _prefixes(values: Any) -> list[Cidr]:
    if not isinstance(values, list) or not values:
        raise invalid_input("'prefixes' must be a non-empty list of CIDRs")
    try:
        prefixes = [ipaddress.ip_network(v, strict=False) for v in values]
    except (TypeError, ValueError):
        raise invalid_input(
            f"Invalid input for prefixes: {values} is not a list of CIDRs"
        ) from None
    if len({p.version for p in prefixes}) > 1:
        raise SimError(
            400, "Cannot mix IPv4 and IPv6 prefixes in a subnet pool.", kind="BadRequest"
        )
    return prefixes


def _create(state: NetworkState, context: Context, spec: dict[str, Any]) -> dict[str, Any]:
    require(spec, "name", "prefixes")
    prefixes = _prefixes(spec["prefixes"])
    version = prefixes[0].version
    min_len = int(spec.get("min_prefixlen", 8 if version == 4 else 64))
    max_len = int(spec.get("max_prefixlen", prefixes[0].max_prefixlen))
    default_len = int(spec.get("default_prefixlen", min_len))
    if not (0 <= min_len <= default_len <= max_len <= prefixes[0].max_prefixlen):
        raise SimError(
            400,
            f"Illegal prefix bounds: min_prefixlen={min_len}, default_prefixlen={default_len}, "
            f"max_prefixlen={max_len}.",
            kind="IllegalSubnetPoolPrefixBounds",
        )
    pool = stamp(
        {
            "id": new_id(),
            "name": spec["name"],
            "prefixes": [str(p) for p in ipaddress.collapse_addresses(prefixes)],
            "ip_version": version,
            "min_prefixlen": str(min_len),
            "max_prefixlen": str(max_len),
            "default_prefixlen": str(default_len),
            "shared": bool(spec.get("shared", False)),
            "is_default": bool(spec.get("is_default", False)),
            "address_scope_id": None,
            "default_quota": None,
            "description": spec.get("description", ""),
        },
        owner(context, spec),
    )
    state.subnetpools[pool["id"]] = pool
    return pool


def _delete(state: NetworkState, context: Context, pool: dict[str, Any]) -> None:
    if any(s.get("subnetpool_id") == pool["id"] for s in state.subnets.values()):
        raise SimError(
            409,
            f"Unable to complete operation on subnet pool {pool['id']}. "
            "Subnet pool has existing allocations.",
            kind="SubnetPoolInUse",
        )
    del state.subnetpools[pool["id"]]


def _visible(state: NetworkState, context: Context, pool: dict[str, Any]) -> bool:
    return context.is_admin or pool["shared"] or pool["project_id"] == context.project_id


def carve(state: NetworkState, context: Context, spec: dict[str, Any]) -> str:
    """The cidr of a subnet asked of a pool: the one given, checked to lie in the pool and
    be free, or the first free block of `prefixlen` (the pool's default)."""
    pool = state.subnetpools.get(spec["subnetpool_id"])
    if pool is None or not _visible(state, context, pool):
        raise not_found("subnetpools", str(spec["subnetpool_id"]))
    prefixes = [ipaddress.ip_network(p) for p in pool["prefixes"]]
    taken = [
        ipaddress.ip_network(s["cidr"])
        for s in state.subnets.values()
        if s.get("subnetpool_id") == pool["id"]
    ]
    length = int(spec.get("prefixlen") or pool["default_prefixlen"])
    if not int(pool["min_prefixlen"]) <= length <= int(pool["max_prefixlen"]):
        raise invalid_input(f"prefixlen {length} is outside the pool's bounds")
    if spec.get("cidr"):
        wanted = ipaddress.ip_network(spec["cidr"], strict=False)
        if not any(wanted.subnet_of(p) for p in prefixes):  # type: ignore[arg-type]
            raise SimError(400, f"Cidr {wanted} is not in the subnet pool.", kind="BadRequest")
        candidates = [wanted]
    else:
        candidates = [
            c for p in prefixes if p.prefixlen <= length for c in p.subnets(new_prefix=length)
        ]
    for candidate in candidates:
        if not any(candidate.overlaps(t) for t in taken):
            return str(candidate)
    raise SimError(
        409,
        f"Unable to allocate subnet with prefix length {length}, maximum allowed prefixes is "
        "reached.",
        kind="SubnetAllocationError",
    )


SUBNET_POOLS = Collection(
    "subnetpools", "subnetpools", SUBNET_POOL, _create, _delete, visible=_visible
)

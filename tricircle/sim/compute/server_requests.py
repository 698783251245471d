"""What a create request asks for, checked: networks, boot volume, zone, quota."""

from __future__ import annotations

from typing import Any

from aiohttp import web
from jsonschema import Draft4Validator
from jsonschema.exceptions import best_match

from tricircle.sim.compute.common import invalid, pod_of, state
from tricircle.sim.http import SimError
from tricircle.sim.service import ctx, microversion

_STRING = {"type": "string", "maxLength": 255}
_BOOLEAN = {"type": ["boolean", "string"]}
# The types of Nova's server create schema, for the keys the simulator reads: checked before
# anything is looked at, so junk ("security_groups": 5) is Nova's 400, never a crash.
_CREATE = Draft4Validator(
    {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "imageRef": {"type": ["string", "integer"]},
            "flavorRef": {"type": ["string", "integer"]},
            "adminPass": {"type": "string"},
            "metadata": {"type": "object"},
            "networks": {"type": ["array", "string"], "items": {"type": "object"}},
            "availability_zone": _STRING,
            "key_name": _STRING,
            "description": {"type": ["string", "null"], "maxLength": 255},
            "hostname": _STRING,
            "user_data": {"type": "string", "maxLength": 65535},
            "accessIPv4": {"type": "string"},
            "accessIPv6": {"type": "string"},
            "config_drive": _BOOLEAN,
            "return_reservation_id": _BOOLEAN,
            "tags": {"type": "array", "maxItems": 50, "items": {"type": "string"}},
            "security_groups": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "minLength": 1}},
                },
            },
            "block_device_mapping_v2": {"type": "array", "items": {"type": "object"}},
        },
    }
)


def check_create_body(server: dict[str, Any]) -> None:
    """Nova's schema check of a create's ``server``, in its wording."""
    error = best_match(_CREATE.iter_errors(server))
    if error is None:
        return
    field = "/".join(str(part) for part in error.path) or "server"
    raise invalid(field, error.instance, error.message)


def requested_networks(
    request: web.Request, body: dict[str, Any], project_id: str
) -> list[dict[str, Any]]:
    """What the request asks to plug, as [{"uuid"|"port", "fixed_ip", "tag"}]."""
    mv = microversion(request)
    network = pod_of(request).network
    context = ctx(request)
    requested = body.get("networks")
    if requested is None and mv >= (2, 37):
        raise invalid("server", "...", "'networks' is a required property")
    if requested == "none":
        return []
    if requested is None or requested == "auto":
        candidates = network.project_networks(project_id)
        if len(candidates) > 1:
            raise SimError(
                409, "Multiple possible networks found, use a Network ID to be more specific."
            )
        if candidates:
            return [{"uuid": candidates[0]["id"]}]
        if requested == "auto":
            return [{"uuid": network.auto_network(project_id)["id"]}]
        return []
    if not isinstance(requested, list):
        raise invalid(
            "networks", requested, f"{requested!r} is not valid under any of the given schemas"
        )
    out = []
    for item in requested:
        if not isinstance(item, dict) or not ({"uuid", "port"} & item.keys()):
            raise invalid(
                "networks", requested, "Bad networks format: network uuid is not in proper format"
            )
        if item.get("port"):
            out.append({"port": item["port"], "tag": item.get("tag")})
            continue
        net = network.visible_network(item["uuid"], project_id, context.is_admin)
        if net is None:
            raise SimError(400, f"Network {item['uuid']} could not be found.")
        out.append({"uuid": net["id"], "fixed_ip": item.get("fixed_ip"), "tag": item.get("tag")})
    return out


def boot_volume_id(request: web.Request, body: dict[str, Any]) -> str | None:
    """The volume a boot-from-volume request boots from, if any."""
    mapping = _boot_mapping(body)
    if mapping is None:
        return None
    volume_id = mapping.get("uuid", "")
    volume = pod_of(request).volume.volumes.get(volume_id)
    if volume is None:
        raise SimError(400, f"Block Device Mapping is Invalid: failed to get volume {volume_id}.")
    if volume.status != "available":
        raise SimError(
            400,
            f"Invalid volume: volume '{volume_id}' status must be "
            f"'available'. Currently in '{volume.status}'",
        )
    return volume_id


def boot_volume_goes_with_server(body: dict[str, Any]) -> bool:
    """Whether the boot volume is deleted with the server (its mapping says so)."""
    mapping = _boot_mapping(body)
    return bool(mapping and mapping.get("delete_on_termination"))


def _boot_mapping(body: dict[str, Any]) -> dict[str, Any] | None:
    for bdm in body.get("block_device_mapping_v2") or []:
        if (
            isinstance(bdm, dict)
            and str(bdm.get("boot_index")) == "0"
            and bdm.get("source_type") == "volume"
        ):
            return bdm
    return None


def check_quota(
    request: web.Request,
    project_id: str,
    flavor_vcpus: int,
    flavor_ram: int,
    min_count: int,
    max_count: int,
) -> int:
    """How many servers fit the quota (Nova boots as many as fit between min and max)."""
    compute = state(request)
    used = compute.usage(project_id)
    quota = compute.quota
    limits = {
        "instances": (1, quota.instances),
        "cores": (flavor_vcpus, quota.cores),
        "ram": (flavor_ram, quota.ram),
    }
    fits = max_count
    for resource, (each, limit) in limits.items():
        if limit < 0:
            continue
        room = (limit - used[resource]) // each if each else max_count
        if room < min_count:
            raise SimError(
                403,
                f"Quota exceeded for {resource}: Requested {each * min_count}, "
                f"but already used {used[resource]} of {limit} {resource}",
            )
        fits = min(fits, room)
    return fits


def availability_zone(request: web.Request, value: Any) -> tuple[str, str | None]:
    """The zone and the forced host of an `availability_zone` request value."""
    compute = state(request)
    if value is None:
        return compute.az, None
    if not isinstance(value, str):
        raise invalid("availability_zone", value, f"{value!r} is not of type 'string'")
    zone, _, host = value.partition(":")
    host = host.split(":", 1)[0]
    if zone and zone != compute.az:
        raise SimError(400, "The requested availability zone is not available")
    if host:
        if not ctx(request).is_admin:
            raise SimError(
                403,
                "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.",
            )
        if host not in compute.hosts:
            raise SimError(400, f"Compute host {host} could not be found.")
    return compute.az, host or None

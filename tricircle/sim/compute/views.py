"""JSON views of Nova resources, per microversion and caller."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tricircle.sim.compute.model import Flavor, Server
from tricircle.sim.http import Version, isotime

# Statuses for which Nova shows `progress`.
_PROGRESS = {"ACTIVE", "BUILD", "REBUILD", "RESIZE", "VERIFY_RESIZE", "MIGRATING"}


def usage_time(ts: float | None) -> str | None:
    """OS-SRV-USG times: naive ISO with microseconds, as Nova prints them."""
    if ts is None:
        return None
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


def links(base: str, kind: str, ident: str) -> list[dict[str, str]]:
    host = base.rsplit("/v2.1", 1)[0]
    return [
        {"rel": "self", "href": f"{base}/{kind}/{ident}"},
        {"rel": "bookmark", "href": f"{host}/{kind}/{ident}"},
    ]


def server_summary(server: Server, base: str) -> dict[str, Any]:
    return {"id": server.id, "name": server.name, "links": links(base, "servers", server.id)}


def server_detail(server: Server, base: str, mv: Version, admin: bool) -> dict[str, Any]:
    status = server.status
    image: Any = ""
    if server.image_id:
        image = {
            "id": server.image_id,
            "links": [
                {
                    "rel": "bookmark",
                    "href": f"{base.rsplit('/v2.1', 1)[0]}/images/{server.image_id}",
                }
            ],
        }
    if mv >= (2, 47):
        flavor: dict[str, Any] = server.flavor.embedded()
    else:
        flavor = {
            "id": server.flavor.id,
            "links": [
                {
                    "rel": "bookmark",
                    "href": f"{base.rsplit('/v2.1', 1)[0]}/flavors/{server.flavor.id}",
                }
            ],
        }
    body: dict[str, Any] = {
        "id": server.id,
        "name": server.name,
        "status": status,
        "tenant_id": server.project_id,
        "user_id": server.user_id,
        "metadata": dict(server.metadata),
        "hostId": server.host_id,
        "image": image,
        "flavor": flavor,
        "created": isotime(server.created_at),
        "updated": isotime(server.updated_at),
        "addresses": server.addresses(),
        "accessIPv4": server.access_ipv4,
        "accessIPv6": server.access_ipv6,
        "links": links(base, "servers", server.id),
        "OS-DCF:diskConfig": "MANUAL",
        "OS-EXT-AZ:availability_zone": server.availability_zone,
        "config_drive": server.config_drive,
        "key_name": server.key_name,
        "OS-SRV-USG:launched_at": usage_time(server.launched_at),
        "OS-SRV-USG:terminated_at": usage_time(server.terminated_at),
        "OS-EXT-STS:task_state": server.task_state,
        "OS-EXT-STS:vm_state": server.vm_state,
        "OS-EXT-STS:power_state": server.power_state,
        "os-extended-volumes:volumes_attached": [
            {"id": v.volume_id, "delete_on_termination": v.delete_on_termination}
            if mv >= (2, 3)
            else {"id": v.volume_id}
            for v in server.volumes
        ],
    }
    if status in _PROGRESS:
        body["progress"] = 0
    # Nova reads them from the server's ports: a server without any shows none
    if server.security_groups and server.interfaces and not server.deleted:
        body["security_groups"] = [{"name": n} for n in server.security_groups]
    if server.fault and status in ("ERROR", "DELETED"):
        body["fault"] = server.fault
    if admin:
        body["OS-EXT-SRV-ATTR:host"] = server.host
        body["OS-EXT-SRV-ATTR:instance_name"] = server.instance_name
        body["OS-EXT-SRV-ATTR:hypervisor_hostname"] = server.node
        if mv >= (2, 3):
            body.update(
                {
                    "OS-EXT-SRV-ATTR:reservation_id": server.reservation_id,
                    "OS-EXT-SRV-ATTR:launch_index": server.launch_index,
                    "OS-EXT-SRV-ATTR:hostname": server.hostname,
                    "OS-EXT-SRV-ATTR:kernel_id": "",
                    "OS-EXT-SRV-ATTR:ramdisk_id": "",
                    "OS-EXT-SRV-ATTR:root_device_name": "/dev/vda",
                    "OS-EXT-SRV-ATTR:user_data": server.user_data,
                }
            )
        if mv >= (2, 16):
            body["host_status"] = "UP"
    if mv >= (2, 9):
        body["locked"] = server.locked_by is not None
    if mv >= (2, 19):
        body["description"] = server.description
    if mv >= (2, 26):
        body["tags"] = list(server.tags)
    if mv >= (2, 63):
        body["trusted_image_certificates"] = None
    if mv >= (2, 73):
        body["locked_reason"] = server.locked_reason
    if mv >= (2, 90):
        body["OS-EXT-SRV-ATTR:hostname"] = server.hostname
    if mv >= (2, 96):
        body["pinned_availability_zone"] = server.pinned_availability_zone
    return body


def flavor_view(flavor: Flavor, base: str, mv: Version, detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": flavor.id,
        "name": flavor.name,
        "links": links(base, "flavors", flavor.id),
    }
    if mv >= (2, 55):
        body["description"] = flavor.description
    if not detail:
        return body
    body.update(
        {
            "ram": flavor.ram,
            "disk": flavor.disk,
            "vcpus": flavor.vcpus,
            # Before 2.75 Nova shows a zero swap as an empty string.
            "swap": flavor.swap if (flavor.swap or mv >= (2, 75)) else "",
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "OS-FLV-DISABLED:disabled": flavor.disabled,
            "os-flavor-access:is_public": flavor.is_public,
            "rxtx_factor": flavor.rxtx_factor,
        }
    )
    if mv >= (2, 61):
        body["extra_specs"] = dict(flavor.extra_specs)
    return body

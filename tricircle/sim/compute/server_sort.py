"""Nova's server sort keys, and the sort a list request asks for."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tricircle.sim.compute.model import Server
from tricircle.sim.http import SimError
from tricircle.sim.service import ctx

if TYPE_CHECKING:
    pass


# Nova's server sort keys and how each reads off our model.
SORT_KEYS: dict[str, Callable[[Server], Any]] = {
    "access_ip_v4": lambda s: s.access_ipv4,
    "access_ip_v6": lambda s: s.access_ipv6,
    "auto_disk_config": lambda s: False,
    "availability_zone": lambda s: s.availability_zone,
    "config_drive": lambda s: s.config_drive,
    "created_at": lambda s: s.created_at,
    "display_description": lambda s: s.description,
    "display_name": lambda s: s.name,
    "host": lambda s: s.host,
    "hostname": lambda s: s.hostname,
    "image_ref": lambda s: s.image_id,
    "instance_type_id": lambda s: s.flavor.seq,
    "kernel_id": lambda s: "",
    "key_name": lambda s: s.key_name,
    "launch_index": lambda s: s.launch_index,
    "launched_at": lambda s: s.launched_at,
    "locked_by": lambda s: s.locked_by,
    "node": lambda s: s.node,
    "power_state": lambda s: s.power_state,
    "progress": lambda s: 0,
    "project_id": lambda s: s.project_id,
    "ramdisk_id": lambda s: "",
    "root_device_name": lambda s: "/dev/vda",
    "task_state": lambda s: s.task_state,
    "terminated_at": lambda s: s.terminated_at,
    "updated_at": lambda s: s.updated_at,
    "user_id": lambda s: s.user_id,
    "uuid": lambda s: s.id,
    "vm_mode": lambda s: None,
    "vm_state": lambda s: s.vm_state,
    "id": lambda s: s.seq,
}
_ADMIN_SORT_KEYS = {"host", "node"}


# -- listing ----------------------------------------------------------------------------------


def sort_spec(request: web.Request) -> list[tuple[str, bool]]:
    """The sort keys (Nova's names) and their directions, with Nova's tail."""
    keys = request.rel_url.query.getall("sort_key", [])
    dirs = request.rel_url.query.getall("sort_dir", [])
    for key in keys:
        if key not in SORT_KEYS or key == "id":
            raise SimError(
                400,
                f"Invalid input for query parameters sort_key. Value: {key}. "
                f"'{key}' is not one of {sorted(set(SORT_KEYS) - {'id'})}",
            )
        if key in _ADMIN_SORT_KEYS and not ctx(request).is_admin:
            raise SimError(403, "Only administrators can sort servers by host or node.")
    for d in dirs:
        if d not in ("asc", "desc"):
            raise SimError(
                400,
                f"Invalid input for query parameters sort_dir. Value: {d}. "
                f"'{d}' is not one of ['asc', 'desc']",
            )
    if len(dirs) > len(keys):
        raise SimError(400, "Sort direction size exceeds sort key size")
    default_dir = dirs[0] if dirs else "desc"
    dirs = dirs + [default_dir] * (len(keys) - len(dirs))
    # Nova always finishes with created_at and id so the order is total.
    for tail in ("created_at", "id"):
        if tail not in keys:
            keys.append(tail)
            dirs.append(default_dir)
    return [(k, d == "desc") for k, d in zip(keys, dirs, strict=True)]

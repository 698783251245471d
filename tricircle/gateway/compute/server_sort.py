"""How Nova sorts servers: its sort keys, the JSON fields they show as, the default order."""

from __future__ import annotations

from aiohttp import web

from tricircle.listing.collection import pods_ignore_case
from tricircle.listing.ordering import Ordering, SortField
from tricircle.web.errors import bad_request

# Nova's sort keys (database columns) and where each shows in a server of /servers/detail.
SORT_FIELDS = {
    "uuid": "id",
    "display_name": "name",
    "created_at": "created",
    "updated_at": "updated",
    "vm_state": "OS-EXT-STS:vm_state",
    "task_state": "OS-EXT-STS:task_state",
    "power_state": "OS-EXT-STS:power_state",
    "availability_zone": "OS-EXT-AZ:availability_zone",
    "host": "OS-EXT-SRV-ATTR:host",
    "node": "OS-EXT-SRV-ATTR:hypervisor_hostname",
    "hostname": "OS-EXT-SRV-ATTR:hostname",
    "key_name": "key_name",
    "user_id": "user_id",
    "project_id": "tenant_id",
    "launched_at": "OS-SRV-USG:launched_at",
    "terminated_at": "OS-SRV-USG:terminated_at",
    "display_description": "description",
    "access_ip_v4": "accessIPv4",
    "access_ip_v6": "accessIPv6",
    "config_drive": "config_drive",
    "progress": "progress",
    "locked": "locked",
}
# Keys Nova accepts and silently ignores for non-admins (they reveal deployment details).
IGNORED_SORT_KEYS = {
    "architecture",
    "cell_name",
    "cleaned",
    "default_ephemeral_device",
    "default_swap_device",
    "deleted",
    "deleted_at",
    "disable_terminate",
    "ephemeral_gb",
    "ephemeral_key_uuid",
    "id",
    "key_data",
    "launched_on",
    "locked_by",
    "memory_mb",
    "os_type",
    "reservation_id",
    "root_gb",
    "shutdown_terminate",
    "user_data",
    "vcpus",
    "vm_mode",
    "image_ref",
    "instance_type_id",
    "kernel_id",
    "ramdisk_id",
    "root_device_name",
    "auto_disk_config",
    "launch_index",
}
DEFAULT_SORT = (("created_at", "desc"),)


def sort_order(request: web.Request) -> tuple[list[tuple[str, str]], Ordering]:
    """The pods' sort parameters and the matching order."""
    keys = request.query.getall("sort_key", [])
    dirs = request.query.getall("sort_dir", [])
    if len(dirs) > len(keys):
        raise bad_request("The number of sort_keys and sort_dirs must be same")
    wanted: list[tuple[str, str]] = []
    for position, key in enumerate(keys):
        direction = dirs[position] if position < len(dirs) else (dirs[0] if dirs else "desc")
        if direction not in ("asc", "desc"):
            raise bad_request(f"Invalid input for query parameters sort_dir. Value: {direction}.")
        if key in IGNORED_SORT_KEYS:
            continue
        if key not in SORT_FIELDS:
            raise bad_request(f"Invalid input for query parameters sort_key. Value: {key}.")
        # a key repeated sorts nothing more (SQL's ORDER BY a, a): the first one counts
        if all(key != seen for seen, _ in wanted):
            wanted.append((key, direction))
    wanted = wanted or list(DEFAULT_SORT)
    params = [
        pair for key, direction in wanted for pair in (("sort_key", key), ("sort_dir", direction))
    ]
    fields = tuple(SortField(SORT_FIELDS[k], d == "desc") for k, d in wanted)
    return params, Ordering(fields, case_insensitive=pods_ignore_case(request))

"""Nova's data in one pod: servers with vm/task/power state, flavors, keypairs."""

from __future__ import annotations

import hashlib
import itertools
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import SimError, now

# power_state values as Nova stores them
NOSTATE, RUNNING, PAUSED, SHUTDOWN, SUSPENDED = 0, 1, 3, 4, 7

# vm_state -> status, with the task states that override it (nova.api.openstack.common).
_STATUS: dict[str, tuple[str, dict[str, str]]] = {
    "active": (
        "ACTIVE",
        {
            "rebooting": "REBOOT",
            "reboot_pending": "REBOOT",
            "reboot_started": "REBOOT",
            "rebooting_hard": "HARD_REBOOT",
            "reboot_pending_hard": "HARD_REBOOT",
            "reboot_started_hard": "HARD_REBOOT",
            "rebuilding": "REBUILD",
            "rebuild_block_device_mapping": "REBUILD",
            "rebuild_spawning": "REBUILD",
            "resize_prep": "RESIZE",
            "resize_migrating": "RESIZE",
            "resize_migrated": "RESIZE",
            "resize_finish": "RESIZE",
            "migrating": "MIGRATING",
            "updating_password": "PASSWORD",
        },
    ),
    "building": ("BUILD", {}),
    "stopped": (
        "SHUTOFF",
        {
            "resize_prep": "RESIZE",
            "resize_migrating": "RESIZE",
            "resize_migrated": "RESIZE",
            "resize_finish": "RESIZE",
            "rebuilding": "REBUILD",
        },
    ),
    "resized": ("VERIFY_RESIZE", {"resize_reverting": "REVERT_RESIZE"}),
    "paused": ("PAUSED", {"migrating": "MIGRATING"}),
    "suspended": ("SUSPENDED", {}),
    "rescued": ("RESCUE", {}),
    "error": ("ERROR", {"rebuilding": "REBUILD"}),
    "deleted": ("DELETED", {}),
    "soft-delete": ("SOFT_DELETED", {}),
    "shelved": ("SHELVED", {}),
    "shelved_offloaded": ("SHELVED_OFFLOADED", {}),
}

# status filter -> vm_states it selects (the inverse map, for `?status=`)
STATUS_TO_VM_STATES: dict[str, set[str]] = {}
for _vm, (_status, _tasks) in _STATUS.items():
    STATUS_TO_VM_STATES.setdefault(_status, set()).add(_vm)
    for _task_status in _tasks.values():
        STATUS_TO_VM_STATES.setdefault(_task_status, set()).add(_vm)


def status_of(vm_state: str, task_state: str | None) -> str:
    base, overrides = _STATUS.get(vm_state, ("UNKNOWN", {}))
    return overrides.get(task_state or "", base)


_seq = itertools.count(1)


@dataclass
class Flavor:
    id: str
    name: str
    ram: int
    vcpus: int
    disk: int
    ephemeral: int = 0
    swap: int = 0
    rxtx_factor: float = 1.0
    is_public: bool = True
    disabled: bool = False
    description: str | None = None
    extra_specs: dict[str, str] = field(default_factory=dict)
    projects: set[str] = field(default_factory=set)  # who may use it when private
    seq: int = field(default_factory=lambda: next(_seq))

    def usable_by(self, project_id: str | None, admin: bool) -> bool:
        return self.is_public or admin or project_id in self.projects

    def embedded(self) -> dict[str, Any]:
        """The flavor as servers show it from 2.47 on."""
        return {
            "vcpus": self.vcpus,
            "ram": self.ram,
            "disk": self.disk,
            "ephemeral": self.ephemeral,
            "swap": self.swap,
            "original_name": self.name,
            "extra_specs": dict(self.extra_specs),
        }


DEFAULT_FLAVORS = (
    Flavor("1", "m1.tiny", 512, 1, 1),
    Flavor("2", "m1.small", 2048, 1, 20),
    Flavor("3", "m1.medium", 4096, 2, 40),
    Flavor("4", "m1.large", 8192, 4, 80),
    Flavor("5", "m1.xlarge", 16384, 8, 160),
    Flavor("42", "m1.nano", 128, 1, 1),
    Flavor("84", "m1.micro", 192, 1, 1),
)


@dataclass
class Keypair:
    name: str
    user_id: str
    public_key: str
    fingerprint: str
    type: str = "ssh"
    created_at: float = field(default_factory=now)
    seq: int = field(default_factory=lambda: next(_seq))


@dataclass
class VolumeAttachment:
    volume_id: str
    device: str
    attachment_id: str
    bdm_uuid: str
    tag: str | None = None
    delete_on_termination: bool = False


@dataclass
class Interface:
    port_id: str
    net_id: str
    network_name: str
    mac: str
    fixed_ips: list[dict[str, str]]
    tag: str | None = None


@dataclass
class Server:
    id: str
    name: str
    project_id: str
    user_id: str
    flavor: Flavor
    image_id: str  # "" when booted from a volume
    availability_zone: str
    host: str
    node: str
    vm_state: str = "building"
    task_state: str | None = "scheduling"
    power_state: int = NOSTATE
    key_name: str | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    tags: list[str] = field(default_factory=list)
    security_groups: list[str] = field(default_factory=lambda: ["default"])
    interfaces: list[Interface] = field(default_factory=list)
    volumes: list[VolumeAttachment] = field(default_factory=list)
    description: str | None = None
    access_ipv4: str = ""
    access_ipv6: str = ""
    hostname: str = ""
    user_data: str | None = None
    config_drive: str = ""
    locked_by: str | None = None  # "owner" or "admin", as Nova records it
    locked_reason: str | None = None
    reservation_id: str = ""
    launch_index: int = 0
    key_data: str | None = None
    old_flavor: Flavor | None = None
    prior_vm_state: str | None = None  # where confirm/revert/unrescue return to
    fault: dict[str, Any] | None = None
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)
    launched_at: float | None = None
    terminated_at: float | None = None
    deleted: bool = False
    pinned_availability_zone: str | None = None
    actions: list[dict[str, Any]] = field(default_factory=list)  # newest first
    seq: int = field(default_factory=lambda: next(_seq))  # Nova's integer id: creation order

    @property
    def status(self) -> str:
        return status_of(self.vm_state, self.task_state)

    @property
    def instance_name(self) -> str:
        return f"instance-{self.seq:08x}"

    @property
    def host_id(self) -> str:
        # Nova's hostId: an opaque hash of the host seen through the project.
        return hashlib.sha224((self.project_id + self.host).encode()).hexdigest()

    def touch(self) -> None:
        self.updated_at = now()

    def addresses(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for iface in self.interfaces:
            entries = out.setdefault(iface.network_name, [])
            for ip in iface.fixed_ips:
                entries.append(
                    {
                        "version": 6 if ":" in ip["ip_address"] else 4,
                        "addr": ip["ip_address"],
                        "OS-EXT-IPS:type": "fixed",
                        "OS-EXT-IPS-MAC:mac_addr": iface.mac,
                    }
                )
        return out

    def ips(self) -> list[str]:
        return [ip["ip_address"] for i in self.interfaces for ip in i.fixed_ips]


def check_state(
    server: Server,
    action: str,
    vm_states: tuple[str, ...] | None,
    task_states: tuple[str | None, ...] | None = (None,),
) -> None:
    """Nova's check_instance_state: 409 naming the attribute that is in the way."""
    if vm_states is not None and server.vm_state not in vm_states:
        raise SimError(
            409, f"Cannot '{action}' instance {server.id} while it is in vm_state {server.vm_state}"
        )
    if task_states is not None and server.task_state not in task_states:
        raise SimError(
            409,
            f"Cannot '{action}' instance {server.id} while it is in task_state {server.task_state}",
        )


@dataclass
class Quota:
    """Nova's default quotas; a deployment can raise them."""

    instances: int = 10
    cores: int = 20
    ram: int = 51200
    key_pairs: int = 100
    metadata_items: int = 128
    server_groups: int = 10
    server_group_members: int = 10


class ServerTable(dict[str, Server]):
    """A pod's servers by id. It counts the changes of membership, so that the sorted
    orders kept of it (tricircle.sim.compute.server_order) know when to rebuild."""

    def __init__(self) -> None:
        super().__init__()
        self.version = 0
        self.orders: dict[tuple[str | None, ...], Any] = {}

    def __setitem__(self, key: str, value: Server) -> None:
        self.version += 1
        super().__setitem__(key, value)

    def __delitem__(self, key: str) -> None:
        self.version += 1
        super().__delitem__(key)

    def pop(self, key: str, *default: Any) -> Any:
        self.version += 1
        return super().pop(key, *default)

    def clear(self) -> None:
        self.version += 1
        super().clear()


@dataclass
class Aggregate:
    """A host aggregate; each pod numbers its own from 1."""

    id: int
    name: str
    availability_zone: str | None
    uuid: str = field(default_factory=lambda: str(uuid.uuid4()))
    hosts: list[str] = field(default_factory=list)
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: float = field(default_factory=now)
    updated_at: float | None = None


@dataclass
class ComputeState:
    az: str
    hosts: list[str]
    quota: Quota = field(default_factory=Quota)
    servers: ServerTable = field(default_factory=ServerTable)
    deleted_servers: dict[str, Server] = field(default_factory=dict)
    flavors: dict[str, Flavor] = field(default_factory=dict)
    keypairs: dict[tuple[str, str], Keypair] = field(default_factory=dict)
    server_groups: dict[str, ServerGroup] = field(default_factory=dict)
    aggregates: dict[int, Aggregate] = field(default_factory=dict)
    aggregate_ids: Iterator[int] = field(default_factory=lambda: itertools.count(1))
    started_at: float = field(default_factory=now)

    def __post_init__(self) -> None:
        for flavor in DEFAULT_FLAVORS:
            self.flavors[flavor.id] = Flavor(
                **{**flavor.__dict__, "seq": next(_seq), "extra_specs": {}}
            )

    def usage(self, project_id: str) -> dict[str, int]:
        mine = [s for s in self.servers.values() if s.project_id == project_id]
        return {
            "instances": len(mine),
            "cores": sum(s.flavor.vcpus for s in mine),
            "ram": sum(s.flavor.ram for s in mine),
        }


@dataclass
class ServerGroup:
    id: str
    name: str
    policy: str
    rules: dict[str, int]
    project_id: str
    user_id: str
    members: list[str] = field(default_factory=list)

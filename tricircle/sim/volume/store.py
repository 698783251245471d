"""A pod's Cinder: its records, its clock, and the lookups every handler shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from tricircle.sim.http import Context, new_id
from tricircle.sim.volume import attaching
from tricircle.sim.volume.model import (
    DEFAULT_TYPE_NAME,
    Attachment,
    Backup,
    Snapshot,
    Transfer,
    Volume,
    VolumeType,
)
from tricircle.sim.volume.quota import QuotaBook


class Clock(Protocol):
    """When transitions happen: the pod's delays and its timer (Pod satisfies this)."""

    boot_delay: float
    action_delay: float

    def later(self, delay: float, fn: Callable[[], Any]) -> None: ...


class Immediate:
    """A clock without delays, for a VolumeState used on its own."""

    boot_delay = 0.0
    action_delay = 0.0

    def later(self, delay: float, fn: Callable[[], Any]) -> None:
        fn()


@dataclass
class VolumeState:
    """Everything one pod's Cinder holds. Open for tests to read and seed.

    `backup_service=False` plays a Cinder without cinder-backup (like the real test cloud):
    backups are accepted, then fail.  `capabilities` is what the pod's one backend reports;
    a type whose unscoped extra specs ask for something else cannot be scheduled.
    """

    az: str
    host: str = "sim-cinder"
    clock: Clock = field(default_factory=Immediate)
    backup_service: bool = True
    capabilities: dict[str, str] = field(
        default_factory=lambda: {"volume_backend_name": "sim", "storage_protocol": "iSCSI"}
    )
    volumes: dict[str, Volume] = field(default_factory=dict)
    snapshots: dict[str, Snapshot] = field(default_factory=dict)
    backups: dict[str, Backup] = field(default_factory=dict)
    types: dict[str, VolumeType] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    transfers: dict[str, Transfer] = field(default_factory=dict)
    quotas: QuotaBook = field(default_factory=QuotaBook)
    service_uuid: str = field(default_factory=new_id)  # the cinder-volume service's id

    def __post_init__(self) -> None:
        default = VolumeType(new_id(), DEFAULT_TYPE_NAME, "Default Volume Type")
        self.types[default.id] = default
        self.default_type_id = default.id

    @property
    def backend_host(self) -> str:
        """`os-vol-host-attr:host`: host@backend#pool."""
        name = self.capabilities["volume_backend_name"]
        return f"{self.host}@{name}#{name}"

    # -- lookups --

    def type_by_ref(self, ref: str) -> VolumeType | None:
        """A type by id or (failing that) by name."""
        return self.types.get(ref) or next((t for t in self.types.values() if t.name == ref), None)

    def find_type(self, ref: str, context: Context) -> VolumeType | None:
        """A type the caller may use, by id or name."""
        found = self.type_by_ref(ref)
        return found if found is not None and found.visible_to(context) else None

    def schedulable(self, volume_type: VolumeType) -> bool:
        """Cinder's capabilities filter: unscoped and `capabilities:` specs must match."""
        for key, wanted in volume_type.extra_specs.items():
            scope, _, name = key.rpartition(":")
            if scope in ("", "capabilities") and self.capabilities.get(name) != wanted:
                return False
        return True

    def snapshots_of(self, volume_id: str) -> list[Snapshot]:
        return [s for s in self.snapshots.values() if s.volume_id == volume_id]

    def attachments_of(self, volume_id: str) -> list[Attachment]:
        return [a for a in self.attachments.values() if a.volume_id == volume_id]

    # -- transitions --

    def after(self, delay: float, fn: Callable[[], Any]) -> None:
        self.clock.later(delay, fn)

    def settle(self, item: Volume | Snapshot | Backup, expected: str, final: str) -> None:
        """After the pod's create delay, `item` goes from `expected` to `final` (if still so)."""

        def done() -> None:
            if item.status == expected:
                item.set_status(final)

        self.after(self.clock.boot_delay, done)

    def remove_later(self, store: dict[str, Any], item_id: str) -> None:
        """A delete that takes the pod's delete time (its create delay)."""
        self.after(self.clock.boot_delay, lambda: store.pop(item_id, None))

    # -- what Nova calls (tricircle.sim.compute.attachments) --

    def attach(self, volume_id: str, server_id: str, device: str) -> Attachment:
        """Nova attaches: reserved now, attaching then in-use after the pod's action delay."""
        return attaching.nova_attach(self, self.volumes[volume_id], server_id, device)

    def detach(self, volume_id: str) -> None:
        """Nova detaches through its API: detaching now, available after the action delay."""
        if volume_id in self.volumes:
            attaching.nova_detach(self, self.volumes[volume_id])

    def release(self, volume_id: str, *, delete: bool = False) -> None:
        """Nova let go of the volume with its server (and deletes it if asked to)."""
        if volume_id in self.volumes:
            attaching.nova_release(self, self.volumes[volume_id], delete=delete)

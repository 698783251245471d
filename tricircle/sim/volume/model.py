"""Cinder's resources as a simulated pod keeps them: plain records, no HTTP."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tricircle.sim.http import Context, new_id, now

DEFAULT_TYPE_NAME = "__DEFAULT__"
# Extra specs a project member sees; the rest stay with the admins (Cinder's policy default).
USER_VISIBLE_EXTRA_SPECS = ("RESKEY:availability_zones", "multiattach", "replication_enabled")
# Statuses a volume may be deleted from without force.
DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
# Every volume status Cinder knows, in its order (os-reset_status lists them in its error).
VOLUME_STATUSES = (
    "creating",
    "available",
    "deleting",
    "error",
    "error_deleting",
    "error_managing",
    "managing",
    "attaching",
    "in-use",
    "detaching",
    "maintenance",
    "restoring-backup",
    "error_restoring",
    "reserved",
    "awaiting-transfer",
    "backing-up",
    "error_backing-up",
    "error_extending",
    "downloading",
    "uploading",
    "retyping",
    "extending",
)


def cinder_time(ts: float | None) -> str | None:
    """Cinder's timestamps: naive ISO 8601 with (zeroed) microseconds, as MySQL returns them."""
    if ts is None:
        return None
    return datetime.fromtimestamp(int(ts), UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")


class Stateful:
    """A record with a status and an update time (mixed into the dataclasses below)."""

    status: str
    updated_at: float | None

    def touch(self) -> None:
        self.updated_at = now()

    def set_status(self, status: str) -> None:
        self.status = status
        self.touch()


@dataclass
class VolumeType:
    id: str
    name: str
    description: str | None = None
    is_public: bool = True
    extra_specs: dict[str, str] = field(default_factory=dict)
    projects: set[str] = field(default_factory=set)  # who may use it while private
    created_at: float = field(default_factory=now)

    def visible_to(self, context: Context) -> bool:
        return context.is_admin or self.is_public or context.project_id in self.projects

    def specs_for(self, context: Context) -> dict[str, str]:
        if context.is_admin:
            return dict(self.extra_specs)
        return {k: v for k, v in self.extra_specs.items() if k in USER_VISIBLE_EXTRA_SPECS}

    @property
    def multiattach(self) -> bool:
        return self.extra_specs.get("multiattach") == "<is> True"


@dataclass
class Attachment:
    """A volume attachment; `status` is its attach_status (reserved → attaching → attached)."""

    id: str
    volume_id: str
    project_id: str
    instance_uuid: str | None
    status: str = "reserved"
    attach_mode: str = "null"
    mountpoint: str | None = None
    attached_host: str | None = None
    connection_info: dict[str, Any] = field(default_factory=dict)
    attached_at: float | None = None
    by_nova: bool = False  # made by the simulated Nova, which alone may undo it
    created_at: float = field(default_factory=now)


@dataclass
class Volume(Stateful):
    id: str
    project_id: str
    user_id: str
    size: int
    availability_zone: str
    volume_type_id: str
    name: str | None = None
    description: str | None = None
    status: str = "creating"
    attach_status: str = "detached"
    bootable: bool = False
    multiattach: bool = False
    metadata: dict[str, str] = field(default_factory=dict)
    # readonly and attached_mode live here; Cinder shows them among the metadata.
    admin_metadata: dict[str, str] = field(default_factory=dict)
    image_metadata: dict[str, str] | None = None
    snapshot_id: str | None = None
    source_volid: str | None = None
    previous_status: str | None = None
    created_at: float = field(default_factory=now)
    updated_at: float | None = None

    def shown_metadata(self) -> dict[str, str]:
        visible = {
            k: v for k, v in self.admin_metadata.items() if k in ("readonly", "attached_mode")
        }
        return {**self.metadata, **visible}


@dataclass
class Snapshot(Stateful):
    id: str
    volume_id: str
    project_id: str
    user_id: str
    size: int
    volume_type_id: str
    availability_zone: str  # its volume's (snapshots are filtered by it)
    name: str | None = None
    description: str | None = None
    status: str = "creating"
    progress: str = "0%"
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: float = field(default_factory=now)
    updated_at: float | None = None


@dataclass
class Backup(Stateful):
    id: str
    volume_id: str
    project_id: str
    user_id: str
    size: int
    name: str | None = None
    description: str | None = None
    status: str = "creating"
    availability_zone: str | None = None
    container: str | None = None
    snapshot_id: str | None = None
    parent_id: str | None = None  # the backup an incremental one builds on
    fail_reason: str | None = None
    object_count: int = 0
    metadata: dict[str, str] = field(default_factory=dict)
    created_at: float = field(default_factory=now)
    updated_at: float | None = field(default_factory=now)

    @property
    def is_incremental(self) -> bool:
        return self.parent_id is not None


@dataclass
class Transfer:
    id: str
    volume_id: str
    project_id: str  # the giving project, which alone sees it
    name: str | None
    auth_key: str = field(default_factory=lambda: new_id().replace("-", "")[:16])
    no_snapshots: bool = False
    created_at: float = field(default_factory=now)

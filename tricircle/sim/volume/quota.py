"""Cinder's quotas: limits per project (defaults, quota classes, per-project overrides) and
the usage they are held against, counted from what the pod holds."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from tricircle.sim.volume.errors import over_quota

if TYPE_CHECKING:
    from tricircle.sim.volume.store import VolumeState

DEFAULTS = {
    "volumes": 10,
    "snapshots": 10,
    "gigabytes": 1000,
    "backups": 10,
    "backup_gigabytes": 1000,
    "groups": 10,
    "per_volume_gigabytes": -1,
}
# Each volume type adds its own limits for these (unlimited unless set).
PER_TYPE = ("volumes", "gigabytes", "snapshots")


@dataclass
class QuotaBook:
    classes: dict[str, dict[str, int]] = field(default_factory=dict)  # "default" and others
    projects: dict[str, dict[str, int]] = field(default_factory=dict)

    def class_limits(self, name: str, type_names: Iterable[str]) -> dict[str, int]:
        limits = {**DEFAULTS, **{f"{r}_{t}": -1 for t in type_names for r in PER_TYPE}}
        limits.update(self.classes.get("default", {}))
        limits.update(self.classes.get(name, {}))
        return limits

    def limits(self, project_id: str, type_names: Iterable[str]) -> dict[str, int]:
        return {**self.class_limits("default", type_names), **self.projects.get(project_id, {})}


def type_names(state: VolumeState) -> list[str]:
    return [t.name for t in state.types.values()]


def project_limits(state: VolumeState, project_id: str) -> dict[str, int]:
    return state.quotas.limits(project_id, type_names(state))


def usage(state: VolumeState, project_id: str) -> dict[str, int]:
    """What the project holds now, under every quota name (error resources count too)."""
    used = dict.fromkeys(project_limits(state, project_id), 0)
    names = {t.id: t.name for t in state.types.values()}
    # Snapshots take gigabytes as volumes do (Cinder's no_snapshot_gb_quota is off).
    held = [(v.project_id, v.volume_type_id, "volumes", v.size) for v in state.volumes.values()]
    held += [
        (s.project_id, s.volume_type_id, "snapshots", s.size) for s in state.snapshots.values()
    ]
    for owner, type_id, counter, size in held:
        if owner != project_id:
            continue
        for key, amount in ((counter, 1), ("gigabytes", size)):
            for name in (key, f"{key}_{names.get(type_id, '')}"):
                used[name] = used.get(name, 0) + amount
    for backup in state.backups.values():
        if backup.project_id == project_id:
            used["backups"] += 1
            used["backup_gigabytes"] += backup.size
    return used


def check(state: VolumeState, project_id: str, type_name: str, **wanted: int) -> None:
    """Refuses (413, in Cinder's words) what would take the project over a limit.

    `wanted` maps volumes, snapshots, gigabytes, backups, backup_gigabytes to the amount
    asked for; the volume type's own limits are checked along."""
    limits = project_limits(state, project_id)
    used = usage(state, project_id)
    for key in sorted(wanted, key=lambda k: "gigabytes" not in k):  # sizes first, as Cinder
        for name in (key, f"{key}_{type_name}") if key in PER_TYPE else (key,):
            limit = limits.get(name, -1)
            if limit >= 0 and used.get(name, 0) + wanted[key] > limit:
                raise _exceeded(name, limit, used.get(name, 0), wanted[key])


def check_size(state: VolumeState, project_id: str, size: int) -> None:
    """per_volume_gigabytes, which limits one volume rather than a sum."""
    limit = project_limits(state, project_id)["per_volume_gigabytes"]
    if 0 <= limit < size:
        raise over_quota(
            "VolumeSizeExceedsLimit",
            f"Requested volume size {size}G is larger than maximum allowed limit {limit}G.",
        )


def _exceeded(name: str, limit: int, used: int, asked: int) -> Exception:
    if name == "backup_gigabytes":
        return over_quota(
            "VolumeBackupSizeExceedsAvailableQuota",
            f"Requested backup exceeds allowed Backup gigabytes quota. Requested {asked}G, "
            f"quota is {limit}G and {used}G has been consumed.",
        )
    if name.startswith("gigabytes"):
        return over_quota(
            "VolumeSizeExceedsAvailableQuota",
            f"Requested volume or snapshot exceeds allowed {name} quota. Requested {asked}G, "
            f"quota is {limit}G and {used}G has been consumed.",
        )
    if name.startswith("volumes"):
        return over_quota(
            "VolumeLimitExceeded",
            f"Maximum number of volumes allowed ({limit}) exceeded for quota '{name}'.",
        )
    kind = "Snapshot" if name.startswith("snapshots") else "Backup"
    return over_quota(
        f"{kind}LimitExceeded", f"Maximum number of {kind.lower()}s allowed ({limit}) exceeded"
    )

"""Volume backups: create, show, list, delete, restore.

With a backup service (the default) a backup goes creating → available while its volume is
backing-up.  Without one (`VolumeState.backup_service = False`, as on a Cinder that runs no
cinder-backup) Cinder still accepts the backup, then fails it ("Service not found for
creating backup."), and cannot delete or restore what it has.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response, new_id
from tricircle.sim.service import ctx
from tricircle.sim.volume import listing, quota
from tricircle.sim.volume.common import (
    at_least,
    get_snapshot,
    get_volume,
    links,
    owned,
    read_body,
    state_of,
)
from tricircle.sim.volume.errors import invalid_volume
from tricircle.sim.volume.model import Backup, Volume, cinder_time
from tricircle.sim.volume.store import VolumeState
from tricircle.sim.volume.validation import (
    BOOLEAN,
    DESCRIPTION,
    METADATA_OR_NULL,
    OPTIONAL_UUID,
    STRING_255,
    UUID,
    body_of,
    to_bool,
    validate,
)
from tricircle.sim.volume.volume_create import Source, new_volume


def no_service() -> SimError:
    return SimError(404, "Service cinder-backup could not be found.")


_FIELDS: dict[str, Any] = {
    "volume_id": UUID,
    "container": STRING_255,
    "description": DESCRIPTION,
    "incremental": BOOLEAN,
    "force": BOOLEAN,
    "name": STRING_255,
    "snapshot_id": OPTIONAL_UUID,
}
# 3.43 adds metadata, 3.51 the availability zone.
_ADDED = (((3, 43), "metadata", METADATA_OR_NULL), ((3, 51), "availability_zone", STRING_255))
RESTORE = body_of(
    "restore",
    {"volume_id": OPTIONAL_UUID, "name": STRING_255},
    additionalProperties=False,
)


def _get(request: web.Request) -> Backup:
    return owned(request, state_of(request).backups, request.match_info["backup_id"], "Backup")


def backup_view(request: web.Request, backup: Backup, *, detail: bool) -> dict[str, Any]:
    summary = {"id": backup.id, "name": backup.name, "links": links(request, "backups", backup.id)}
    if not detail:
        return summary
    state = state_of(request)
    admin = ctx(request).is_admin
    body = {
        **summary,
        "status": backup.status,
        "size": backup.size,
        "object_count": backup.object_count,
        "availability_zone": backup.availability_zone,
        "container": backup.container,
        "created_at": cinder_time(backup.created_at),
        "updated_at": cinder_time(backup.updated_at),
        "description": backup.description,
        "fail_reason": backup.fail_reason,
        "volume_id": backup.volume_id,
        "is_incremental": backup.is_incremental,
        "has_dependent_backups": any(b.parent_id == backup.id for b in state.backups.values()),
        "snapshot_id": backup.snapshot_id,
        "data_timestamp": cinder_time(backup.created_at),
    }
    optional = (
        (
            "os-backup-project-attr:project_id",
            admin and at_least(request, (3, 18)),
            backup.project_id,
        ),
        ("user_id", admin and at_least(request, (3, 56)), backup.user_id),
        ("metadata", at_least(request, (3, 43)), dict(backup.metadata)),
    )
    body.update({key: value for key, shown, value in optional if shown})
    return body


async def create_backup(request: web.Request) -> web.Response:
    fields = dict(_FIELDS)
    fields.update({name: rule for since, name, rule in _ADDED if at_least(request, since)})
    schema = body_of("backup", fields, required=["volume_id"], additionalProperties=False)
    spec = validate(await read_body(request), schema)["backup"]
    state = state_of(request)
    volume = get_volume(request, spec["volume_id"])
    snapshot = get_snapshot(request, spec["snapshot_id"]) if spec.get("snapshot_id") else None
    _check_source(volume, snapshot.status if snapshot else None, to_bool(spec.get("force", False)))
    if snapshot and snapshot.volume_id != volume.id:
        raise invalid_volume(
            f"Volume {volume.id} does not match with snapshot.volume_id {snapshot.volume_id}."
        )
    parent = _latest_backup(state, volume.id) if to_bool(spec.get("incremental", False)) else None
    context = ctx(request)
    quota.check(state, context.project_id or "", "", backups=1, backup_gigabytes=volume.size)
    backup = Backup(
        new_id(),
        volume.id,
        context.project_id or "",
        context.user_id,
        volume.size,
        name=spec.get("name"),
        description=spec.get("description"),
        snapshot_id=snapshot.id if snapshot else None,
        metadata=dict(spec.get("metadata") or {}),
        parent_id=parent.id if parent else None,
    )
    if state.backup_service:
        backup.availability_zone = spec.get("availability_zone") or state.az
        backup.container = spec.get("container") or "volumebackups"
    state.backups[backup.id] = backup
    _back_up(state, backup, volume)
    return json_response({"backup": backup_view(request, backup, detail=False)}, 202)


def _check_source(volume: Volume, snapshot_status: str | None, force: bool) -> None:
    if snapshot_status is not None:
        if snapshot_status != "available":
            raise SimError(
                400,
                "Invalid snapshot: Snapshot to be backed up must be available, but the current "
                f'status is "{snapshot_status}".',
            )
    elif volume.status not in ("available", "in-use"):
        raise invalid_volume(
            "Volume to be backed up must be available or in-use, but the current status is "
            f'"{volume.status}".'
        )
    elif volume.status == "in-use" and not force:
        raise invalid_volume("Backing up an in-use volume must use the force flag.")


def _latest_backup(state: VolumeState, volume_id: str) -> Backup:
    done = [
        b for b in state.backups.values() if b.volume_id == volume_id and b.status == "available"
    ]
    if not done:
        raise SimError(400, "Invalid backup: No backups available to do an incremental backup.")
    return max(done, key=lambda b: b.created_at)


def _back_up(state: VolumeState, backup: Backup, volume: Volume) -> None:
    """The volume is backing-up while the backup is made (or fails for want of a service)."""
    volume.previous_status = volume.status
    volume.set_status("backing-up")

    def finished() -> None:
        if volume.status == "backing-up":
            volume.set_status(volume.previous_status or "available")
        if backup.status != "creating":
            return
        if state.backup_service:
            backup.object_count = volume.size
            backup.set_status("available")
        else:
            backup.fail_reason = "Service not found for creating backup."
            backup.set_status("error")

    state.after(state.clock.boot_delay, finished)


async def show_backup(request: web.Request) -> web.Response:
    return json_response({"backup": backup_view(request, _get(request), detail=True)})


_COLUMNS = listing.attributes(
    *listing.RECORD,
    *("size", "volume_id", "user_id", "snapshot_id", "availability_zone", "name"),
    display_name="name",
)
BACKUPS = listing.Listing(
    "backups", "Backup", _COLUMNS, _COLUMNS, frozenset({"name", "status", "volume_id"})
)


async def list_backups(request: web.Request) -> web.Response:
    shown, extra = listing.listed(request, BACKUPS, state_of(request).backups.values())
    detail = request.path.endswith("/detail")
    return json_response(
        {"backups": [backup_view(request, b, detail=detail) for b in shown], **extra}
    )


async def delete_backup(request: web.Request) -> web.Response:
    backup = _get(request)
    state = state_of(request)
    if backup.status not in ("available", "error"):
        raise SimError(400, "Invalid backup: Backup status must be available or error")
    if any(b.parent_id == backup.id for b in state.backups.values()):
        raise SimError(400, "Invalid backup: Incremental backups exist for this backup.")
    if not state.backup_service:
        raise no_service()
    backup.set_status("deleting")
    state.remove_later(state.backups, backup.id)
    return web.Response(status=202)


async def restore_backup(request: web.Request) -> web.Response:
    """Into a given volume, or a new one; the volume is restoring-backup until done."""
    spec = validate(await read_body(request), RESTORE)["restore"]
    backup = _get(request)
    state = state_of(request)
    if backup.status != "available":
        raise SimError(400, "Invalid backup: Backup status must be available")
    if spec.get("volume_id"):
        volume = get_volume(request, spec["volume_id"])
    else:
        volume = new_volume(
            state,
            ctx(request),
            backup.size,
            Source(),
            name=spec.get("name") or f"restore_backup_{backup.id}",
            description="auto-created_from_restore_from_backup",
        )
        volume.status = "available"  # Cinder waits for it before restoring into it
    if volume.status != "available":
        raise invalid_volume("Volume to be restored to must be available")
    if backup.size > volume.size:
        raise invalid_volume(
            f"volume size {volume.size} is too small to restore backup of size {backup.size}."
        )
    if not state.backup_service:
        raise no_service()
    backup.set_status("restoring")
    volume.set_status("restoring-backup")

    def restored() -> None:
        backup.set_status("available")
        volume.set_status("available")

    state.after(state.clock.boot_delay, restored)
    return json_response(
        {"restore": {"backup_id": backup.id, "volume_id": volume.id, "volume_name": volume.name}},
        202,
    )

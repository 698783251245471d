"""Volume snapshots: creating → available, deleting; show, list, update, delete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response, new_id
from tricircle.sim.service import ctx
from tricircle.sim.volume import listing, quota
from tricircle.sim.volume.common import at_least, get_snapshot, get_volume, read_body, state_of
from tricircle.sim.volume.errors import invalid_volume
from tricircle.sim.volume.model import Snapshot, cinder_time
from tricircle.sim.volume.validation import (
    BOOLEAN,
    DESCRIPTION,
    METADATA_OR_NULL,
    STRING_255,
    UUID,
    body_of,
    to_bool,
    validate,
)

# From 3.66 in-use volumes may be snapshotted without force, and force=false is refused.
SNAPSHOT_IN_USE = (3, 66)
CREATE = body_of(
    "snapshot",
    {
        "name": STRING_255,
        "display_name": STRING_255,
        "description": DESCRIPTION,
        "volume_id": {"oneOf": [UUID, {"type": "null"}]},
        "force": BOOLEAN,
        "metadata": METADATA_OR_NULL,
    },
    required=["volume_id"],
    additionalProperties=False,
)
_NAMES = ("name", "description", "display_name", "display_description")
UPDATE = body_of(
    "snapshot",
    {
        "name": STRING_255,
        "description": DESCRIPTION,
        "display_name": STRING_255,
        "display_description": DESCRIPTION,
    },
    additionalProperties=False,
    anyOf=[{"required": [k]} for k in _NAMES],
)


def snapshot_view(
    request: web.Request, snap: Snapshot, *, detail: bool = True, extended: bool = False
) -> dict[str, Any]:
    """The summary (plain lists) or detail view; `extended` adds what show and detailed
    lists add: the owner and the progress."""
    body: dict[str, Any] = {
        "id": snap.id,
        "created_at": cinder_time(snap.created_at),
        "updated_at": cinder_time(snap.updated_at),
        "name": snap.name,
        "description": snap.description,
        "volume_id": snap.volume_id,
        "status": snap.status,
        "size": snap.size,
        "metadata": dict(snap.metadata),
    }
    optional = (
        ("group_snapshot_id", detail and at_least(request, (3, 14)), None),
        ("user_id", detail and at_least(request, (3, 41)), snap.user_id),
        ("consumes_quota", detail and at_least(request, (3, 65)), True),
        ("os-extended-snapshot-attributes:project_id", extended, snap.project_id),
        ("os-extended-snapshot-attributes:progress", extended, snap.progress),
    )
    body.update({key: value for key, shown, value in optional if shown})
    return body


async def create_snapshot(request: web.Request) -> web.Response:
    spec = validate(await read_body(request), CREATE)["snapshot"]
    volume = get_volume(request, spec["volume_id"])
    force = False
    if "force" in spec:
        force = to_bool(spec["force"])
        if at_least(request, SNAPSHOT_IN_USE) and not force:
            raise SimError(
                400,
                "Since microversion 3.66 the 'force' flag is invalid for this request.  For "
                "backward compatability, however, when the 'force' flag is passed with a value "
                "evaluating to True, it is silently ignored.",
            )
    if volume.status == "error":
        raise invalid_volume("The snapshot cannot be created when the volume is in error status.")
    allowed = (
        ("available", "in-use") if force or at_least(request, SNAPSHOT_IN_USE) else ("available",)
    )
    if volume.status not in allowed:
        raise invalid_volume(
            f"Volume {volume.id} status must be {', '.join(allowed)}, but current status is: "
            f"{volume.status}."
        )
    state = state_of(request)
    vtype = state.types.get(volume.volume_type_id)
    quota.check(
        state, volume.project_id, vtype.name if vtype else "", snapshots=1, gigabytes=volume.size
    )
    context = ctx(request)
    name = spec.get("name", spec.get("display_name"))
    snap = Snapshot(
        new_id(),
        volume.id,
        context.project_id or "",
        context.user_id,
        volume.size,
        volume.volume_type_id,
        volume.availability_zone,
        name=name.strip() if isinstance(name, str) else name,
        description=spec.get("description"),
        metadata=dict(spec.get("metadata") or {}),
    )
    state.snapshots[snap.id] = snap

    def taken() -> None:
        if snap.status == "creating":
            snap.progress = "100%"
            snap.set_status("available")

    state.after(state.clock.boot_delay, taken)
    return json_response({"snapshot": snapshot_view(request, snap)}, 202)


async def show_snapshot(request: web.Request) -> web.Response:
    return json_response({"snapshot": snapshot_view(request, get_snapshot(request), extended=True)})


_COLUMNS = listing.attributes(
    *listing.RECORD,
    *("size", "volume_id", "user_id", "progress", "availability_zone", "name"),
    display_name="name",
    volume_size="size",
)
SNAPSHOTS = listing.Listing(
    "snapshots",
    "Snapshot",
    _COLUMNS,
    {**_COLUMNS, "metadata": lambda s: s.metadata, "consumes_quota": listing.constant(True)},
    frozenset({"name", "status", "volume_id", "metadata", "availability_zone", "consumes_quota"}),
)


async def list_snapshots(request: web.Request) -> web.Response:
    shown, extra = listing.listed(request, SNAPSHOTS, state_of(request).snapshots.values())
    detail = request.path.endswith("/detail")
    views = [snapshot_view(request, s, detail=detail, extended=detail) for s in shown]
    return json_response({"snapshots": views, **extra})


async def update_snapshot(request: web.Request) -> web.Response:
    spec = validate(await read_body(request), UPDATE)["snapshot"]
    snap = get_snapshot(request)
    for api_name in _NAMES:
        if api_name in spec:
            setattr(snap, api_name.removeprefix("display_"), spec[api_name])
    snap.touch()
    return json_response({"snapshot": snapshot_view(request, snap)})


async def delete_snapshot(request: web.Request) -> web.Response:
    snap = get_snapshot(request)
    if snap.status not in ("available", "error"):
        raise SimError(
            400,
            "Invalid snapshot: Snapshot status must be available or error and must not be part "
            "of a group.",
        )
    state = state_of(request)
    snap.set_status("deleting")
    state.remove_later(state.snapshots, snap.id)
    return web.Response(status=202)

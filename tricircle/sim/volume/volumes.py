"""Volumes: how Cinder shows them, and show, list, summary, update and delete."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from aiohttp import web

from tricircle.sim.http import json_response, truthy
from tricircle.sim.service import ctx, require_admin
from tricircle.sim.volume import listing
from tricircle.sim.volume.common import (
    at_least,
    get_volume,
    links,
    read_body,
    require_version,
    state_of,
)
from tricircle.sim.volume.errors import either, invalid_volume
from tricircle.sim.volume.model import DELETABLE, Volume, cinder_time
from tricircle.sim.volume.validation import DESCRIPTION, METADATA, NAME, body_of, validate

# -- the views --


def volume_summary(request: web.Request, volume: Volume) -> dict[str, Any]:
    return {"id": volume.id, "name": volume.name, "links": links(request, "volumes", volume.id)}


def volume_detail(request: web.Request, volume: Volume, *, extended: bool) -> dict[str, Any]:
    """The detailed view; `extended` adds what Cinder's extensions add to show and list
    (owner, and for admins host and migration), but not to create and update answers."""
    state = state_of(request)
    admin = ctx(request).is_admin
    vtype = state.types.get(volume.volume_type_id)
    body: dict[str, Any] = {
        "id": volume.id,
        "status": volume.status,
        "size": volume.size,
        "availability_zone": volume.availability_zone,
        "created_at": cinder_time(volume.created_at),
        "updated_at": cinder_time(volume.updated_at),
        "name": volume.name,
        "description": volume.description,
        "volume_type": vtype.name if vtype else None,
        "snapshot_id": volume.snapshot_id,
        "source_volid": volume.source_volid,
        "metadata": volume.shown_metadata(),
        "links": links(request, "volumes", volume.id),
        "user_id": volume.user_id,
        "bootable": str(volume.bootable).lower(),
        "encrypted": False,
        "replication_status": None,
        "consistencygroup_id": None,
        "multiattach": volume.multiattach,
        "attachments": [
            {
                "id": volume.id,
                "attachment_id": a.id,
                "volume_id": volume.id,
                "server_id": a.instance_uuid,
                "host_name": a.attached_host if admin else None,
                "device": a.mountpoint,
                "attached_at": cinder_time(a.attached_at),
            }
            for a in state.attachments_of(volume.id)
            if a.status == "attached"
        ],
    }
    optional = (
        ("migration_status", admin, None),
        ("group_id", at_least(request, (3, 13)), None),
        ("provider_id", admin and at_least(request, (3, 21)), None),
        ("shared_targets", at_least(request, (3, 48)), False),
        ("service_uuid", at_least(request, (3, 48)), state.service_uuid),
        ("cluster_name", admin and at_least(request, (3, 61)), None),
        ("volume_type_id", at_least(request, (3, 63)), volume.volume_type_id),
        ("consumes_quota", at_least(request, (3, 65)), True),
        ("os-vol-tenant-attr:tenant_id", extended, volume.project_id),
        ("os-vol-host-attr:host", extended and admin, state.backend_host),
        ("os-vol-mig-status-attr:migstat", extended and admin, None),
        ("os-vol-mig-status-attr:name_id", extended and admin, None),
        ("volume_image_metadata", extended and volume.image_metadata, volume.image_metadata),
    )
    body.update({key: value for key, shown, value in optional if shown})
    return body


# -- show and list --


async def show_volume(request: web.Request) -> web.Response:
    return json_response({"volume": volume_detail(request, get_volume(request), extended=True)})


_COLUMNS = listing.attributes(
    *listing.RECORD,
    *("size", "availability_zone", "bootable", "user_id", "volume_type_id", "attach_status"),
    *("snapshot_id", "source_volid", "name"),
    display_name="name",
)
VOLUMES = listing.Listing(
    "volumes",
    "Volume",
    _COLUMNS,
    {
        **_COLUMNS,
        **listing.attributes("multiattach", display_description="description"),
        "metadata": Volume.shown_metadata,
        "migration_status": listing.constant(None),
        "group_id": listing.constant(None),
        "consumes_quota": listing.constant(True),
    },
    frozenset(
        {
            "name",
            "status",
            "metadata",
            "bootable",
            "migration_status",
            "availability_zone",
            "group_id",
            "size",
            "created_at",
            "updated_at",
            "consumes_quota",
        }
    ),
)


async def list_volumes(request: web.Request) -> web.Response:
    strict = at_least(request, (3, 2))  # boolean filters take only boolean words from 3.2
    volumes = state_of(request).volumes.values()
    shown, extra = listing.listed(request, VOLUMES, volumes, strict_bool=strict)
    if request.path.endswith("/detail"):
        views = [volume_detail(request, v, extended=True) for v in shown]
    else:
        views = [volume_summary(request, v) for v in shown]
    return json_response({"volumes": views, **extra})


async def volume_summary_totals(request: web.Request) -> web.Response:
    """`/volumes/summary` (3.12): count and size of the project's volumes; from 3.36 also
    every metadata key with its distinct values."""
    require_version(request, (3, 12))
    query = listing.parse(request, VOLUMES)
    volumes = listing.in_scope(request, query, state_of(request).volumes.values())
    body: dict[str, Any] = {
        "total_count": len(volumes),
        "total_size": sum(v.size for v in volumes),
    }
    if at_least(request, (3, 36)):
        values: dict[str, set[str]] = defaultdict(set)
        for volume in volumes:
            for key, value in volume.metadata.items():
                values[key].add(value)
        body["metadata"] = {k: sorted(v) for k, v in sorted(values.items())}
    return json_response({"volume-summary": body})


# -- update and delete --

_UPDATABLE = {
    "name": NAME,
    "description": DESCRIPTION,
    "display_name": NAME,
    "display_description": DESCRIPTION,
    "metadata": METADATA,
}
UPDATE = body_of("volume", _UPDATABLE, additionalProperties=False)
# From 3.53 an update must change something.
UPDATE_353 = body_of(
    "volume", _UPDATABLE, additionalProperties=False, anyOf=[{"required": [k]} for k in _UPDATABLE]
)


async def update_volume(request: web.Request) -> web.Response:
    body = validate(await read_body(request), UPDATE_353 if at_least(request, (3, 53)) else UPDATE)
    volume = get_volume(request)
    if volume.status == "maintenance":
        raise invalid_volume("The volume cannot be updated during maintenance.")
    spec = body["volume"]
    for api_name, attr in (
        ("display_name", "name"),
        ("name", "name"),
        ("display_description", "description"),
        ("description", "description"),
    ):
        if api_name in spec:
            value = spec[api_name]
            setattr(volume, attr, value.strip() if isinstance(value, str) else value)
    if "metadata" in spec:
        volume.metadata = dict(spec["metadata"])
    volume.touch()
    return json_response({"volume": volume_detail(request, volume, extended=False)})


async def delete_volume(request: web.Request) -> web.Response:
    volume = get_volume(request)
    query = request.rel_url.query
    force = at_least(request, (3, 23)) and truthy(query.get("force"))
    if force:
        require_admin(request, "volume_extension:volume_admin_actions:force_delete")
    begin_delete(request, volume, cascade=truthy(query.get("cascade")), force=force)
    return web.Response(status=202)


def begin_delete(request: web.Request, volume: Volume, *, cascade: bool, force: bool) -> None:
    """Cinder's conditions: not attached, in a deletable status unless forced, no snapshots
    (or, with cascade, only ones that may go), not awaiting a transfer; then deleting."""
    state = state_of(request)
    snapshots = state.snapshots_of(volume.id)
    refused = (
        volume.attach_status == "attached"
        or (not force and volume.status not in DELETABLE)
        or (snapshots and not cascade)
        or any(s.status not in ("available", "error") for s in snapshots)
    )
    if refused:
        status = "" if force else f"status must be {either(DELETABLE)} and"
        raise invalid_volume(
            f"Volume {status} must not be migrating, attached, belong to a group, have "
            "snapshots, awaiting a transfer, or be disassociated from snapshots after volume "
            "transfer."
        )
    for snapshot in snapshots:
        snapshot.set_status("deleting")
        state.remove_later(state.snapshots, snapshot.id)
    volume.set_status("deleting")
    state.remove_later(state.volumes, volume.id)

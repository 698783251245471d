"""Creating a volume: blank, from a snapshot, a volume, a backup or an image, with Cinder's
checks in Cinder's order, and the creating → available (or error) that follows."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tricircle.sim.http import Context, SimError, json_response, new_id
from tricircle.sim.image import Image
from tricircle.sim.service import ctx, pod_of
from tricircle.sim.volume import quota
from tricircle.sim.volume.common import at_least, get_snapshot, get_volume, owned, read_body
from tricircle.sim.volume.common import state_of as volume_state
from tricircle.sim.volume.errors import NOT_UNDERSTOOD, invalid_input, type_not_found
from tricircle.sim.volume.model import Backup, Snapshot, Volume, VolumeType
from tricircle.sim.volume.store import VolumeState
from tricircle.sim.volume.validation import (
    DESCRIPTION,
    METADATA_OR_NULL,
    NAME,
    OPTIONAL_BOOLEAN,
    OPTIONAL_UUID,
    SIZE,
    STRING_255,
    to_bool,
    validate,
)
from tricircle.sim.volume.volumes import volume_detail

_FIELDS: dict[str, Any] = {
    "name": NAME,
    "description": DESCRIPTION,
    "display_name": NAME,
    "display_description": DESCRIPTION,
    "volume_type": STRING_255,
    "metadata": METADATA_OR_NULL,
    "snapshot_id": OPTIONAL_UUID,
    "source_volid": OPTIONAL_UUID,
    "consistencygroup_id": OPTIONAL_UUID,
    "size": {**SIZE, "type": ["integer", "string", "null"]},
    "availability_zone": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
    "multiattach": OPTIONAL_BOOLEAN,
    "image_id": STRING_255,
    "imageRef": STRING_255,
}
# Later microversions know more fields, and from 3.53 refuse the ones they do not know.
_ADDED = (((3, 13), "group_id", STRING_255), ((3, 47), "backup_id", OPTIONAL_UUID))


def _schema(request: web.Request) -> dict[str, Any]:
    fields = dict(_FIELDS)
    fields.update({name: rule for since, name, rule in _ADDED if at_least(request, since)})
    volume = {
        "type": "object",
        "properties": fields,
        "additionalProperties": not at_least(request, (3, 53)),
    }
    return {
        "type": "object",
        "properties": {
            "volume": volume,
            "OS-SCH-HNT:scheduler_hints": {"type": ["object", "null"]},
        },
        "required": ["volume"],
        "additionalProperties": False,
    }


@dataclass
class Source:
    """What a new volume is made from, if anything."""

    snapshot: Snapshot | None = None
    volume: Volume | None = None
    backup: Backup | None = None
    image: Image | None = None

    def size(self) -> int | None:
        made_from = self.snapshot or self.volume or self.backup
        return made_from.size if made_from else None


async def create_volume(request: web.Request) -> web.Response:
    spec = validate(await read_body(request), _schema(request))["volume"]
    state = volume_state(request)
    context = ctx(request)
    vtype = _requested_type(state, context, spec.get("volume_type"))
    source = Source(
        snapshot=get_snapshot(request, spec["snapshot_id"]) if spec.get("snapshot_id") else None,
        volume=get_volume(request, spec["source_volid"]) if spec.get("source_volid") else None,
        backup=owned(request, state.backups, spec["backup_id"], "Backup")
        if spec.get("backup_id")
        else None,
    )
    image_ref = spec.get("imageRef") or spec.get("image_id")
    if image_ref is not None:
        source.image = _image(request, image_ref)
    size = spec.get("size")
    size = int(size) if size is not None else source.size()
    if size is None:
        raise SimError(400, NOT_UNDERSTOOD)
    if to_bool(spec.get("multiattach") or False):
        raise SimError(
            400,
            "multiattach parameter has been removed. The default behavior is to use "
            "multiattach enabled volume types. Contact your administrator to create a "
            "multiattach enabled volume type and use it to create multiattach volumes.",
        )
    volume = new_volume(
        state,
        context,
        size,
        source,
        vtype=vtype,
        name=_stripped(spec.get("name", spec.get("display_name"))),
        description=_stripped(spec.get("description", spec.get("display_description"))),
        availability_zone=spec.get("availability_zone"),
        metadata=spec.get("metadata") or {},
    )
    return json_response({"volume": volume_detail(request, volume, extended=False)}, 202)


def new_volume(
    state: VolumeState,
    context: Context,
    size: int,
    source: Source,
    *,
    vtype: VolumeType | None = None,
    name: str | None = None,
    description: str | None = None,
    availability_zone: str | None = None,
    metadata: dict[str, str] | None = None,
) -> Volume:
    """Cinder's volume API create: sources and size, zone, quotas; creating, then available
    after the pod's create delay (error when no backend fits the type)."""
    _check_source(source, size)
    origin = source.volume or (
        state.volumes.get(source.snapshot.volume_id) if source.snapshot else None
    )
    az = availability_zone or (origin.availability_zone if origin else state.az)
    if az != state.az:
        raise SimError(400, f"Availability zone '{az}' is invalid.")
    if vtype is None:
        type_id = origin.volume_type_id if origin else state.default_type_id
        vtype = state.types.get(type_id) or state.types[state.default_type_id]
    project = context.project_id or ""
    quota.check_size(state, project, size)
    quota.check(state, project, vtype.name, volumes=1, gigabytes=size)
    volume = Volume(
        new_id(),
        project,
        context.user_id,
        size,
        az,
        vtype.id,
        name=name,
        description=description,
        metadata=dict(metadata or {}),
        bootable=bool(source.image) or bool(origin and origin.bootable),
        multiattach=vtype.multiattach,
        image_metadata=_image_metadata(source.image) if source.image else None,
        snapshot_id=source.snapshot.id if source.snapshot else None,
        source_volid=source.volume.id if source.volume else None,
    )
    state.volumes[volume.id] = volume
    state.settle(volume, "creating", "available" if state.schedulable(vtype) else "error")
    return volume


def _requested_type(state: VolumeState, context: Context, ref: str | None) -> VolumeType | None:
    """By id or name; a private type the project may not use is named by its id."""
    if not ref:
        return None
    found = state.type_by_ref(ref)
    if found is None:
        raise type_not_found(ref)
    if not found.visible_to(context):
        raise type_not_found(found.id)
    return found


def _check_source(source: Source, size: int) -> None:
    if source.snapshot:
        if source.snapshot.status != "available":
            raise SimError(
                400,
                "Invalid snapshot: Originating snapshot status must be one of 'available' values",
            )
        if size < source.snapshot.size:
            raise invalid_input(
                f"Volume size '{size}'GB cannot be smaller than the snapshot size "
                f"{source.snapshot.size}GB. They must be >= original snapshot size."
            )
    if source.volume:
        if source.volume.status not in ("available", "in-use"):
            raise SimError(
                400,
                "Invalid volume: Originating source volume status must be one of "
                "'available, in-use' values",
            )
        if size < source.volume.size:
            raise invalid_input(
                f"Volume size '{size}'GB cannot be smaller than original volume size  "
                f"{source.volume.size}GB. They must be >= original volume size."
            )
    if source.backup and size < source.backup.size:
        raise invalid_input(
            f"Volume size {size}GB cannot be smaller than the backup size "
            f"{source.backup.size}GB. It must be >= backup size."
        )
    if source.image:
        needed = max(source.image.min_disk, math.ceil((source.image.size or 0) / 1024**3))
        if size < needed:
            raise invalid_input(
                f"Volume size {size}GB cannot be smaller than the image minDisk size {needed}GB."
            )


def _image(request: web.Request, ref: str) -> Image:
    """imageRef: an id (or a URL ending with one), else a unique name."""
    images = pod_of(request).image
    context = ctx(request)
    found = images.visible(ref.rsplit("/", 1)[-1], context)
    if found is None:
        named = [
            i for i in images.images.values() if i.name == ref and images.visible(i.id, context)
        ]
        if len(named) > 1:
            raise SimError(
                409, f"Multiple matches found for '{ref}', use an ID to be more specific."
            )
        found = named[0] if named else None
    if found is None or found.status != "active":
        raise SimError(400, "Invalid image identifier or unable to access requested image.")
    return found


def _image_metadata(image: Image) -> dict[str, str]:
    """What Cinder copies from Glance into volume_image_metadata (as strings)."""
    return {
        "image_id": image.id,
        "image_name": image.name or "",
        "checksum": image.checksum or "",
        "container_format": image.container_format or "",
        "disk_format": image.disk_format or "",
        "min_disk": str(image.min_disk),
        "min_ram": str(image.min_ram),
        "size": str(image.size or 0),
    }


def _stripped(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value

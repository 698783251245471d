"""The attachments API (3.27; completion 3.44): what Nova drives a volume's attach with."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response
from tricircle.sim.volume import attaching, listing
from tricircle.sim.volume.common import (
    at_least,
    get_volume,
    owned,
    read_body,
    require_version,
    state_of,
)
from tricircle.sim.volume.model import Attachment, cinder_time
from tricircle.sim.volume.validation import UUID, body_of, validate

NEW_ATTACH = (3, 27)
_CREATE_FIELDS = {
    "instance_uuid": UUID,
    "connector": {"type": ["object", "null"]},
    "volume_uuid": UUID,
}
CREATE = body_of("attachment", _CREATE_FIELDS, required=["volume_uuid"], additionalProperties=False)
# From 3.54 the attach mode may be asked for.
CREATE_354 = body_of(
    "attachment",
    {**_CREATE_FIELDS, "mode": {"type": "string", "enum": ["rw", "ro"]}},
    required=["volume_uuid"],
    additionalProperties=False,
)
UPDATE = body_of(
    "attachment",
    {"connector": {"type": "object", "minProperties": 1}},
    required=["connector"],
    additionalProperties=False,
)
COMPLETE = {
    "type": "object",
    "properties": {"os-complete": {}},
    "required": ["os-complete"],
    "additionalProperties": False,
}


def attachment_summary(attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.id,
        "status": attachment.status,
        "instance": attachment.instance_uuid,
        "volume_id": attachment.volume_id,
    }


def attachment_detail(attachment: Attachment) -> dict[str, Any]:
    return {
        **attachment_summary(attachment),
        "attached_at": cinder_time(attachment.attached_at) or "",
        "detached_at": "",
        "attach_mode": attachment.attach_mode,
        "connection_info": attachment.connection_info,
    }


def _get(request: web.Request) -> Attachment:
    require_version(request, NEW_ATTACH)
    ident = request.match_info["attachment_id"]
    try:
        return owned(request, state_of(request).attachments, ident, "")
    except SimError:
        raise SimError(
            404, f"Volume attachment could not be found with filter: attachment_id = {ident}."
        ) from None


async def create_attachment(request: web.Request) -> web.Response:
    require_version(request, NEW_ATTACH)
    schema = CREATE_354 if at_least(request, (3, 54)) else CREATE
    spec = validate(await read_body(request), schema)["attachment"]
    state = state_of(request)
    volume = get_volume(request, spec["volume_uuid"])
    attachment = attaching.reserve(state, volume, spec.get("instance_uuid"))
    # Cinder's deprecated read-only switch wins over the mode asked for, whatever its value.
    mode = "ro" if "readonly" in volume.admin_metadata else spec.get("mode", "null")
    answer = replace(attachment, attach_mode=mode)
    if spec.get("connector"):
        answer.connection_info = attaching.connect(state, attachment, spec["connector"])
    attachment.attach_mode = mode
    # The answer is the record as the API read it, before the volume service connected it.
    return json_response({"attachment": attachment_detail(answer)})


async def show_attachment(request: web.Request) -> web.Response:
    return json_response({"attachment": attachment_detail(_get(request))})


ATTACHMENTS = listing.Listing(
    "attachments",
    "VolumeAttachment",
    listing.attributes(
        "id",
        "created_at",
        "volume_id",
        "instance_uuid",
        updated_at="attached_at",
        attach_status="status",
    ),
    listing.attributes(
        "volume_id", "status", "instance_uuid", attach_status="status", instance_id="instance_uuid"
    ),
    frozenset({"volume_id", "status", "instance_id", "attach_status"}),
    count_from=None,
)


async def list_attachments(request: web.Request) -> web.Response:
    require_version(request, NEW_ATTACH)
    shown, _ = listing.listed(request, ATTACHMENTS, state_of(request).attachments.values())
    view = attachment_detail if request.path.endswith("/detail") else attachment_summary
    return json_response({"attachments": [view(a) for a in shown]})


async def update_attachment(request: web.Request) -> web.Response:
    attachment = _get(request)
    connector = validate(await read_body(request), UPDATE)["attachment"]["connector"]
    answer = replace(attachment)
    answer.connection_info = attaching.connect(state_of(request), attachment, connector)
    return json_response({"attachment": attachment_detail(answer)})


async def complete_attachment(request: web.Request) -> web.Response:
    require_version(request, (3, 44))
    attachment = _get(request)
    validate(await read_body(request), COMPLETE)
    attaching.complete(state_of(request), attachment)
    return web.Response(status=204)


async def delete_attachment(request: web.Request) -> web.Response:
    """Answers with the volume's attachments that are left."""
    attachment = _get(request)
    attaching.check_user_may_detach(attachment)
    state = state_of(request)
    attaching.finish_detach(state, attachment)
    left = state.attachments_of(attachment.volume_id)
    return json_response({"attachments": [attachment_summary(a) for a in left]})

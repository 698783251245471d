"""`POST /volumes/{id}/action`: one action per body, with Cinder's status checks.

Cinder picks the action from the body's only key, checks the body against the action's
schema, then loads the volume (404) and applies the action's rules.  os-volume_upload_image
is not simulated (it answers as an unknown action).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response
from tricircle.sim.service import require_admin
from tricircle.sim.volume import attaching, quota
from tricircle.sim.volume.common import at_least, get_volume, read_body, state_of
from tricircle.sim.volume.errors import either, invalid_input, invalid_volume, type_not_found
from tricircle.sim.volume.model import VOLUME_STATUSES, Volume
from tricircle.sim.volume.store import VolumeState
from tricircle.sim.volume.validation import (
    BOOLEAN,
    SIZE,
    UUID,
    body_of,
    to_bool,
    validate,
)
from tricircle.sim.volume.volumes import begin_delete

Handler = Callable[[web.Request, Volume, dict[str, Any]], Awaitable[dict[str, Any] | None]]
ADMIN_ACTIONS = "volume_extension:volume_admin_actions"


@dataclass(frozen=True)
class Action:
    schema: dict[str, Any]
    run: Handler
    status: int = 202
    since: tuple[int, int] = (3, 0)


def _schema(name: str, properties: dict[str, Any] | None = None, **rules: Any) -> dict[str, Any]:
    if properties is None:  # actions whose body is not looked at
        return {
            "type": "object",
            "properties": {name: {}},
            "required": [name],
            "additionalProperties": False,
        }
    return body_of(name, properties, additionalProperties=False, **rules)


def _state(request: web.Request) -> VolumeState:
    return state_of(request)


# -- size, flags, status --


async def extend(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    new_size = int(spec["new_size"])
    if new_size <= volume.size:
        raise invalid_input(
            "New size for extend must be greater than current size. "
            f"(current: {volume.size}, extended: {new_size})."
        )
    # From 3.42 an attached volume may grow too.
    expected = "in-use" if at_least(request, (3, 42)) and volume.status == "in-use" else "available"
    if volume.status != expected:
        raise invalid_volume(
            f"Volume {volume.id} status must be '{{'status': '{expected}'}}' to extend, "
            f"currently {volume.status}."
        )
    state = _state(request)
    quota.check_size(state, volume.project_id, new_size)
    vtype = state.types.get(volume.volume_type_id)
    quota.check(
        state, volume.project_id, vtype.name if vtype else "", gigabytes=new_size - volume.size
    )
    volume.previous_status = volume.status
    volume.set_status("extending")

    def grown() -> None:
        if volume.status == "extending":
            volume.size = new_size
            volume.set_status(volume.previous_status or "available")

    state.after(state.clock.action_delay, grown)


async def extend_completion(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    """3.71, for Nova: the simulated backend never waits for it, so nothing is pending."""
    require_admin(request, "volume_extension:volume_actions:extend_volume_completion")
    if volume.status != "extending":
        raise invalid_volume("Volume is not being extended.")
    raise invalid_volume("Required volume admin metadata is malformed or missing.")


async def set_bootable(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    volume.bootable = to_bool(spec["bootable"])
    volume.touch()


async def update_readonly(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    if volume.status != "available":
        raise invalid_volume(
            f"Volume {volume.id} status must be available to update readonly flag, but "
            f"current status is: {volume.status}."
        )
    volume.admin_metadata["readonly"] = str(to_bool(spec["readonly"]))
    volume.touch()


async def reset_status(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    require_admin(request, f"{ADMIN_ACTIONS}:reset_status")
    status, attach_status = spec.get("status"), spec.get("attach_status")
    if not (status or attach_status or spec.get("migration_status")):
        raise SimError(
            400, "Must specify 'status', 'attach_status' or 'migration_status' for update."
        )
    if status and status.lower() not in VOLUME_STATUSES:
        raise SimError(
            400, f"Volume status: {status} is invalid, valid statuses are: {VOLUME_STATUSES}."
        )
    if attach_status and attach_status.lower() not in ("attached", "detached"):
        raise SimError(
            400,
            f"Volume attach status: {attach_status} is invalid, valid statuses are: "
            "['attached', 'detached'].",
        )
    if attach_status:
        volume.attach_status = attach_status.lower()
        if volume.attach_status == "detached":
            for attachment in _state(request).attachments_of(volume.id):
                _state(request).attachments.pop(attachment.id)
    if status:
        volume.set_status(status.lower())


async def force_delete(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    require_admin(request, f"{ADMIN_ACTIONS}:force_delete")
    begin_delete(request, volume, cascade=False, force=True)


async def retype(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    state = _state(request)
    ref = spec["new_type"]
    new_type = state.type_by_ref(ref)  # Cinder looks it up as an admin: private ones too
    if new_type is None:
        raise type_not_found(ref)
    if volume.status not in ("available", "in-use") or new_type.id == volume.volume_type_id:
        raise invalid_volume(
            "Retype needs volume to be in available or in-use state, not be part of an active "
            "migration or a consistency group, requested type has to be different that the one "
            "from the volume, and for in-use volumes front-end qos specs cannot change."
        )
    quota.check(state, volume.project_id, new_type.name, volumes=1, gigabytes=volume.size)
    volume.previous_status = volume.status
    volume.set_status("retyping")

    def retyped() -> None:
        # A type no backend fits leaves the volume as it was (the scheduler gives up).
        if volume.status == "retyping":
            if state.schedulable(new_type):
                volume.volume_type_id = new_type.id
                volume.multiattach = new_type.multiattach
            volume.set_status(volume.previous_status or "available")

    state.after(state.clock.action_delay, retyped)


# -- the legacy attach flow (before the attachments API) --


async def reserve(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    allowed = ("available", "in-use") if volume.multiattach else ("available",)
    if volume.status not in allowed:
        raise invalid_volume(
            f"Volume status must be {either(allowed)} to reserve, but the status is "
            f"{volume.status}."
        )
    volume.set_status("attaching")


async def unreserve(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    if volume.status == "attaching":
        held = _state(request).attachments_of(volume.id)
        volume.set_status("in-use" if held else "available")


async def begin_detaching(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    if volume.status != "in-use" or volume.attach_status != "attached":
        raise invalid_volume(
            "Unable to detach volume. Volume status must be 'in-use' and attach_status must be "
            "'attached' to detach."
        )
    volume.set_status("detaching")


async def roll_detaching(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    if volume.status == "detaching":
        volume.set_status("in-use")


async def initialize_connection(
    request: web.Request, volume: Volume, spec: dict[str, Any]
) -> dict[str, Any]:
    connector = spec["connector"] if isinstance(spec["connector"], dict) else {}
    return {
        "connection_info": {
            "driver_volume_type": "iscsi",
            "data": {
                "access_mode": "ro" if volume.admin_metadata.get("readonly") == "True" else "rw",
                "cacheable": False,
                "encrypted": False,
                "enforce_multipath": False,
                "qos_specs": None,
            },
            "enforce_multipath": bool(connector.get("enforce_multipath", False)),
        }
    }


async def attach(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    mode = spec.get("mode", "rw")
    volume.admin_metadata.setdefault("readonly", "False")
    if volume.admin_metadata["readonly"] == "True" and mode != "ro":
        raise SimError(
            400,
            "Error attaching volume - InvalidVolumeAttachMode: Invalid attaching mode "
            f"'{mode}' for volume {volume.id}.",
        )
    state = _state(request)
    instance = spec.get("instance_uuid")
    attachment = next(
        (a for a in state.attachments_of(volume.id) if a.instance_uuid == instance),
        None,
    ) or attaching.new_attachment(state, volume, instance)
    attaching.connect(
        state,
        attachment,
        {"host": spec.get("host_name"), "mountpoint": spec["mountpoint"], "mode": mode},
    )
    attaching.complete(state, attachment)
    volume.admin_metadata["attached_mode"] = mode


async def detach(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    state = _state(request)
    wanted = (spec or {}).get("attachment_id")
    held = [a for a in state.attachments_of(volume.id) if wanted in (None, a.id)]
    for attachment in held[:1]:
        attaching.check_user_may_detach(attachment)
        attaching.finish_detach(state, attachment)


async def terminate_connection(request: web.Request, volume: Volume, spec: dict[str, Any]) -> None:
    held = _state(request).attachments_of(volume.id)
    if len(held) == 1:
        attaching.check_user_may_detach(held[0])
    await unreserve(request, volume, spec)


_CONNECTOR = {"type": ["object", "string"]}
ACTIONS: dict[str, Action] = {
    "os-extend": Action(_schema("os-extend", {"new_size": SIZE}, required=["new_size"]), extend),
    "os-extend_volume_completion": Action(
        _schema("os-extend_volume_completion", {"error": {"type": "boolean"}}),
        extend_completion,
        since=(3, 71),
    ),
    "os-set_bootable": Action(
        _schema("os-set_bootable", {"bootable": BOOLEAN}, required=["bootable"]),
        set_bootable,
        status=200,
    ),
    "os-update_readonly_flag": Action(
        _schema("os-update_readonly_flag", {"readonly": BOOLEAN}, required=["readonly"]),
        update_readonly,
    ),
    "os-reset_status": Action(
        _schema(
            "os-reset_status",
            {
                "status": {"type": ["string", "null"]},
                "attach_status": {"type": ["string", "null"]},
                "migration_status": {"type": ["string", "null"]},
            },
        ),
        reset_status,
    ),
    "os-force_delete": Action(_schema("os-force_delete"), force_delete),
    "os-retype": Action(
        _schema(
            "os-retype",
            {
                "new_type": {"type": "string"},
                "migration_policy": {"type": ["string", "null"], "enum": ["on-demand", "never"]},
            },
            required=["new_type"],
        ),
        retype,
    ),
    "os-reserve": Action(_schema("os-reserve"), reserve),
    "os-unreserve": Action(_schema("os-unreserve"), unreserve),
    "os-begin_detaching": Action(_schema("os-begin_detaching"), begin_detaching),
    "os-roll_detaching": Action(_schema("os-roll_detaching"), roll_detaching),
    "os-initialize_connection": Action(
        _schema("os-initialize_connection", {"connector": _CONNECTOR}, required=["connector"]),
        initialize_connection,
        status=200,
    ),
    "os-terminate_connection": Action(
        _schema(
            "os-terminate_connection",
            {"connector": {"type": ["string", "object", "null"]}},
            required=["connector"],
        ),
        terminate_connection,
    ),
    "os-attach": Action(
        _schema(
            "os-attach",
            {
                "instance_uuid": UUID,
                "mountpoint": {"type": "string", "minLength": 1, "maxLength": 255},
                "host_name": {"type": "string", "maxLength": 255},
                "mode": {"type": "string", "enum": ["rw", "ro"]},
            },
            required=["mountpoint"],
            anyOf=[{"required": ["instance_uuid"]}, {"required": ["host_name"]}],
        ),
        attach,
    ),
    "os-detach": Action(
        _schema(
            "os-detach",
            {"attachment_id": {"oneOf": [UUID, {"type": "null"}]}},
            type=["object", "null"],
        ),
        detach,
    ),
}


async def volume_action(request: web.Request) -> web.Response:
    body = await read_body(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise SimError(400, "Malformed request body")
    name = next(iter(body))
    action = ACTIONS.get(name)
    if action is None or not at_least(request, action.since):
        raise SimError(
            400,
            f"There is no such action: {name}. Verify the request body and Content-Type header "
            "and try again.",
        )
    validate(body, action.schema)
    result = await action.run(request, get_volume(request), body[name])
    return json_response(result, action.status) if result else web.Response(status=action.status)

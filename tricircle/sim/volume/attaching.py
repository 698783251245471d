"""Cinder's attach state machine, shared by the attachments API, the legacy volume actions
and the simulated Nova.

An attachment goes reserved → attaching (a connector was given) → attached (completed); the
volume follows: reserved → attaching → in-use, and back through detaching to available.  When
an attachment goes, the volume takes the status of the most advanced one left (attached >
attaching > detaching > reserved), or available when none is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tricircle.sim.http import SimError, new_id, now
from tricircle.sim.volume.errors import either, invalid_volume
from tricircle.sim.volume.model import Attachment, Volume

if TYPE_CHECKING:
    from tricircle.sim.volume.store import VolumeState

# What an attachment's status makes of its volume's status.
_VOLUME_STATUS = {"attached": "in-use", "detached": "available"}


def reserve(state: VolumeState, volume: Volume, instance_uuid: str | None) -> Attachment:
    """Cinder's attachment reserve: the volume must be free (or multiattach, or already held
    by the same instance, as when Nova moves a server)."""
    if "error" in volume.status:
        raise invalid_volume(
            "Volume attachments can not be created if the volume is in an error state. "
            f"The Volume {volume.id} currently has a status of: {volume.status} "
        )
    allowed = (
        ("available", "in-use", "downloading")
        if volume.multiattach
        else ("available", "downloading")
    )
    if volume.status in allowed:
        volume.set_status("reserved")
    elif not (
        instance_uuid
        and volume.status in ("in-use", "reserved")
        and any(a.instance_uuid == instance_uuid for a in state.attachments_of(volume.id))
    ):
        raise invalid_volume(
            f"Volume {volume.id} status must be {either(allowed)} to reserve, but the current "
            f"status is {volume.status}."
        )
    return new_attachment(state, volume, instance_uuid)


def new_attachment(state: VolumeState, volume: Volume, instance_uuid: str | None) -> Attachment:
    attachment = Attachment(new_id(), volume.id, volume.project_id, instance_uuid)
    state.attachments[attachment.id] = attachment
    return attachment


def check_user_may_detach(attachment: Attachment) -> None:
    """A user may not tear down what Nova connected (Cinder asks Nova; bug #2004555)."""
    if attachment.by_nova and attachment.connection_info:
        raise SimError(
            409, f"Detach volume from instance {attachment.instance_uuid} using the Compute API"
        )


def connect(
    state: VolumeState, attachment: Attachment, connector: dict[str, Any]
) -> dict[str, Any]:
    """The connector arrives: the driver exports the volume, both go to attaching."""
    volume = state.volumes[attachment.volume_id]
    mode = attachment.attach_mode if attachment.attach_mode != "null" else "rw"
    mode = connector.get("mode") or mode
    attachment.connection_info = {
        "access_mode": mode,
        "attachment_id": attachment.id,
        "cacheable": False,
        "driver_volume_type": "iscsi",
        "encrypted": False,
        "enforce_multipath": False,
        "qos_specs": None,
    }
    attachment.status = "attaching"
    attachment.attach_mode = mode
    attachment.attached_host = connector.get("host", "")
    attachment.mountpoint = connector.get("mountpoint", "na")
    attachment.attached_at = now()
    volume.attach_status = "attaching"
    volume.set_status("attaching")
    return attachment.connection_info


def complete(state: VolumeState, attachment: Attachment) -> None:
    """The consumer is connected: attached, and the volume in-use."""
    volume = state.volumes[attachment.volume_id]
    attachment.status = "attached"
    volume.attach_status = "attached"
    volume.set_status("in-use")


def finish_detach(state: VolumeState, attachment: Attachment) -> None:
    """The attachment goes; the volume takes the status the remaining ones give it."""
    state.attachments.pop(attachment.id, None)
    volume = state.volumes.get(attachment.volume_id)
    if volume is None:
        return
    left = sorted(a.status for a in state.attachments_of(volume.id))
    volume.attach_status = left[0] if left else "detached"
    volume.admin_metadata.pop("attached_mode", None)
    volume.set_status(_VOLUME_STATUS.get(volume.attach_status, volume.attach_status))


# -- the simulated Nova --------------------------------------------------------------------


def nova_attach(state: VolumeState, volume: Volume, server_id: str, device: str) -> Attachment:
    """Nova's API reserves; its compute connects and completes after the action delay."""
    attachment = reserve(state, volume, server_id)
    attachment.by_nova = True  # Cinder refuses to let users detach it behind Nova's back

    def connected() -> None:
        if attachment.id in state.attachments:
            connect(state, attachment, {"mountpoint": device})
            complete(state, attachment)

    state.after(state.clock.action_delay, connected)
    return attachment


def nova_detach(state: VolumeState, volume: Volume) -> None:
    """Nova's API begins detaching; its compute deletes the attachment after the delay."""
    if volume.status == "in-use":
        volume.set_status("detaching")
    state.after(state.clock.action_delay, lambda: _drop_nova_attachments(state, volume))


def nova_release(state: VolumeState, volume: Volume, *, delete: bool) -> None:
    """A deleted server lets go at once; a delete_on_termination volume goes with it."""
    _drop_nova_attachments(state, volume)
    if delete and volume.status == "available" and not state.snapshots_of(volume.id):
        volume.set_status("deleting")
        state.remove_later(state.volumes, volume.id)


def _drop_nova_attachments(state: VolumeState, volume: Volume) -> None:
    for attachment in state.attachments_of(volume.id):
        if attachment.by_nova:
            finish_detach(state, attachment)

"""Image records: create (an id given is kept: copies share it), show, JSON-patch update,
delete, deactivate and reactivate."""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, base_url, json_response, new_id
from tricircle.sim.image.access import (
    check_visibility,
    get_image,
    get_owned,
    require_owner,
    state_of,
)
from tricircle.sim.image.errors import detailed, read_only, reserved
from tricircle.sim.image.importing import METHODS
from tricircle.sim.image.model import STORE, Image
from tricircle.sim.image.quotas import check_properties, check_tags
from tricircle.sim.image.validation import (
    READ_ONLY_ON_CREATE,
    Change,
    parse_create,
    parse_patch,
)
from tricircle.sim.service import ctx

Handler = Callable[[web.Request], Awaitable[web.Response]]
# The image attributes a patch sets directly; any other path is an additional property.
SETTABLE = (
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
    "tags",
    "owner",
)
# Attributes that exist but are not the patch's to remove.
_ATTRIBUTES = (*SETTABLE, "locations", "checksum", "size", "virtual_size", "status")


async def create_image(request: web.Request) -> web.Response:
    context = ctx(request)
    spec = await parse_create(request)
    given = spec.attributes
    owner = given.get("owner", context.project_id)
    if not context.is_admin and owner != context.project_id:
        raise detailed(403, f"You are not permitted to create images owned by '{owner}'")
    check_visibility(context, given.get("visibility"))
    for key in READ_ONLY_ON_CREATE:
        if key in given:
            raise read_only(key)
    if "locations" in spec.properties:
        raise reserved("locations")
    check_tags(spec.tags)
    check_properties(spec.properties)
    state = state_of(request)
    image_id = given.get("id") or new_id()
    if image_id in state.images or image_id in state.deleted:
        raise SimError(409, f"Image ID {image_id} already exists!")
    image = Image(
        image_id,
        given.get("name"),
        owner,
        given.get("visibility", "shared"),
        disk_format=given.get("disk_format"),
        container_format=given.get("container_format"),
        protected=given.get("protected", False),
        os_hidden=given.get("os_hidden", False),
        tags=spec.tags,
        properties=spec.properties,
    )
    for key in ("min_disk", "min_ram"):
        _set_minimum(image, key, given.get(key, 0))
    state.images[image.id] = image
    headers = {
        "Location": f"{base_url(request)}/image/v2/images/{image.id}",
        # what the pod offers to import with, and its stores
        "OpenStack-image-import-methods": ",".join(METHODS),
        "OpenStack-image-store-ids": STORE,
    }
    return json_response(image.view(), 201, headers)


async def show_image(request: web.Request) -> web.Response:
    return json_response(get_image(request).view())


async def update_image(request: web.Request) -> web.Response:
    changes = await parse_patch(request)  # Glance reads the request before the image
    image = get_image(request)
    # Glance saves the image once every change applied: a refused one leaves it untouched
    draft = copy.deepcopy(image)
    for change in changes:
        _apply(request, draft, change)
    if changes:
        if set(draft.properties) - set(image.properties):
            check_properties(draft.properties)
        vars(image).update(vars(draft))
        image.touch()
    return json_response(image.view())


def _apply(request: web.Request, image: Image, change: Change) -> None:
    context = ctx(request)
    root = change.root
    if root == "locations":
        _refuse_locations(change)
    if change.op == "replace" and root == "owner" and not context.is_admin:
        raise detailed(403, "Owner can't be updated by non admin.")
    if change.op != "remove" and root == "visibility":
        check_visibility(context, change.value)
    require_owner(request, image, "modify_image")
    if change.op == "remove":
        if root in _ATTRIBUTES:
            raise detailed(403, f"Property {root} may not be removed.")
        if root not in image.properties:
            raise detailed(409, f"Property {root} does not exist.")
        del image.properties[root]
        return
    exists = root in SETTABLE or root in image.properties
    if change.op == "replace" and not exists:
        raise detailed(409, f"Property {root} does not exist.")
    if change.op == "add" and change.draft == 4 and exists:
        raise detailed(409, f"Property {root} already present.")
    if root in SETTABLE:
        _set_attribute(image, root, change.value)
    else:
        image.properties[root] = change.value


def _refuse_locations(change: Change) -> None:
    """Glance here does not show locations (show_multiple_locations = false)."""
    if change.op == "replace" and not change.value:
        raise detailed(403, "Cannot set locations to empty list.")
    verb = "remove" if change.op == "remove" else "update"
    message = f"It's not allowed to {verb} locations if locations are invisible."
    raise detailed(403, message) if change.op == "remove" else SimError(403, message)


def _set_attribute(image: Image, key: str, value: Any) -> None:
    if key in ("disk_format", "container_format") and image.status not in ("queued", "importing"):
        raise SimError(403, f"Attribute {key} can be only replaced for a queued image.")
    if key in ("min_disk", "min_ram"):
        _set_minimum(image, key, value)
    elif key == "tags":
        image.tags = list(dict.fromkeys(value))
        check_tags(image.tags)
    else:
        setattr(image, key, value)


def _set_minimum(image: Image, key: str, value: int) -> None:
    if value < 0:
        raise SimError(
            400, f"Invalid value '{value}' for parameter '{key}': Cannot be a negative value"
        )
    setattr(image, key, value)


def _not_found_to_delete(image_id: str) -> SimError:
    return SimError(404, f"Failed to find image {image_id} to delete")


async def delete_image(request: web.Request) -> web.Response:
    image = get_owned(request, "delete_image", _not_found_to_delete)
    if image.protected:
        raise SimError(403, f"Image {image.id} is protected and cannot be deleted.")
    state_of(request).remove(image)
    return web.Response(status=204)


def _switch(action: str, source: str, target: str) -> Handler:
    """deactivate (active -> deactivated) or reactivate (back): a no-op when already there."""

    async def switch(request: web.Request) -> web.Response:
        image = get_owned(request, action)
        if image.status == source:
            image.status = target
            image.touch()
        elif image.status != target:
            raise SimError(403, f"Not allowed to {action} image in status '{image.status}'")
        return web.Response(status=204)

    return switch


deactivate = _switch("deactivate", "active", "deactivated")
reactivate = _switch("reactivate", "deactivated", "active")

"""Glance's JSON schemas: served at /v2/schemas/... (clients validate images with them) and
used to check what a create or a patch sets, with Glance's wording for a mismatch."""

from __future__ import annotations

from functools import cache
from typing import Any

import jsonschema
from aiohttp import web

from tricircle.sim.http import SimError, json_response
from tricircle.sim.image.model import (
    CONTAINER_FORMATS,
    DISK_FORMATS,
    MEMBER_STATUSES,
    STATUSES,
    VISIBILITIES,
)

UUID_PATTERN = (
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"
)


def _prop(kind: Any, description: str, **more: Any) -> dict[str, Any]:
    return {"type": kind, "description": description, **more}


def _read_only(kind: Any, description: str, **more: Any) -> dict[str, Any]:
    return _prop(kind, description, readOnly=True, **more)


_NULL_STR = ["null", "string"]
_LOCATION = {
    "type": "object",
    "properties": {
        "url": {"type": "string", "maxLength": 255},
        "metadata": {"type": "object"},
        "validation_data": {
            "description": "Values that fill the image's hash attributes; on an image that is "
            "no longer queued they must equal the image's own.",
            "type": "object",
            "writeOnly": True,
            "additionalProperties": False,
            "properties": {
                "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                "os_hash_algo": {"type": "string", "maxLength": 64},
                "os_hash_value": {"type": "string", "maxLength": 128},
            },
            "required": ["os_hash_algo", "os_hash_value"],
        },
    },
    "required": ["url", "metadata"],
}
IMAGE_PROPERTIES: dict[str, Any] = {
    "id": _prop("string", "The image's identifier", pattern=UUID_PATTERN),
    "name": _prop(_NULL_STR, "The image's name", maxLength=255),
    "status": _read_only("string", "Where the image is in its life", enum=list(STATUSES)),
    "visibility": _prop("string", "Who may see the image", enum=list(VISIBILITIES)),
    "protected": _prop("boolean", "A protected image cannot be deleted"),
    "os_hidden": _prop("boolean", "A hidden image is left out of default lists"),
    "checksum": _read_only(_NULL_STR, "md5 of the image data", maxLength=32),
    "os_hash_algo": _read_only(_NULL_STR, "The algorithm of os_hash_value", maxLength=64),
    "os_hash_value": _read_only(_NULL_STR, "Hex digest of the image data", maxLength=128),
    "owner": _prop(_NULL_STR, "The project owning the image", maxLength=255),
    "size": _read_only(["null", "integer"], "Size of the image data in bytes"),
    "virtual_size": _read_only(["null", "integer"], "Virtual size of the disk in bytes"),
    "container_format": _prop(_NULL_STR, "Container format", enum=[None, *CONTAINER_FORMATS]),
    "disk_format": _prop(_NULL_STR, "Disk format", enum=[None, *DISK_FORMATS]),
    "created_at": _read_only("string", "When the image was registered"),
    "updated_at": _read_only("string", "When the image last changed"),
    "tags": _prop("array", "Strings about the image", items={"type": "string", "maxLength": 255}),
    "direct_url": _read_only("string", "URL of the image data in an external store"),
    "min_ram": _prop("integer", "RAM (MB) needed to boot the image"),
    "min_disk": _prop("integer", "Disk (GB) needed to boot the image"),
    "self": _read_only("string", "The image's URL"),
    "file": _read_only("string", "The image data's URL"),
    "stores": _read_only("string", "Comma-separated ids of the stores holding the data"),
    "schema": _read_only("string", "The image schema's URL"),
    "locations": _prop("array", "URLs of the image data in external stores", items=_LOCATION),
}
MEMBER_PROPERTIES: dict[str, Any] = {
    "member_id": {"type": "string", "description": "The member project's id"},
    "image_id": {"type": "string", "description": "The image's id", "pattern": UUID_PATTERN},
    "created_at": {"type": "string", "description": "When the membership was made"},
    "updated_at": {"type": "string", "description": "When the membership last changed"},
    "status": {
        "type": "string",
        "description": "The member's answer",
        "enum": list(MEMBER_STATUSES),
    },
    "schema": {"readOnly": True, "type": "string"},
}


def _collection(name: str, item: dict[str, Any], *, paged: bool) -> dict[str, Any]:
    """A list's schema; Glance serves the members' without the paging links."""
    links = [("first", "{first}"), ("next", "{next}")] if paged else []
    properties: dict[str, Any] = {name: {"type": "array", "items": item}}
    properties.update({rel: {"type": "string"} for rel, _ in links})
    properties["schema"] = {"type": "string"}
    return {
        "name": name,
        "properties": properties,
        "links": [{"rel": r, "href": h} for r, h in [*links, ("describedby", "{schema}")]],
    }


@cache
def _schemas() -> dict[str, dict[str, Any]]:
    image = {
        "name": "image",
        "properties": IMAGE_PROPERTIES,
        # additional properties are free, but strings
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
        ],
    }
    member = {"name": "member", "properties": MEMBER_PROPERTIES}
    return {
        "image": image,
        "images": _collection("images", image, paged=True),
        "member": member,
        "members": _collection("members", member, paged=False),
    }


@cache
def _image_validator() -> jsonschema.protocols.Validator:
    schema = _schemas()["image"]
    return jsonschema.validators.validator_for(schema)(schema)


def validate_image(partial: dict[str, Any]) -> None:
    """A 400 in Glance's words when `partial` does not fit the image schema."""
    error = jsonschema.exceptions.best_match(_image_validator().iter_errors(partial))
    if error is not None:
        raise SimError(400, f"Provided object does not match schema 'image': {error}")


async def show_schema(request: web.Request) -> web.Response:
    return json_response(_schemas()[request.match_info["name"]])

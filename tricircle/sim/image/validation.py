"""What Glance checks in a request before it touches an image: a create's body and a
JSON-patch document, with Glance's order of checks and its wording."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, read_json
from tricircle.sim.image.errors import detailed, read_only, reserved, unsupported_media_type
from tricircle.sim.image.schemas import validate_image

MALFORMED = "Malformed JSON in request body."
# Attributes of the image itself; anything else in a create is an additional property.
BASE_ATTRIBUTES = (
    "checksum",
    "created_at",
    "container_format",
    "disk_format",
    "id",
    "min_disk",
    "min_ram",
    "name",
    "size",
    "virtual_size",
    "status",
    "tags",
    "owner",
    "updated_at",
    "visibility",
    "protected",
    "os_hidden",
)
# What a create may not name at all, what it may name but not set, and what is Glance's own.
NOT_ALLOWED = ("direct_url", "self", "file", "schema", "stores")
READ_ONLY_ON_CREATE = (
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "size",
    "virtual_size",
)
RESERVED = ("location", "deleted", "deleted_at")
RESERVED_NAMESPACE = "os_glance"
READ_ONLY_ON_PATCH = (
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "size",
    "virtual_size",
    "direct_url",
    "self",
    "file",
    "schema",
    "id",
    "os_hash_algo",
    "os_hash_value",
)
PATCH_TYPES = {
    "application/openstack-images-v2.0-json-patch": 4,
    "application/openstack-images-v2.1-json-patch": 10,
}
OPERATIONS = ("add", "remove", "replace")


async def read_body(request: web.Request) -> Any:
    if not await request.read():
        raise SimError(400, "Body expected in request.")
    return await read_json(request, MALFORMED)


def _is_reserved(key: str) -> bool:
    return key in RESERVED or key.startswith(RESERVED_NAMESPACE)


@dataclass
class NewImage:
    attributes: dict[str, Any]  # base attributes as given
    properties: dict[str, Any]  # additional properties
    tags: list[str]


async def parse_create(request: web.Request) -> NewImage:
    body = await read_body(request)
    if not isinstance(body, dict):
        raise SimError(400, MALFORMED)
    for key in NOT_ALLOWED:
        if key in body:
            raise read_only(key)
    validate_image(body)
    properties = {k: v for k, v in body.items() if k not in BASE_ATTRIBUTES}
    for key in properties:
        if len(key) > 255:
            raise SimError(400, "Custom property should not be greater than 255 characters.")
        if _is_reserved(key):
            raise detailed(403, f"Attribute '{key}' is reserved.")
    attributes = {k: v for k, v in body.items() if k in BASE_ATTRIBUTES and k != "tags"}
    return NewImage(attributes, properties, list(dict.fromkeys(body.get("tags", []))))


@dataclass
class Change:
    op: str
    path: list[str]
    value: Any = None
    draft: int = 10  # the JSON-schema draft of the media type: 4 (v2.0) or 10 (v2.1)

    @property
    def root(self) -> str:
        return self.path[0]


async def parse_patch(request: web.Request) -> list[Change]:
    draft = PATCH_TYPES.get(request.content_type)
    if draft is None:
        accept = ", ".join(sorted(PATCH_TYPES))
        raise unsupported_media_type(request.content_type, {"Accept-Patch": accept})
    body = await read_body(request)
    if not isinstance(body, list):
        raise SimError(400, "Request body must be a JSON array of operation objects.")
    changes = []
    for raw in body:
        if not isinstance(raw, dict):
            raise SimError(400, "Operations must be JSON objects.")
        changes.append(_change(raw, draft))
    return changes


def _change(raw: dict[str, Any], draft: int) -> Change:
    op, pointer = _op_v21(raw) if draft == 10 else _op_v20(raw)
    path = _decode_pointer(pointer)
    if len(path) != (2 if path[0] == "locations" and op != "replace" else 1):
        raise SimError(400, f"Invalid JSON pointer for this resource: '/{'/'.join(path)}'")
    change = Change(op, path, draft=draft)
    if op != "remove":
        if "value" not in raw:
            raise SimError(400, f'Operation "{op}" requires a member named "value".')
        change.value = raw["value"]
    root = change.root
    if root in READ_ONLY_ON_PATCH:
        raise read_only(root)
    if _is_reserved(root):
        raise reserved(root)
    if op != "remove" and len(path) == 1:
        validate_image({root: change.value})
    return change


def _op_v21(raw: dict[str, Any]) -> tuple[str, Any]:
    ops = ", ".join(OPERATIONS)
    op = raw.get("op")
    if op is None:
        raise SimError(
            400,
            f"Unable to find `op` in JSON Schema change. It must be one of the following: {ops}.",
        )
    if op not in OPERATIONS:
        raise SimError(400, f"Invalid operation: `{op}`. It must be one of the following: {ops}.")
    if "path" not in raw:
        raise SimError(400, "Unable to find 'path' in JSON Schema change")
    return op, raw["path"]


def _op_v20(raw: dict[str, Any]) -> tuple[str, Any]:
    named = [op for op in OPERATIONS if op in raw]
    if len(named) != 1:
        many = "only one member" if named else "exactly one member"
        raise SimError(
            400, f'Operation objects must contain {many} named "add", "remove", or "replace".'
        )
    return named[0], raw[named[0]]


def _decode_pointer(pointer: Any) -> list[str]:
    """A JSON pointer in the limited form Glance accepts."""
    text = str(pointer)
    if not text.startswith("/"):
        raise SimError(400, f'Pointer `{text}` does not start with "/".')
    if re.search(r"/\s*?/", text[1:]):
        raise SimError(400, f'Pointer `{text}` contains adjacent "/".')
    if len(text) > 1 and text.endswith("/"):
        raise SimError(400, f'Pointer `{text}` end with "/".')
    if text[1:].strip() == "/":
        raise SimError(400, f"Pointer `{text}` does not contains valid token.")
    if re.search("~[^01]", text) or text.endswith("~"):
        raise SimError(
            400, f'Pointer `{text}` contains "~" not part of a recognized escape sequence.'
        )
    return [p.replace("~1", "/").replace("~0", "~").strip() for p in text[1:].split("/")]

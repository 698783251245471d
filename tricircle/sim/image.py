"""Simulated Glance v2 for one pod: images with upload, download, json-patch updates."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tricircle.sim.http import (
    STATUS_TITLES,
    Context,
    SimError,
    base_url,
    isotime,
    json_response,
    new_id,
    now,
    page_after,
    parse_limit,
    public,
    read_json,
    sort_items,
)
from tricircle.sim.service import Service, ctx, pod_of

MAX_LIMIT = 1000
DEFAULT_LIMIT = 25
PATCH_TYPE = "application/openstack-images-v2.1-json-patch"
_BASE_ATTRS = (
    "name",
    "visibility",
    "protected",
    "os_hidden",
    "disk_format",
    "container_format",
    "min_disk",
    "min_ram",
    "tags",
)
_READ_ONLY = (
    "status",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
    "direct_url",
    "locations",
)


def render_glance_error(request: web.Request, err: SimError) -> web.Response:
    """Glance answers with webob's error pages: JSON when asked for, plain text otherwise."""
    title = STATUS_TITLES.get(err.status, "Error")
    code = f"{err.status} {title}"
    if "application/json" in request.headers.get("Accept", ""):
        body = {"message": f"{err.message}<br /><br />\n\n\n", "code": code, "title": title}
        return json_response(body, err.status, err.headers)
    return web.Response(
        text=f"{code}\n\n{err.message}\n\n   ",
        status=err.status,
        headers=err.headers,
        content_type="text/plain",
    )


@dataclass
class Image:
    id: str
    name: str | None
    owner: str | None
    visibility: str = "shared"
    status: str = "queued"
    disk_format: str | None = None
    container_format: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    os_hidden: bool = False
    tags: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    data: bytes | None = None
    size: int | None = None
    checksum: str | None = None
    os_hash_value: str | None = None
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)

    def store(self, data: bytes) -> None:
        self.data = data
        self.size = len(data)
        self.checksum = hashlib.md5(data).hexdigest()
        self.os_hash_value = hashlib.sha512(data).hexdigest()
        self.status = "active"
        self.updated_at = now()

    def view(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.id,
            "name": self.name,
            "status": self.status,
            "visibility": self.visibility,
            "protected": self.protected,
            "os_hidden": self.os_hidden,
            "owner": self.owner,
            "size": self.size,
            "virtual_size": None,
            "checksum": self.checksum,
            "os_hash_algo": "sha512" if self.os_hash_value else None,
            "os_hash_value": self.os_hash_value,
            "disk_format": self.disk_format,
            "container_format": self.container_format,
            "min_disk": self.min_disk,
            "min_ram": self.min_ram,
            "tags": list(self.tags),
            "created_at": isotime(self.created_at),
            "updated_at": isotime(self.updated_at),
            "self": f"/v2/images/{self.id}",
            "file": f"/v2/images/{self.id}/file",
            "schema": "/v2/schemas/image",
        }
        body.update(self.properties)
        return body


@dataclass
class ImageState:
    images: dict[str, Image] = field(default_factory=dict)

    def add(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        owner: str | None = None,
        visibility: str = "public",
        status: str = "active",
        disk_format: str | None = "qcow2",
        container_format: str | None = "bare",
        min_disk: int = 0,
        min_ram: int = 0,
        protected: bool = False,
        tags: list[str] | None = None,
        properties: dict[str, Any] | None = None,
        data: bytes | None = b"",
    ) -> Image:
        """Seeds an image directly (active with empty data by default)."""
        image = Image(
            id or new_id(),
            name,
            owner,
            visibility,
            "queued",
            disk_format,
            container_format,
            min_disk,
            min_ram,
            protected,
            tags=list(tags or []),
            properties=dict(properties or {}),
        )
        if status == "active" and data is not None:
            image.store(data)
        else:
            image.status = status
        self.images[image.id] = image
        return image

    def visible(self, image_id: str, context: Context) -> Image | None:
        image = self.images.get(image_id)
        if image is None or not _can_see(image, context):
            return None
        return image


def _can_see(image: Image, context: Context) -> bool:
    return (
        context.is_admin
        or image.visibility in ("public", "community")
        or image.owner == context.project_id
    )


def _state(request: web.Request) -> ImageState:
    return pod_of(request).image


def _get(request: web.Request) -> Image:
    image_id = request.match_info["image_id"]
    image = _state(request).visible(image_id, ctx(request))
    if image is None:
        raise SimError(404, f"No image found with ID {image_id}")
    return image


def _check_owner(request: web.Request, image: Image) -> None:
    context = ctx(request)
    if not context.is_admin and image.owner != context.project_id:
        raise SimError(403, "You are not permitted to modify this image.")


@public
async def versions(request: web.Request) -> web.Response:
    href = f"{base_url(request)}/image/v2/"
    ids = [("v2.16", "CURRENT")] + [(f"v2.{m}", "SUPPORTED") for m in range(15, -1, -1) if m != 14]
    return json_response(
        {
            "versions": [
                {"id": i, "status": s, "links": [{"rel": "self", "href": href}]} for i, s in ids
            ]
        },
        300,
    )


_SORT_ATTRS = {
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
    "min_disk",
    "min_ram",
    "visibility",
    "owner",
}


def _sort_params(request: web.Request) -> list[tuple[Any, bool]]:
    q = request.rel_url.query
    pairs: list[tuple[str, str]] = []
    if "sort" in q:
        for part in q["sort"].split(","):
            key, _, direction = part.strip().partition(":")
            pairs.append((key, direction or "desc"))
    else:
        keys = q.getall("sort_key", [])
        dirs = q.getall("sort_dir", [])
        pairs = [
            (k, dirs[i] if i < len(dirs) else (dirs[0] if dirs else "desc"))
            for i, k in enumerate(keys)
        ]
    for key, direction in pairs:
        if key not in _SORT_ATTRS:
            raise SimError(
                400,
                f"Invalid sort key: {key}. It must be one of the following: "
                f"{', '.join(sorted(_SORT_ATTRS))}.",
            )
        if direction not in ("asc", "desc"):
            raise SimError(400, f"Invalid sort direction: {direction}")
    keys = [(lambda i, k=k: i.view()[k], d == "desc") for k, d in pairs]
    if "created_at" not in [k for k, _ in pairs]:
        keys.append((lambda i: i.created_at, True))
    if "id" not in [k for k, _ in pairs]:
        keys.append((lambda i: i.id, True))
    return keys


def _matches(image: Image, request: web.Request) -> bool:
    q = request.rel_url.query
    context = ctx(request)
    visibility = q.get("visibility")
    if visibility and visibility != "all" and image.visibility != visibility:
        return False
    if not visibility and image.visibility == "community" and image.owner != context.project_id:
        return False  # community images are listed only when asked for
    if image.os_hidden and q.get("os_hidden", "false").lower() != "true":
        return False
    view = image.view()
    for key, value in q.items():
        if key in (
            "limit",
            "marker",
            "sort",
            "sort_key",
            "sort_dir",
            "visibility",
            "os_hidden",
            "member_status",
        ):
            continue
        if key == "tag":
            if not set(q.getall("tag")) <= set(image.tags):
                return False
        elif key in ("size_min", "size_max"):
            size = image.size or 0
            if (key == "size_min" and size < int(value)) or (
                key == "size_max" and size > int(value)
            ):
                return False
        elif key in ("id", "name", "status") and value.startswith("in:"):
            if str(view.get(key)) not in value[3:].split(","):
                return False
        elif str(view.get(key)).lower() != value.lower():
            return False
    return True


async def list_images(request: web.Request) -> web.Response:
    state = _state(request)
    context = ctx(request)
    q = request.rel_url.query
    images = [i for i in state.images.values() if _can_see(i, context) and _matches(i, request)]
    keys = _sort_params(request)
    ordered = sort_items(images, keys)
    limit = parse_limit(q.get("limit"), MAX_LIMIT, DEFAULT_LIMIT)
    marker = None
    if "marker" in q:
        marker = state.visible(q["marker"], context)
        if marker is None:
            raise SimError(400, f"Invalid marker. Image {q['marker']} could not be found.")
    page = page_after(ordered, marker, limit, keys)
    body: dict[str, Any] = {
        "images": [i.view() for i in page],
        "first": "/v2/images",
        "schema": "/v2/schemas/images",
    }
    if page and len(page) == limit:
        query = [(k, v) for k, v in q.items() if k != "marker"] + [("marker", page[-1].id)]
        body["next"] = str(request.rel_url.with_query(query)).removeprefix("/image")
    return json_response(body)


async def show_image(request: web.Request) -> web.Response:
    return json_response(_get(request).view())


async def create_image(request: web.Request) -> web.Response:
    context = ctx(request)
    spec = await read_json(request, "Malformed JSON in request body.")
    if not isinstance(spec, dict):
        raise SimError(400, "Malformed JSON in request body.")
    for key in _READ_ONLY:
        if key in spec:
            raise SimError(403, f"Attribute '{key}' is read-only.")
    visibility = spec.get("visibility", "shared")
    if visibility not in ("public", "private", "shared", "community"):
        raise SimError(400, f"Invalid visibility value: {visibility}")
    if visibility == "public" and not context.is_admin:
        raise SimError(403, "You are not authorized to complete publicize_image action.")
    state = _state(request)
    image_id = spec.get("id") or new_id()
    if image_id in state.images:
        raise SimError(409, f"Image with identifier {image_id} already exists!")
    owner = spec.get("owner") if context.is_admin and spec.get("owner") else context.project_id
    extra = {k: v for k, v in spec.items() if k not in (*_BASE_ATTRS, "id", "owner")}
    image = state.add(
        id=image_id,
        name=spec.get("name"),
        owner=owner,
        visibility=visibility,
        status="queued",
        disk_format=spec.get("disk_format"),
        container_format=spec.get("container_format"),
        min_disk=int(spec.get("min_disk", 0)),
        min_ram=int(spec.get("min_ram", 0)),
        protected=bool(spec.get("protected", False)),
        tags=spec.get("tags"),
        properties=extra,
    )
    image.os_hidden = bool(spec.get("os_hidden", False))
    return json_response(
        image.view(), 201, {"Location": f"{base_url(request)}/image/v2/images/{image.id}"}
    )


async def update_image(request: web.Request) -> web.Response:
    image = _get(request)
    _check_owner(request, image)
    if request.content_type != PATCH_TYPE:
        raise SimError(415, "Unsupported Content-Type", headers={"Accept-Patch": PATCH_TYPE})
    ops = await read_json(request, "Malformed JSON in request body.")
    if not isinstance(ops, list):
        raise SimError(400, "Request body must be a JSON array of operation objects.")
    for op in ops:
        _apply_patch(image, op, ctx(request))
    image.updated_at = now()
    return json_response(image.view())


def _apply_patch(image: Image, op: Any, context: Context) -> None:
    if not isinstance(op, dict) or op.get("op") not in ("add", "replace", "remove"):
        raise SimError(
            400,
            'Operation objects must contain exactly one member named "add", '
            '"remove", or "replace".',
        )
    path = str(op.get("path", "")).lstrip("/")
    if path in _READ_ONLY or (path in ("id", "owner") and not context.is_admin):
        raise SimError(403, f"Attribute '{path}' is read-only.")
    if op["op"] == "remove":
        if path in image.properties:
            del image.properties[path]
            return
        raise SimError(409, f"Property {path} does not exist.")
    value = op.get("value")
    if path == "visibility" and value == "public" and not context.is_admin:
        raise SimError(403, "You are not authorized to complete publicize_image action.")
    if path in _BASE_ATTRS or path == "owner":
        setattr(image, path, value)
    elif op["op"] == "replace" and path not in image.properties:
        raise SimError(409, f"Property {path} does not exist.")
    else:
        image.properties[path] = value


async def delete_image(request: web.Request) -> web.Response:
    image = _get(request)
    _check_owner(request, image)
    if image.protected:
        raise SimError(403, f"Image {image.id} is protected and cannot be deleted.")
    del _state(request).images[image.id]
    return web.Response(status=204)


async def upload(request: web.Request) -> web.Response:
    image = _get(request)
    _check_owner(request, image)
    if image.status != "queued":
        raise SimError(409, f"Image status transition from {image.status} to saving is not allowed")
    if image.disk_format is None or image.container_format is None:
        raise SimError(
            400, "Properties disk_format, container_format must be set prior to saving data."
        )
    image.store(await request.read())
    return web.Response(status=204)


async def download(request: web.Request) -> web.Response:
    image = _get(request)
    if image.data is None or image.status != "active":
        return web.Response(status=204)
    return web.Response(
        body=image.data,
        content_type="application/octet-stream",
        headers={"Content-MD5": image.checksum or ""},
    )


async def add_tag(request: web.Request) -> web.Response:
    image = _get(request)
    _check_owner(request, image)
    tag = request.match_info["tag"]
    if tag not in image.tags:
        image.tags.append(tag)
    return web.Response(status=204)


async def delete_tag(request: web.Request) -> web.Response:
    image = _get(request)
    _check_owner(request, image)
    tag = request.match_info["tag"]
    if tag not in image.tags:
        raise SimError(404, f"Tag {tag} not found")
    image.tags.remove(tag)
    return web.Response(status=204)


async def schema(request: web.Request) -> web.Response:
    # Enough of Glance's schema for clients that read property names from it.
    props = {k: {"type": ["null", "string"]} for k in Image("", None, None).view()}
    return json_response(
        {
            "name": "image",
            "properties": props,
            "additionalProperties": {"type": "string"},
            "links": [],
        }
    )


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/image", versions)
    router.add_get("/image/", versions)
    router.add_get("/image/versions", versions)
    router.add_get("/image/v2/schemas/image", schema)
    router.add_get("/image/v2/images", list_images)
    router.add_post("/image/v2/images", create_image)
    router.add_get("/image/v2/images/{image_id}", show_image)
    router.add_patch("/image/v2/images/{image_id}", update_image)
    router.add_delete("/image/v2/images/{image_id}", delete_image)
    router.add_put("/image/v2/images/{image_id}/file", upload)
    router.add_get("/image/v2/images/{image_id}/file", download)
    router.add_put("/image/v2/images/{image_id}/tags/{tag}", add_tag)
    router.add_delete("/image/v2/images/{image_id}/tags/{tag}", delete_tag)


SERVICE = Service("image", render_glance_error, None, add_routes)

"""Interoperable import: the methods on offer, and POST .../import with glance-direct (the
staged bytes become the image's), web-download (Glance fetches a URL) and copy-image (a
single store has nothing to copy to)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tricircle.sim.http import SimError, json_response, new_id
from tricircle.sim.image.access import get_image, require_owner, state_of
from tricircle.sim.image.blobs import CHUNK, TooLarge
from tricircle.sim.image.errors import not_authorized
from tricircle.sim.image.inspection import HEAD, virtual_size
from tricircle.sim.image.model import STORE, Image
from tricircle.sim.image.store import ImageState, staged
from tricircle.sim.image.validation import read_body
from tricircle.sim.service import ctx, pod_of

METHODS = ("glance-direct", "web-download", "copy-image")
# Glance's [import_filtering_opts] defaults for web-download.
ALLOWED_SCHEMES = ("http", "https")
ALLOWED_PORTS = (80, 443)
# The properties an import keeps on the image (the task's lock, the stores' progress).
TASK = "os_glance_import_task"
IMPORTING_TO = "os_glance_importing_to_stores"
FAILED = "os_glance_failed_import"


async def import_info(request: web.Request) -> web.Response:
    methods = {"description": "Import methods available.", "type": "array", "value": METHODS}
    return json_response({"import-methods": methods})


async def stores_info(request: web.Request) -> web.Response:
    return json_response({"stores": [{"id": STORE, "default": "true"}]})


def _method(body: Any) -> dict[str, Any]:
    if not isinstance(body, dict) or "method" not in body:
        raise SimError(400, "Import request requires a 'method' field.")
    method = body["method"]
    if not isinstance(method, dict) or "name" not in method:
        raise SimError(400, "Import request requires a 'name' field.")
    if method["name"] not in METHODS:
        raise SimError(400, f"Unknown import method name '{method['name']}'.")
    for flag in ("all_stores_must_succeed", "all_stores"):
        if not isinstance(body.get(flag, False), bool):
            raise SimError(400, f"'{flag}' must be boolean value only")
    return method


def _check_status(image: Image, name: str) -> None:
    if image.status == "active" and name != "copy-image":
        raise SimError(409, "Image with status active cannot be target for import")
    if image.status != "active" and name == "copy-image":
        raise SimError(409, "Only images with status active can be targeted for copying")
    if image.status != "queued" and name == "web-download":
        raise SimError(409, f"Image needs to be in 'queued' state to use '{name}' method")
    if image.status != "uploading" and name == "glance-direct":
        raise SimError(409, "Image needs to be staged before 'glance-direct' method can be used")
    for key in ("container_format", "disk_format"):
        if not getattr(image, key):
            raise SimError(409, f"'{key}' needs to be set before import")


def _passes_filtering(uri: Any) -> bool:
    if not isinstance(uri, str) or not uri:
        return False
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return False
    return parts.scheme in ALLOWED_SCHEMES and (port is None or port in ALLOWED_PORTS)


async def import_image(request: web.Request) -> web.Response:
    body = await read_body(request)
    method = _method(body)
    name = method["name"]
    image = get_image(request)
    _check_status(image, name)
    if name == "copy-image":
        if not ctx(request).is_admin:
            raise not_authorized("copy_image")
        if not body.get("all_stores", False):
            raise SimError(400, f"Image is already present at store '{STORE}'")
        return web.Response(status=202)  # every store already has it
    require_owner(request, image, "modify_image")
    if name == "web-download" and not _passes_filtering(method.get("uri")):
        raise SimError(400, f"URI for web-download does not pass filtering: {method.get('uri')}")
    state = state_of(request)
    image.properties[TASK] = new_id()  # the import's lock on the image
    image.touch()
    if name == "glance-direct":
        image.properties.update({IMPORTING_TO: STORE, FAILED: ""})
        image.status = "importing"
        pod_of(request).later(pod_of(request).action_delay, lambda: _take_staged(state, image))
    else:  # the image stays queued while Glance fetches the bytes
        state.tasks.add(asyncio.get_running_loop().create_task(_download(state, image, method)))
    return web.Response(status=202)


def _finish(image: Image, ok: bool) -> None:
    """The task lets go of the image: its progress says which stores failed."""
    del image.properties[TASK]
    image.properties.update({IMPORTING_TO: "", FAILED: "" if ok else STORE})
    if not ok:
        image.requeue()


def _take_staged(state: ImageState, image: Image) -> None:
    digest = state.staging.pop(image.id, None)
    if state.images.get(image.id) is not image or digest is None:
        return  # deleted meanwhile
    head = b"".join(state.blobs.read(staged(image.id), 0, HEAD)) if digest.size else b""
    try:
        size = virtual_size(image, head, digest.size)
    except SimError:
        state.blobs.discard(staged(image.id))
        _finish(image, ok=False)
        return
    state.blobs.move(staged(image.id), image.id)
    image.activate(digest, size)
    _finish(image, ok=True)


async def _download(state: ImageState, image: Image, method: dict[str, Any]) -> None:
    """web-download: Glance fetches the URL in a task; a failure puts the image back in queue."""
    intake = state.blobs.intake(image.id, state.size_cap)
    head = b""
    try:
        timeout = aiohttp.ClientTimeout(total=600, sock_connect=10)
        async with aiohttp.ClientSession(timeout=timeout) as http, http.get(method["uri"]) as got:
            got.raise_for_status()
            async for chunk in got.content.iter_chunked(CHUNK):
                head += chunk[: max(HEAD - len(head), 0)]
                intake.write(chunk)
        digest = intake.commit()
        size = virtual_size(image, head, digest.size)
    except (aiohttp.ClientError, TimeoutError, TooLarge, SimError, OSError):
        intake.abort()
        state.blobs.discard(image.id)
        if state.images.get(image.id) is image:
            _finish(image, ok=False)
        return
    finally:
        state.tasks.discard(asyncio.current_task())  # type: ignore[arg-type]
    if state.images.get(image.id) is not image:
        state.blobs.discard(image.id)
        return
    image.activate(digest, size)
    _finish(image, ok=True)

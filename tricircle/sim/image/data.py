"""Image data: upload (PUT .../file) and staging (PUT .../stage) stream the body into the
pod's store under image_size_cap, hashing as it goes; download streams it back, whole or a
range, with Glance's headers."""

from __future__ import annotations

import re
from dataclasses import dataclass

from aiohttp import web

from tricircle.sim.http import SimError
from tricircle.sim.image.access import get_image, require_owner, state_of
from tricircle.sim.image.blobs import CHUNK, TooLarge
from tricircle.sim.image.errors import unsupported_media_type
from tricircle.sim.image.inspection import HEAD, virtual_size
from tricircle.sim.image.model import Digest, Image
from tricircle.sim.image.store import ImageState, staged
from tricircle.sim.service import ctx

OCTETS = "application/octet-stream"
TOO_LARGE = "The incoming image is too large: The provided image is too large."


@dataclass(frozen=True)
class Received:
    digest: Digest
    head: bytes  # the first bytes, for the format inspector


def _check_octets(request: web.Request) -> None:
    if request.headers.get("Content-Type", "").split(";")[0].strip() != OCTETS:
        raise unsupported_media_type(request.headers.get("Content-Type", ""))
    size = request.headers.get("x-openstack-image-size")
    if size is not None and not size.strip().lstrip("-").isdigit():
        raise SimError(400, "Invalid or missing image size in request headers.")


async def _receive(request: web.Request, state: ImageState, name: str) -> Received:
    """The request body into blob `name`; a broken or oversized body leaves no blob."""
    intake = state.blobs.intake(name, state.size_cap)
    head = b""
    try:
        async for chunk in request.content.iter_chunked(CHUNK):
            if len(head) < HEAD:
                head += chunk[: HEAD - len(head)]
            intake.write(chunk)
    except BaseException:
        intake.abort()
        raise
    return Received(intake.commit(), head)


def _transition(image: Image, to: str) -> None:
    if image.status != "queued":
        raise SimError(409, f"Image status transition from {image.status} to {to} is not allowed")


def _check_formats(image: Image) -> None:
    missing = [k for k in ("disk_format", "container_format") if not getattr(image, k)]
    if missing:
        noun = "Property" if len(missing) == 1 else "Properties"
        raise SimError(400, f"{noun} {', '.join(missing)} must be set prior to saving data.")


async def upload(request: web.Request) -> web.Response:
    _check_octets(request)
    image = get_image(request)
    require_owner(request, image, "upload_image")
    _transition(image, "saving")
    _check_formats(image)
    state = state_of(request)
    image.status = "saving"
    try:
        received = await _receive(request, state, image.id)
    except TooLarge:
        image.requeue()
        raise SimError(413, TOO_LARGE) from None
    except BaseException:
        image.requeue()  # Glance v2 restores a failed upload to queued: it may be retried
        raise
    if image.id not in state.images:
        state.blobs.discard(image.id)
        raise SimError(
            410,
            f"Image {image.id} could not be found after upload. The image may have been "
            "deleted during the upload, cleaning up the chunks uploaded.",
        )
    try:
        size = virtual_size(image, received.head, received.digest.size)
    except SimError:
        state.blobs.discard(image.id)
        image.requeue()
        raise
    image.activate(received.digest, size)
    return web.Response(status=204)


async def stage(request: web.Request) -> web.Response:
    """glance-direct's first half: the bytes wait in staging, the image is `uploading`."""
    _check_octets(request)
    image = get_image(request)
    require_owner(request, image, "modify_image")
    _transition(image, "uploading")
    state = state_of(request)
    image.status = "uploading"
    try:
        received = await _receive(request, state, staged(image.id))
    except TooLarge:
        image.requeue()
        raise SimError(413, TOO_LARGE) from None
    except BaseException:
        image.requeue()
        raise
    state.staging[image.id] = received.digest
    image.size = received.digest.size
    image.touch()
    return web.Response(status=204)


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def _byte_range(request: web.Request, size: int) -> tuple[int, int] | None:
    """(first, last) of a single-range request, as webob parses it for Glance."""
    header = request.headers.get("Range")
    if header is None:
        return None
    if "," in header:
        raise SimError(
            400,
            "Requests with multiple ranges are not supported in Glance. You may make multiple "
            "single-range requests instead.",
        )
    match = _RANGE.match(header.strip())
    if not match or match.group(1) == match.group(2) == "":
        raise SimError(416, "Invalid Range header.")
    start, end = match.groups()
    if start == "":  # the last `end` bytes
        return max(size - int(end), 0), size - 1
    if int(start) >= size:
        raise SimError(
            416,
            "Invalid start position in Range header. Start position MUST be in the inclusive "
            f"range [0, {size - 1}].",
        )
    if end and int(end) < int(start):
        raise SimError(416, "Invalid Range header.")
    last = min(int(end), size - 1) if end else size - 1
    return int(start), last


async def download(request: web.Request) -> web.StreamResponse:
    image = get_image(request)
    if image.status == "deactivated" and not ctx(request).is_admin:
        raise SimError(
            403,
            "The requested image has been deactivated. Image data download is forbidden.",
        )
    if not image.stored or image.size is None:
        return web.Response(status=204)
    size = image.size
    span = _byte_range(request, size)
    first, last = span or (0, size - 1)
    chunks = state_of(request).blobs.read(image.id, first, last - first + 1) if size else iter(())
    response = web.StreamResponse(status=206 if span else 200)
    response.content_type = OCTETS
    response.content_length = last - first + 1
    if span:
        response.headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    if image.checksum:
        response.headers["Content-MD5"] = image.checksum
    await response.prepare(request)
    for chunk in chunks:
        await response.write(chunk)
    await response.write_eof()
    return response

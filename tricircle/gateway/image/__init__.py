"""The image API (Glance v2) of the gateway, and the image a create or rebuild boots from."""

from __future__ import annotations

import asyncio
import time
from typing import Any

from aiohttp import web

from tricircle.images.copies import CopyStore
from tricircle.images.glances import Glances
from tricircle.images.models import ACTIVE, FAILED, ImageCopy
from tricircle.kit.calls import call_pod
from tricircle.kit.central import call_central
from tricircle.kit.service import OpenStackService
from tricircle.openstack_errors import glance_error
from tricircle.pods.client import PodUnavailable, is_trouble
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import bad_request, conflict
from tricircle.web.services import context_of, services_of

IMAGE = OpenStackService(name="image", version_path="/v2", error_format=glance_error)

# the top Glance and the pods' Glances, None when no top Glance is configured
GLANCES = web.AppKey("glances", Glances)
# how often a create waiting for its image's copy looks at its progress
_POLL = 0.2


def glances_of(request: web.Request) -> Glances | None:
    return request.config_dict.get(GLANCES)


async def resolve_image(request: web.Request, pod: PodInfo, ref: str) -> str:
    """The id of image `ref` (an id or a name) once `pod` can boot from it; 400 naming the
    AZ when it cannot. With a top Glance the image is the top's, seen as the caller sees
    it, and a pod lacking it gets a copy first (waited for, up to a limit)."""
    image_id = ref.rstrip("/").rsplit("/", 1)[-1]
    glances = glances_of(request)
    if glances is None:
        return await _pod_image(request, pod, ref, image_id)
    image = await _top_image(request, glances, ref, image_id)
    if image.get("status") != "active":
        raise bad_request(f"Image {image['id']} is not active.")
    if pod.name not in services_of(request).conf.central.pods_using_top_glance:
        await _copied(request, image, pod)
    return str(image["id"])


async def _pod_image(request: web.Request, pod: PodInfo, ref: str, image_id: str) -> str:
    answer = await call_pod(request, pod, "GET", f"/v2/images/{image_id}", service=IMAGE)
    if answer.ok:
        return image_id
    if is_trouble(answer.status):
        raise PodUnavailable(pod, f"answered {answer.status}", sent=False)
    by_name = await call_pod(request, pod, "GET", "/v2/images", params={"name": ref}, service=IMAGE)
    if by_name.ok:
        images = by_name.json().get("images", [])
        if len(images) == 1:
            return images[0]["id"]
    raise bad_request(f"Image {ref} is not available in availability zone {pod.az_name}.")


async def _top_image(
    request: web.Request, glances: Glances, ref: str, image_id: str
) -> dict[str, Any]:
    """The top's image `ref` as the caller may see it (the top Glance decides)."""
    central = glances.central
    answer = await call_central(request, central, "GET", f"/v2/images/{image_id}")
    if answer.ok:
        return answer.json()
    by_name = await call_central(request, central, "GET", "/v2/images", params={"name": ref})
    images = by_name.json().get("images", []) if by_name.ok else []
    if len(images) == 1:
        return images[0]
    raise bad_request(f"Image {ref} could not be found.")


async def _copied(request: web.Request, image: dict[str, Any], pod: PodInfo) -> None:
    """Returns once `pod` holds a whole copy of `image`; the copy is asked for if need be
    (again, if it failed before). Beyond ``[central] image_copy_wait`` a 409 says how far
    it got."""
    services = services_of(request)
    copies = CopyStore(services.db)
    image_id, project_id, size = image["id"], context_of(request).project_id, image.get("size")
    copy = await copies.get(image_id, pod.id)
    if copy is None or copy.state != ACTIVE:
        copy = await copies.request(image_id, pod.id, project_id, size)
    deadline = time.monotonic() + services.conf.central.image_copy_wait
    while copy.state != ACTIVE:
        if copy.state == FAILED:
            raise conflict(
                f"Image {image_id} could not be copied to availability zone {pod.az_name}: "
                f"{copy.last_error}"
            )
        if time.monotonic() >= deadline:
            raise conflict(_in_progress(image_id, pod, copy))
        await asyncio.sleep(_POLL)
        # a copy dropped meanwhile (its pod or image went) is asked for again
        copy = await copies.get(image_id, pod.id) or await copies.request(
            image_id, pod.id, project_id, size
        )


def _in_progress(image_id: str, pod: PodInfo, copy: ImageCopy) -> str:
    done = f"{copy.copied_bytes} bytes"
    if copy.size:
        percent = copy.copied_bytes * 100 // copy.size
        done = f"{copy.copied_bytes} of {copy.size} bytes ({percent}%)"
    return (
        f"Image {image_id} is being copied to availability zone {pod.az_name}: {done} so far. "
        "Please try again later."
    )

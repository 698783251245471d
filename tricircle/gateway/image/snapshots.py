"""A server's snapshot (Nova's createImage) made in its pod and registered at the top.

The pod's Nova makes the snapshot in the pod's Glance; the top image takes its id and
attributes at once (a client waiting for it polls the top), and its bytes go up by job
once the pod's snapshot is whole, so it can boot anywhere.
"""

from __future__ import annotations

import json
import logging

from aiohttp import web

from tricircle.gateway.image import glances_of
from tricircle.images.glances import GlanceRefused
from tricircle.images.upload import register_at_top, request_upload
from tricircle.kit.central import CentralUnavailable
from tricircle.kit.routed import RoutedResource, find_route
from tricircle.pods.client import PodUnavailable
from tricircle.web.http import read_json
from tricircle.web.services import context_of, services_of

LOG = logging.getLogger(__name__)


async def register_snapshot(
    request: web.Request, servers: RoutedResource, server_id: str, answer: web.StreamResponse
) -> None:
    """After a server action the pod accepted: a createImage's snapshot goes to the top."""
    glances = glances_of(request)
    if glances is None or answer.status != 202 or not isinstance(answer, web.Response):
        return
    body = await read_json(request)
    if not isinstance(body, dict) or "createImage" not in body:
        return
    image_id = _snapshot_id(answer)
    if image_id is None:
        return
    _, pod = await find_route(request, servers, server_id)
    try:
        snapshot = await glances.pod_image(pod, image_id)
        if snapshot is not None:
            await register_at_top(glances, snapshot)
    except (GlanceRefused, PodUnavailable, CentralUnavailable) as exc:
        LOG.warning("snapshot %s not registered at the top yet: %s", image_id, exc)
    project_id = context_of(request).project_id
    await request_upload(services_of(request).db, image_id, pod.id, [pod.id], project_id)


def _snapshot_id(answer: web.Response) -> str | None:
    """From 2.45 the answer's body names the image; before, its Location header does."""
    if isinstance(answer.body, bytes) and answer.body:
        try:
            return str(json.loads(answer.body)["image_id"])
        except (ValueError, KeyError, TypeError):
            pass
    location = answer.headers.get("Location")
    return location.rstrip("/").rsplit("/", 1)[-1] if location else None

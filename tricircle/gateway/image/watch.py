"""The writes to the top Glance that the pods' copies must follow.

The top Glance decides every write; once it said yes, the image's copies converge by job
(tricircle.images.sync): attributes, properties, tags, visibility, members, status, and
the image's deletion. An upload or import may also start eager copies.
"""

from __future__ import annotations

import re

from aiohttp import web

from tricircle.images.sync import request_sync
from tricircle.web.services import context_of, services_of

# /v2/images/{id}, and what below it changes the image: actions, data, tags, members
_WATCHED = re.compile(
    r"^/v2/images/(?P<id>[^/?]+)"
    r"(?:/(?:actions/(?:deactivate|reactivate)|file|import|tags/[^/?]+|members(?:/[^/?]+)?))?/?$"
)


def written_image(method: str, path: str) -> str | None:
    """The image a call changes (``PATCH /v2/images/{id}`` ...), or None."""
    if method in ("GET", "HEAD"):
        return None
    match = _WATCHED.match(path.split("?", 1)[0])
    return match.group("id") if match else None


async def followed(request: web.Request, image_id: str) -> None:
    """The write succeeded at the top: the copies follow."""
    await request_sync(services_of(request).db, image_id, context_of(request).project_id)

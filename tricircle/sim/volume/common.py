"""What the Cinder handlers share: the pod's state, URLs and links, lookups, version gates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar

from aiohttp import web

from tricircle.sim.http import Microversions, SimError, base_url, read_json
from tricircle.sim.service import ctx, microversion, pod_of
from tricircle.sim.volume.errors import NotFound
from tricircle.sim.volume.model import Snapshot, Volume, VolumeType
from tricircle.sim.volume.store import VolumeState

MICROVERSIONS = Microversions("volume", (3, 0), (3, 71))


class Owned(Protocol):
    id: str
    project_id: str


T = TypeVar("T", bound=Owned)


def state_of(request: web.Request) -> VolumeState:
    return pod_of(request).volume


def at_least(request: web.Request, version: tuple[int, int]) -> bool:
    return microversion(request) >= version


def require_version(request: web.Request, version: tuple[int, int]) -> None:
    """A route younger than the requested microversion does not exist for it."""
    if not at_least(request, version):
        raise SimError(404, "The resource could not be found.")


async def read_body(request: web.Request) -> Any:
    return await read_json(request, "Malformed request body")


# -- URLs --


def api_root(request: web.Request) -> str:
    """`.../volume/v3`, with the project id when the request's URL had one (links follow)."""
    project = "/" + request.match_info["project_id"] if "project_id" in request.match_info else ""
    return f"{base_url(request)}/volume/v3{project}"


def links(request: web.Request, collection: str, ident: str) -> list[dict[str, str]]:
    """Cinder's self link, and the bookmark: the same without the version."""
    href = f"{api_root(request)}/{collection}/{ident}"
    return [
        {"href": href, "rel": "self"},
        {"href": href.replace("/volume/v3", "/volume", 1), "rel": "bookmark"},
    ]


# -- lookups: another project's resource is a 404, as if it did not exist --


def owned(request: web.Request, store: Mapping[str, T], ident: str, kind: str) -> T:
    item = store.get(ident)
    context = ctx(request)
    if item is None or not (context.is_admin or item.project_id == context.project_id):
        raise NotFound(kind, ident)
    return item


def get_volume(request: web.Request, volume_id: str | None = None) -> Volume:
    ident = volume_id or request.match_info["volume_id"]
    return owned(request, state_of(request).volumes, ident, "Volume")


def get_snapshot(request: web.Request, snapshot_id: str | None = None) -> Snapshot:
    ident = snapshot_id or request.match_info["snapshot_id"]
    return owned(request, state_of(request).snapshots, ident, "Snapshot")


def get_type(request: web.Request, type_id: str | None = None) -> VolumeType:
    """A volume type by id (show never takes names), if the caller may see it."""
    ident = type_id or request.match_info["type_id"]
    found = state_of(request).types.get(ident)
    if found is None or not found.visible_to(ctx(request)):
        raise NotFound("Volume type", ident)
    return found

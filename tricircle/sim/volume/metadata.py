"""User metadata of volumes and snapshots: `/metadata` and `/metadata/{key}`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from aiohttp import web

from tricircle.sim.http import SimError, json_response
from tricircle.sim.volume.common import get_snapshot, get_volume, read_body
from tricircle.sim.volume.errors import invalid_volume
from tricircle.sim.volume.model import Snapshot, Volume
from tricircle.sim.volume.validation import METADATA, body_of, validate

_KEYS = METADATA["patternProperties"]
ALL = body_of("metadata", {}, patternProperties=_KEYS, additionalProperties=False)
ONE = body_of(
    "meta",
    {},
    patternProperties=_KEYS,
    additionalProperties=False,
    minProperties=1,
    maxProperties=1,
)


@dataclass(frozen=True)
class MetadataApi:
    """The metadata routes of one resource (`kind` names it in Cinder's 404)."""

    kind: str
    lookup: Callable[[web.Request], Volume | Snapshot]

    def _owner(self, request: web.Request, *, writing: bool) -> Volume | Snapshot:
        owner = self.lookup(request)
        if writing and isinstance(owner, Volume) and owner.status in ("maintenance", "uploading"):
            raise invalid_volume(
                f"Updating volume metadata is not allowed for volumes in {owner.status} status."
            )
        return owner

    def _item(self, owner: Volume | Snapshot, key: str) -> str:
        if key not in owner.metadata:
            raise SimError(404, f"{self.kind} {owner.id} has no metadata with key {key}.")
        return owner.metadata[key]

    async def show_all(self, request: web.Request) -> web.Response:
        return json_response({"metadata": dict(self._owner(request, writing=False).metadata)})

    async def set_all(self, request: web.Request) -> web.Response:
        """POST merges, PUT replaces."""
        new = validate(await read_body(request), ALL)["metadata"]
        owner = self._owner(request, writing=True)
        owner.metadata = new if request.method == "PUT" else {**owner.metadata, **new}
        owner.touch()
        return json_response({"metadata": dict(owner.metadata)})

    async def show_one(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        owner = self._owner(request, writing=False)
        return json_response({"meta": {key: self._item(owner, key)}})

    async def set_one(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        meta = validate(await read_body(request), ONE)["meta"]
        if key not in meta:
            raise SimError(400, "Request body and URI mismatch")
        owner = self._owner(request, writing=True)
        owner.metadata[key] = meta[key]
        owner.touch()
        return json_response({"meta": {key: meta[key]}})

    async def delete_one(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        owner = self._owner(request, writing=True)
        self._item(owner, key)
        del owner.metadata[key]
        owner.touch()
        return web.Response(status=200)

    def routes(self, base: str) -> list[tuple[str, str, Callable]]:
        """(method, path, handler) under `base`, e.g. /volumes/{volume_id}."""
        return [
            ("GET", f"{base}/metadata", self.show_all),
            ("POST", f"{base}/metadata", self.set_all),
            ("PUT", f"{base}/metadata", self.set_all),
            ("GET", f"{base}/metadata/{{key}}", self.show_one),
            ("PUT", f"{base}/metadata/{{key}}", self.set_one),
            ("DELETE", f"{base}/metadata/{{key}}", self.delete_one),
        ]


VOLUME_METADATA = MetadataApi("Volume", get_volume)
SNAPSHOT_METADATA = MetadataApi("Snapshot", get_snapshot)

"""``/types``: the top is the volume type registry; a pod gets a copy of a type (same name,
its own id) the first time a volume of that type lands there."""

from __future__ import annotations

import logging
from typing import Any

import msgspec
from aiohttp import web

from tricircle.kit.calls import call_pod
from tricircle.kit.copies import copy_failed, drop_copies, ensure_copy
from tricircle.pods.client import PodResponse
from tricircle.pods.directory import PodInfo
from tricircle.top.models import VolumeType
from tricircle.top.registry import AlreadyExists
from tricircle.top.volume_types import DEFAULT_TYPE, VolumeTypeStore
from tricircle.web.errors import bad_request, conflict, not_found
from tricircle.web.http import json_response, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import Schema, string, wrapped

LOG = logging.getLogger(__name__)
VOLUME_TYPE = "volume_type"
# Cinder's boolean strings
_BOOLEAN = {"oneOf": [{"type": "boolean"}, {"enum": ["true", "false", "True", "False"]}]}
_SPECS = {
    "type": "object",
    "propertyNames": string(255, 1),
    "additionalProperties": string(255),
}
CREATE = wrapped(
    "volume_type",
    {
        "name": string(255, 1, pattern=r"\S"),
        "description": {"type": ["string", "null"], "maxLength": 255},
        "os-volume-type-access:is_public": _BOOLEAN,
        "extra_specs": _SPECS,
    },
    ("name",),
)
UPDATE = wrapped(
    "volume_type",
    {
        "name": string(255, 1, pattern=r"\S"),
        "description": {"type": ["string", "null"], "maxLength": 255},
        "is_public": _BOOLEAN,
    },
)
EXTRA_SPECS = Schema(
    {
        "type": "object",
        "properties": {"extra_specs": _SPECS},
        "required": ["extra_specs"],
        "additionalProperties": False,
    }
)
_PROJECT = {
    "type": "object",
    "properties": {"project": string(255, 1)},
    "required": ["project"],
}
ACCESS = Schema(
    {
        "type": "object",
        "properties": {"addProjectAccess": _PROJECT, "removeProjectAccess": _PROJECT},
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": False,
    }
)


def _store(request: web.Request) -> VolumeTypeStore:
    return VolumeTypeStore(services_of(request).db)


def _manage(request: web.Request) -> None:
    services_of(request).policy.authorize("volume:types:manage", context_of(request))


def _truthy(value: Any) -> bool:
    return value is True or str(value).lower() == "true"


# what Cinder shows of a type's extra specs to those who may not read them all
USER_VISIBLE_EXTRA_SPECS = ("RESKEY:availability_zones", "multiattach", "replication_enabled")
_ACCESS_KEY = "os-volume-type-access:is_public"


def _sees_every_type(request: web.Request) -> bool:
    """Every private type and every extra spec: the ``volume:types:private`` rule (admins)."""
    return services_of(request).policy.allows("volume:types:private", context_of(request))


def visible_specs(request: web.Request, volume_type: VolumeType) -> dict[str, str]:
    """All extra specs for admins; for others only those Cinder shows them."""
    specs = dict(volume_type.extra_specs)
    if _sees_every_type(request):
        return specs
    return {k: v for k, v in specs.items() if k in USER_VISIBLE_EXTRA_SPECS}


def type_view(
    request: web.Request, volume_type: VolumeType, *, access: bool = True
) -> dict[str, Any]:
    """Cinder's show and list view: extra specs as the caller may see them, QoS for admins."""
    view: dict[str, Any] = {
        "id": volume_type.id,
        "name": volume_type.name,
        "is_public": volume_type.is_public,
        "description": volume_type.description,
        "extra_specs": visible_specs(request, volume_type),
    }
    if _sees_every_type(request):
        view["qos_specs_id"] = None
    if access:
        view[_ACCESS_KEY] = volume_type.is_public
    return view


def _managed_view(volume_type: VolumeType) -> dict[str, Any]:
    """What Cinder answers a type's create and update with (its older view: every spec)."""
    return {
        "id": volume_type.id,
        "name": volume_type.name,
        "is_public": volume_type.is_public,
        "extra_specs": dict(volume_type.extra_specs),
        "description": volume_type.description,
    }


async def visible_type(request: web.Request, ref: str) -> VolumeType:
    """A type the caller may use, by id or name; Cinder's 404 otherwise."""
    store, context = _store(request), context_of(request)
    volume_type = await store.get(ref) or await store.by_name(ref)
    if volume_type is None or not (
        _sees_every_type(request) or await store.can_use(volume_type, context.project_id)
    ):
        raise not_found(f"Volume type {ref} could not be found.")
    return volume_type


async def default_type(request: web.Request) -> VolumeType:
    """Cinder's own default type; made at the top on first use where the migration that
    makes it did not run (a database made from the models)."""
    store = _store(request)
    found = await store.by_name(DEFAULT_TYPE)
    if found is not None:
        return found
    try:
        return await store.create(name=DEFAULT_TYPE, description="Default Volume Type")
    except AlreadyExists:  # another gateway made it a moment ago
        made = await store.by_name(DEFAULT_TYPE)
        assert made is not None
        return made


class VolumeTypeCopier:
    resource_type = VOLUME_TYPE

    def top_id(self, request: web.Request, item: VolumeType) -> str:
        return item.id

    async def _as_gateway(
        self, request: web.Request, pod: PodInfo, method: str, path: str, body: Any = None
    ) -> PodResponse:
        token = await services_of(request).service_auth.token()
        return await call_pod(request, pod, method, path, token=token, version="3.0", json=body)

    async def find(self, request: web.Request, pod: PodInfo, item: VolumeType) -> str | None:
        # a copy has the top's name (every Cinder has its own __DEFAULT__ already)
        listed = await self._as_gateway(request, pod, "GET", "/types?is_public=None")
        if not listed.ok:
            raise copy_failed(pod, "list volume types", listed)
        return next(
            (t["id"] for t in listed.json()["volume_types"] if t["name"] == item.name), None
        )

    async def create(self, request: web.Request, pod: PodInfo, item: VolumeType) -> str:
        body = {
            "volume_type": {
                "name": item.name,
                "description": item.description,
                "os-volume-type-access:is_public": item.is_public,
                "extra_specs": item.extra_specs,
            }
        }
        answer = await self._as_gateway(request, pod, "POST", "/types", body)
        if not answer.ok:
            raise copy_failed(pod, f"create volume type {item.name}", answer)
        return answer.json()["volume_type"]["id"]

    async def delete(self, request: web.Request, pod: PodInfo, bottom_id: str) -> PodResponse:
        return await self._as_gateway(request, pod, "DELETE", f"/types/{bottom_id}")

    async def grant(self, request: web.Request, pod: PodInfo, bottom_id: str) -> None:
        grant = {"addProjectAccess": {"project": context_of(request).project_id}}
        answer = await self._as_gateway(request, pod, "POST", f"/types/{bottom_id}/action", grant)
        if not (answer.ok or answer.status == 409):  # 409: granted before
            raise copy_failed(pod, f"share volume type {bottom_id}", answer)


VOLUME_TYPES = VolumeTypeCopier()


class TypeIds:
    """The top's ids of the pods' copies of volume types, for the answers that name a type
    by id (a volume's ``volume_type_id`` from 3.63, its ``volume_type`` where Cinder shows
    the id, the type an image upload answers with): a copy has its pod's own id."""

    def __init__(self, tops: dict[tuple[str, str], str]) -> None:
        self._tops = tops
        self._bottoms: dict[str, list[bytes]] = {}
        for pod_id, bottom_id in tops:
            self._bottoms.setdefault(pod_id, []).append(bottom_id.encode())

    @classmethod
    async def read(cls, request: web.Request, pod_id: str | None = None) -> TypeIds:
        """The copies of every pod, or of one."""
        return cls(await services_of(request).routing.top_ids(VOLUME_TYPE, pod_id))

    def shown(self, pod_id: str, raw: bytes) -> bytes:
        """`raw`, a pod's JSON, with the pod's type ids as the top's."""
        if not any(bottom in raw for bottom in self._bottoms.get(pod_id, ())):
            return raw
        body = msgspec.json.decode(raw)
        self._rewrite(pod_id, body)
        return msgspec.json.encode(body)

    def _rewrite(self, pod_id: str, node: Any) -> None:
        if isinstance(node, list):
            for item in node:
                self._rewrite(pod_id, item)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in ("volume_type_id", "volume_type") and isinstance(value, str):
                    node[key] = self._top(pod_id, value)
                elif key == "volume_type" and isinstance(value, dict) and "id" in value:
                    value["id"] = self._top(pod_id, value["id"])
                else:
                    self._rewrite(pod_id, value)

    def _top(self, pod_id: str, value: Any) -> Any:
        return self._tops.get((pod_id, value), value) if isinstance(value, str) else value


async def ensure_type(request: web.Request, pod: PodInfo, volume_type: VolumeType) -> str:
    """The name the pod knows the type by, once the pod has it and the caller may use it."""
    bottom_id = await ensure_copy(request, pod, VOLUME_TYPES, volume_type)
    if not volume_type.is_public:
        await VOLUME_TYPES.grant(request, pod, bottom_id)
    return volume_type.name


routes = web.RouteTableDef()


@routes.get("/v3/types")
async def list_types(request: web.Request) -> web.Response:
    context, everything = context_of(request), _sees_every_type(request)
    asked = request.query.get("is_public", "true").lower()
    is_public = None if asked == "none" or not everything else asked != "false"
    found = await _store(request).visible(context.project_id, is_public=is_public, admin=everything)
    return json_response({"volume_types": [type_view(request, t) for t in found]})


@routes.get("/v3/types/default")
async def show_default_type(request: web.Request) -> web.Response:
    volume_type = await default_type(request)
    return json_response({"volume_type": type_view(request, volume_type, access=False)})


@routes.get("/v3/types/{type_id}")
async def show_type(request: web.Request) -> web.Response:
    volume_type = await visible_type(request, request.match_info["type_id"])
    return json_response({"volume_type": type_view(request, volume_type)})


@routes.post("/v3/types")
async def create_type(request: web.Request) -> web.Response:
    _manage(request)
    body = await read_json(request)
    CREATE.validate(body)
    wanted = body["volume_type"]
    try:
        volume_type = await _store(request).create(
            name=wanted["name"].strip(),
            description=wanted.get("description"),
            is_public=_truthy(wanted.get("os-volume-type-access:is_public", True)),
            extra_specs=wanted.get("extra_specs") or {},
        )
    except AlreadyExists:
        raise conflict(f"Volume Type {wanted['name']} already exists.") from None
    view = {**_managed_view(volume_type), _ACCESS_KEY: volume_type.is_public}
    return json_response({"volume_type": view})


@routes.put("/v3/types/{type_id}")
async def update_type(request: web.Request) -> web.Response:
    _manage(request)
    body = await read_json(request)
    UPDATE.validate(body)
    wanted = body["volume_type"]
    if not wanted:
        raise bad_request("Specify volume type name, description, is_public or a combination.")
    fields = {k: v for k, v in wanted.items() if k in ("name", "description")}
    if "is_public" in wanted:
        fields["is_public"] = _truthy(wanted["is_public"])
    type_id = request.match_info["type_id"]
    try:
        volume_type = await _store(request).update(type_id, **fields)
    except AlreadyExists:
        raise conflict(f"Volume Type {wanted.get('name')} already exists.") from None
    if volume_type is None:
        raise not_found(f"Volume type {type_id} could not be found.")
    return json_response({"volume_type": _managed_view(volume_type)})


@routes.delete("/v3/types/{type_id}")
async def delete_type(request: web.Request) -> web.Response:
    _manage(request)
    volume_type = await visible_type(request, request.match_info["type_id"])
    if volume_type.name == DEFAULT_TYPE:
        raise bad_request("Target volume type is default and cannot be deleted.")
    services = services_of(request)
    # the pods' copies first: a pod whose volumes still use it refuses, and so do we
    for entry in await services.routing.find(VOLUME_TYPE, volume_type.id):
        pod = await services.directory.get(entry.pod_id)
        if pod is not None and entry.bottom_id is not None:
            answer = await VOLUME_TYPES.delete(request, pod, entry.bottom_id)
            if answer.status == 400:
                raise bad_request("Target volume type is still in use.")
    await drop_copies(request, VOLUME_TYPES, volume_type.id)
    await _store(request).delete(volume_type.id)
    return web.Response(status=202)


@routes.get("/v3/types/{type_id}/extra_specs")
async def list_extra_specs(request: web.Request) -> web.Response:
    volume_type = await visible_type(request, request.match_info["type_id"])
    return json_response({"extra_specs": visible_specs(request, volume_type)})


@routes.post("/v3/types/{type_id}/extra_specs")
async def set_extra_specs(request: web.Request) -> web.Response:
    _manage(request)
    volume_type = await visible_type(request, request.match_info["type_id"])
    body = await read_json(request)
    EXTRA_SPECS.validate(body)
    await _store(request).set_extra_specs(volume_type.id, body["extra_specs"])
    return json_response({"extra_specs": body["extra_specs"]})


@routes.get("/v3/types/{type_id}/extra_specs/{key}")
async def show_extra_spec(request: web.Request) -> web.Response:
    volume_type = await visible_type(request, request.match_info["type_id"])
    key, specs = request.match_info["key"], visible_specs(request, volume_type)
    if key not in specs:
        raise not_found(f"Volume Type {volume_type.id} has no extra specs with key {key}.")
    return json_response({key: specs[key]})


@routes.put("/v3/types/{type_id}/extra_specs/{key}")
async def update_extra_spec(request: web.Request) -> web.Response:
    _manage(request)
    volume_type = await visible_type(request, request.match_info["type_id"])
    key, body = request.match_info["key"], await read_json(request)
    if not isinstance(body, dict) or key not in body:
        raise bad_request("Request body and URI mismatch")
    if len(body) > 1:
        raise bad_request("Request body contains too many items")
    EXTRA_SPECS.validate({"extra_specs": body})
    await _store(request).set_extra_specs(volume_type.id, body)
    return json_response(body)


@routes.delete("/v3/types/{type_id}/extra_specs/{key}")
async def delete_extra_spec(request: web.Request) -> web.Response:
    _manage(request)
    volume_type = await visible_type(request, request.match_info["type_id"])
    key = request.match_info["key"]
    if not await _store(request).unset_extra_spec(volume_type.id, key):
        raise not_found(f"Volume Type {volume_type.id} has no extra specs with key {key}.")
    return web.Response(status=202)


@routes.get("/v3/types/{type_id}/os-volume-type-access")
async def list_access(request: web.Request) -> web.Response:
    _manage(request)
    volume_type = await visible_type(request, request.match_info["type_id"])
    if volume_type.is_public:
        raise not_found(f"Access list not available for public volume type {volume_type.id}.")
    projects = await _store(request).projects(volume_type.id)
    listed = [{"volume_type_id": volume_type.id, "project_id": p} for p in projects]
    return json_response({"volume_type_access": listed})


@routes.post("/v3/types/{type_id}/action")
async def type_action(request: web.Request) -> web.Response:
    _manage(request)
    volume_type = await visible_type(request, request.match_info["type_id"])
    body = await read_json(request)
    ACCESS.validate(body)
    store = _store(request)
    if "addProjectAccess" in body:
        if volume_type.is_public:
            raise bad_request(
                "Invalid volume type: Type access modification is not applicable "
                "to public volume type."
            )
        project = body["addProjectAccess"]["project"]
        if not await store.grant(volume_type.id, project):
            raise conflict(
                f"Volume type access for {volume_type.id} / {project} combination already exists."
            )
    else:
        project = body["removeProjectAccess"]["project"]
        if not await store.revoke(volume_type.id, project):
            raise not_found(
                f"Volume type access not found for {volume_type.id} / {project} combination."
            )
    return web.Response(status=202)

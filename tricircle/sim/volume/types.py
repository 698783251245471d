"""Volume types: list and show for everyone; create, update, delete, extra specs and access
to private types for admins; the default type `__DEFAULT__`, also at `/types/default`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response, new_id
from tricircle.sim.service import ctx, require_admin
from tricircle.sim.volume import listing
from tricircle.sim.volume.common import get_type, read_body, state_of
from tricircle.sim.volume.model import VolumeType
from tricircle.sim.volume.validation import (
    BOOLEAN,
    DESCRIPTION,
    KEY_PATTERN,
    body_of,
    single_item,
    to_bool,
    validate,
)

ACCESS_KEY = "os-volume-type-access:is_public"
_SPEC_VALUE = {"type": ["string", "null"], "maxLength": 255}
_SPECS = {
    "type": "object",
    "patternProperties": {KEY_PATTERN: _SPEC_VALUE},
    "additionalProperties": False,
}
CREATE = body_of(
    "volume_type",
    {
        "name": {"type": "string", "minLength": 1, "maxLength": 255, "format": "type_name"},
        "description": DESCRIPTION,
        "extra_specs": _SPECS,
        ACCESS_KEY: BOOLEAN,
    },
    required=["name"],
    additionalProperties=False,
)
UPDATE = body_of(
    "volume_type",
    {
        "name": {"type": ["string", "null"], "minLength": 1, "maxLength": 255},
        "description": DESCRIPTION,
        "is_public": BOOLEAN,
    },
    additionalProperties=False,
)
SET_SPECS = body_of("extra_specs", {}, **{k: v for k, v in _SPECS.items() if k != "type"})


def _policy(request: web.Request, action: str) -> None:
    require_admin(request, f"volume_extension:{action}")


# -- views: show and list (v3, what members may see) and create/update answers (v2) --


def type_view(request: web.Request, vtype: VolumeType, *, access: bool = True) -> dict[str, Any]:
    context = ctx(request)
    body: dict[str, Any] = {
        "id": vtype.id,
        "name": vtype.name,
        "is_public": vtype.is_public,
        "description": vtype.description,
        "extra_specs": vtype.specs_for(context),
    }
    if context.is_admin:
        body["qos_specs_id"] = None
    if access:
        body[ACCESS_KEY] = vtype.is_public
    return body


def _managed_view(vtype: VolumeType) -> dict[str, Any]:
    return {
        "id": vtype.id,
        "name": vtype.name,
        "is_public": vtype.is_public,
        "extra_specs": dict(vtype.extra_specs),
        "description": vtype.description,
    }


# -- list and show --

TYPES = listing.Listing(
    "types",
    "Volume type",
    listing.attributes(
        "id", "name", "created_at", "is_public", "description", updated_at="created_at"
    ),
    listing.attributes("is_public", "extra_specs"),
    frozenset({"is_public", "extra_specs"}),
    strict_from=(3, 52),
    count_from=None,
    links_key="volume_type_links",
)


async def list_types(request: web.Request) -> web.Response:
    query = listing.parse(request, TYPES)
    context = ctx(request)
    # Members see public types and the private ones shared with them; admins choose.
    wanted = query.filters.pop("is_public", None)
    public = _is_public_filter(wanted) if context.is_admin else True
    shared = [
        t
        for t in state_of(request).types.values()
        if t.visible_to(context)
        and (
            public is None or t.is_public == public or (public and context.project_id in t.projects)
        )
    ]
    shown, extra = listing.select(request, query, shared)
    return json_response({"volume_types": [type_view(request, t) for t in shown], **extra})


def _is_public_filter(value: str | None) -> bool | None:
    """Cinder's parse of is_public: absent means public, 'none' means all."""
    if value is None:
        return True
    if value.lower() == "none":
        return None
    if value.lower() not in (
        "true",
        "false",
        "1",
        "0",
        "t",
        "f",
        "yes",
        "no",
        "y",
        "n",
        "on",
        "off",
    ):
        raise SimError(400, f"Invalid is_public filter [{value}]")
    return to_bool(value)


async def show_type(request: web.Request) -> web.Response:
    if request.match_info["type_id"] == "default":
        state = state_of(request)
        default = state.types[state.default_type_id]
        return json_response({"volume_type": type_view(request, default, access=False)})
    return json_response({"volume_type": type_view(request, get_type(request))})


# -- create, update, delete --


async def create_type(request: web.Request) -> web.Response:
    _policy(request, "type_create")
    spec = validate(await read_body(request), CREATE)["volume_type"]
    state = state_of(request)
    if any(t.name == spec["name"] for t in state.types.values()):
        raise SimError(409, f"Volume Type {spec['name']} already exists.")
    vtype = VolumeType(
        new_id(),
        spec["name"],
        spec.get("description"),
        to_bool(spec.get(ACCESS_KEY, True)),
        dict(spec.get("extra_specs") or {}),
    )
    state.types[vtype.id] = vtype
    return json_response({"volume_type": {**_managed_view(vtype), ACCESS_KEY: vtype.is_public}})


async def update_type(request: web.Request) -> web.Response:
    _policy(request, "type_update")
    spec = validate(await read_body(request), UPDATE)["volume_type"]
    name, description = spec.get("name"), spec.get("description")
    if name is not None and not name.strip():
        raise SimError(400, "Volume type name can not be empty.")
    if name is None and description is None and spec.get("is_public") is None:
        raise SimError(
            400, "Specify volume type name, description, is_public or a combination thereof."
        )
    vtype = get_type(request)
    state = state_of(request)
    if name is not None and any(t.name == name and t is not vtype for t in state.types.values()):
        raise SimError(409, f"Volume Type {name} already exists.")
    vtype.name = name if name is not None else vtype.name
    vtype.description = description if description is not None else vtype.description
    if spec.get("is_public") is not None:
        vtype.is_public = to_bool(spec["is_public"])
    return json_response({"volume_type": _managed_view(vtype)})


async def delete_type(request: web.Request) -> web.Response:
    _policy(request, "type_delete")
    vtype = get_type(request)
    state = state_of(request)
    if vtype.id == state.default_type_id:
        raise SimError(
            400, f"The volume type {vtype.id} is a default volume type and cannot be deleted."
        )
    if any(v.volume_type_id == vtype.id for v in state.volumes.values()):
        raise SimError(400, "Target volume type is still in use.")
    del state.types[vtype.id]
    return web.Response(status=202)


# -- extra specs --


def _spec(vtype: VolumeType, key: str, visible: dict[str, str]) -> str:
    if key not in visible:
        raise SimError(404, f"Volume Type {vtype.id} has no extra specs with key {key}.")
    return visible[key]


async def list_specs(request: web.Request) -> web.Response:
    return json_response({"extra_specs": get_type(request).specs_for(ctx(request))})


async def set_specs(request: web.Request) -> web.Response:
    _policy(request, "types_extra_specs:create")
    specs = validate(await read_body(request), SET_SPECS)["extra_specs"]
    get_type(request).extra_specs.update(specs)
    return json_response({"extra_specs": specs})


async def show_spec(request: web.Request) -> web.Response:
    vtype = get_type(request)
    key = request.match_info["key"]
    return json_response({key: _spec(vtype, key, vtype.specs_for(ctx(request)))})


async def set_spec(request: web.Request) -> web.Response:
    _policy(request, "types_extra_specs:update")
    vtype = get_type(request)
    key = request.match_info["key"]
    value = single_item(await read_body(request), key)
    validate({key: value}, {"type": "object", "additionalProperties": _SPEC_VALUE})
    vtype.extra_specs[key] = value
    return json_response({key: value})


async def delete_spec(request: web.Request) -> web.Response:
    _policy(request, "types_extra_specs:delete")
    vtype = get_type(request)
    key = request.match_info["key"]
    _spec(vtype, key, vtype.extra_specs)
    del vtype.extra_specs[key]
    return web.Response(status=202)


# -- access to private types --


async def list_access(request: web.Request) -> web.Response:
    _policy(request, "volume_type_access:get_all_for_type")
    vtype = get_type(request)
    if vtype.is_public:
        raise SimError(404, "Access list not available for public volume types.")
    return json_response(
        {
            "volume_type_access": [
                {"project_id": p, "volume_type_id": vtype.id} for p in sorted(vtype.projects)
            ]
        }
    )


async def type_action(request: web.Request) -> web.Response:
    body = await read_body(request)
    name = next(iter(body), "") if isinstance(body, dict) and len(body) == 1 else None
    if name not in ("addProjectAccess", "removeProjectAccess"):
        if name is None:
            raise SimError(400, "Malformed request body")
        raise SimError(
            400,
            f"There is no such action: {name}. Verify the request body and Content-Type header "
            "and try again.",
        )
    _policy(request, f"volume_type_access:{name}")
    schema = body_of(name, {"project": {"type": "string"}}, required=["project"])
    project = validate(body, schema)[name]["project"]
    vtype = get_type(request)
    if vtype.is_public:
        raise SimError(
            400,
            "Invalid volume type: Type access modification is not applicable to public volume "
            "type.",
        )
    combination = f"{vtype.id} / {project} combination"
    if name == "addProjectAccess":
        if project in vtype.projects:
            raise SimError(409, f"Volume type access for {combination} already exists.")
        vtype.projects.add(project)
    else:
        if project not in vtype.projects:
            raise SimError(404, f"Volume type access not found for {combination}.")
        vtype.projects.discard(project)
    return web.Response(status=202)

"""``/flavors``: the top is the registry; pods receive copies on demand (see copies.py)."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from tricircle.kit.calls import version_of
from tricircle.kit.links import next_link, resource_links
from tricircle.kit.microversions import Version
from tricircle.top.flavors import FlavorStore
from tricircle.top.models import Flavor
from tricircle.top.registry import AlreadyExists
from tricircle.web.errors import ApiError, bad_request, conflict, not_found
from tricircle.web.http import json_response, query_int, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import NAME, Schema, string, wrapped

routes = web.RouteTableDef()

MAX_LIMIT = 1000
# Nova's bounds: its database's int and single-precision float columns
MAX_INT = 2**31 - 1
_INT = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 0, "maximum": MAX_INT}
_FACTOR = {
    "type": ["number", "string"],
    "pattern": r"^[0-9]+(\.[0-9]+)?$",
    "exclusiveMinimum": 0,
    "maximum": 3.40282e38,
}
# Nova's boolean parameter: a JSON boolean or one of the strings it reads as one
_TRUE = ("True", "TRUE", "true", "1", "ON", "On", "on", "YES", "Yes", "yes", "y", "t")
_FALSE = ("False", "FALSE", "false", "0", "OFF", "Off", "off", "NO", "No", "no", "n", "f")
BOOLEAN = {"oneOf": [{"type": "boolean"}, {"enum": [*_TRUE, *_FALSE]}]}
CREATE = wrapped(
    "flavor",
    {
        "name": NAME,
        # Nova takes a string, a number or null, and keeps it as a string
        "id": {
            "type": ["string", "number", "null"],
            "minLength": 1,
            "maxLength": 255,
            "pattern": r"^(?! )[a-zA-Z0-9. _-]+(?<! )$",
        },
        "ram": {**_INT, "minimum": 1},
        "vcpus": {**_INT, "minimum": 1},
        "disk": _INT,
        "OS-FLV-EXT-DATA:ephemeral": _INT,
        "swap": _INT,
        "rxtx_factor": _FACTOR,
        "os-flavor-access:is_public": BOOLEAN,
        "description": {"type": ["string", "null"], "maxLength": 65535},
    },
    ("name", "ram", "vcpus", "disk"),
)
EXTRA_SPECS = Schema(
    {
        "type": "object",
        "properties": {
            "extra_specs": {
                "type": "object",
                "propertyNames": string(255, 1, pattern=r"^[\w.\-: ]+$"),
                "additionalProperties": string(255),
            }
        },
        "required": ["extra_specs"],
        "additionalProperties": False,
    }
)
ACCESS = Schema(
    {
        "type": "object",
        "properties": {
            "addTenantAccess": {
                "type": "object",
                "properties": {"tenant": string(255, 1)},
                "required": ["tenant"],
            },
            "removeTenantAccess": {
                "type": "object",
                "properties": {"tenant": string(255, 1)},
                "required": ["tenant"],
            },
        },
        "minProperties": 1,
        "maxProperties": 1,
        "additionalProperties": False,
    }
)


def flavor_view(request: web.Request, flavor: Flavor, *, detail: bool) -> dict[str, Any]:
    version = version_of(request)
    view: dict[str, Any] = {
        "id": flavor.id,
        "name": flavor.name,
        "links": resource_links(request, "flavors", flavor.id),
    }
    if version >= Version(2, 55):
        view["description"] = flavor.description
    if not detail:
        return view
    view.update(
        {
            "ram": flavor.ram,
            "vcpus": flavor.vcpus,
            "disk": flavor.disk,
            "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
            "OS-FLV-DISABLED:disabled": False,
            # Nova showed no swap as "" until 2.75
            "swap": flavor.swap if flavor.swap or version >= Version(2, 75) else "",
            "rxtx_factor": flavor.rxtx_factor,
            "os-flavor-access:is_public": flavor.is_public,
        }
    )
    if version >= Version(2, 61):
        view["extra_specs"] = dict(flavor.extra_specs)
    return view


async def visible_flavor(request: web.Request, flavor_id: str) -> Flavor:
    services, context = services_of(request), context_of(request)
    flavor = await FlavorStore(services.db).get(flavor_id)
    if flavor is None or not (
        _sees_private_flavors(request)
        or await FlavorStore(services.db).can_use(flavor, context.project_id)
    ):
        raise not_found(f"Flavor {flavor_id} could not be found.")
    return flavor


def _sees_private_flavors(request: web.Request) -> bool:
    return services_of(request).policy.allows("compute:flavors:private", context_of(request))


def _is_public_filter(request: web.Request, admin: bool) -> bool | None:
    value = request.query.get("is_public", "true").lower()
    if value == "none":
        return None if admin else True
    if value in ("true", "t", "1", "yes", "y", "on"):
        return True
    if value in ("false", "f", "0", "no", "n", "off"):
        return False if admin else None
    raise bad_request(f"Invalid is_public filter [{value}]")


_SORT_KEYS = {
    "flavorid": "id",
    "id": "id",
    "name": "name",
    "memory_mb": "ram",
    "ram": "ram",
    "vcpus": "vcpus",
    "root_gb": "disk",
    "disk": "disk",
    "swap": "swap",
    "ephemeral_gb": "ephemeral",
    "rxtx_factor": "rxtx_factor",
    "created_at": "created_at",
}


async def _list(request: web.Request, *, detail: bool) -> web.Response:
    services, context = services_of(request), context_of(request)
    sees_private = _sees_private_flavors(request)
    flavors = list(
        await FlavorStore(services.db).visible(
            context.project_id,
            is_public=_is_public_filter(request, sees_private),
            admin=sees_private,
        )
    )
    min_ram = query_int(request, "minRam", default=0) or 0
    min_disk = query_int(request, "minDisk", default=0) or 0
    flavors = [f for f in flavors if f.ram >= min_ram and f.disk >= min_disk]
    sort_key = request.query.get("sort_key", "flavorid")
    sort_dir = request.query.get("sort_dir", "asc")
    if sort_key not in _SORT_KEYS or sort_dir not in ("asc", "desc"):
        raise bad_request(f"Invalid sort_key {sort_key} or sort_dir {sort_dir}")
    attribute = _SORT_KEYS[sort_key]
    flavors.sort(key=lambda f: (getattr(f, attribute), f.id), reverse=sort_dir == "desc")
    marker = request.query.get("marker")
    if marker is not None:
        ids = [f.id for f in flavors]
        if marker not in ids:
            raise bad_request(f"marker [{marker}] not found")
        flavors = flavors[ids.index(marker) + 1 :]
    limit = min(query_int(request, "limit", default=MAX_LIMIT) or 0, MAX_LIMIT)
    page = flavors[:limit]
    body: dict[str, Any] = {"flavors": [flavor_view(request, f, detail=detail) for f in page]}
    if len(flavors) > limit and page:
        body["flavors_links"] = next_link(
            request, "flavors" + ("/detail" if detail else ""), page[-1].id
        )
    return json_response(body)


@routes.get("/v2.1/flavors")
async def list_flavors(request: web.Request) -> web.Response:
    return await _list(request, detail=False)


@routes.get("/v2.1/flavors/detail")
async def list_flavors_detail(request: web.Request) -> web.Response:
    return await _list(request, detail=True)


@routes.get("/v2.1/flavors/{flavor_id}")
async def show_flavor(request: web.Request) -> web.Response:
    flavor = await visible_flavor(request, request.match_info["flavor_id"])
    return json_response({"flavor": flavor_view(request, flavor, detail=True)})


def _truthy(value: bool | str) -> bool:
    return value is True or value in _TRUE


def _flavor_id(asked: str | float | None) -> str:
    """The id Nova would store: a number as its text (1 -> "1"), none as a new uuid."""
    if asked is None or asked == "":
        return str(uuid.uuid4())
    if isinstance(asked, float) and asked.is_integer():
        return str(int(asked))
    return str(asked)


@routes.post("/v2.1/flavors")
async def create_flavor(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:flavors:manage", context)
    body = await read_json(request)
    CREATE.validate(body)
    wanted = body["flavor"]
    if "description" in wanted and version_of(request) < Version(2, 55):
        raise bad_request(
            "Invalid input for field/attribute flavor. Additional properties are not allowed "
            "('description' was unexpected)"
        )
    flavor_id = _flavor_id(wanted.get("id"))
    if await FlavorStore(services.db).get(flavor_id) is not None:
        raise conflict(f"Flavor with ID {flavor_id} already exists.")
    try:
        flavor = await FlavorStore(services.db).create(
            id=flavor_id,
            name=wanted["name"],
            ram=int(wanted["ram"]),
            vcpus=int(wanted["vcpus"]),
            disk=int(wanted["disk"]),
            ephemeral=int(wanted.get("OS-FLV-EXT-DATA:ephemeral", 0)),
            swap=int(wanted.get("swap", 0)),
            rxtx_factor=float(wanted.get("rxtx_factor", 1.0)),
            is_public=_truthy(wanted.get("os-flavor-access:is_public", True)),
            description=wanted.get("description"),
            extra_specs={},
        )
    except AlreadyExists:
        raise conflict(f"Flavor with name {wanted['name']} already exists.") from None
    return json_response({"flavor": flavor_view(request, flavor, detail=True)})


@routes.delete("/v2.1/flavors/{flavor_id}")
async def delete_flavor(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:flavors:manage", context)
    flavor_id = request.match_info["flavor_id"]
    if not await FlavorStore(services.db).delete(flavor_id):
        raise not_found(f"Flavor {flavor_id} could not be found.")
    return web.Response(status=202)


@routes.get("/v2.1/flavors/{flavor_id}/os-extra_specs")
async def list_extra_specs(request: web.Request) -> web.Response:
    flavor = await visible_flavor(request, request.match_info["flavor_id"])
    return json_response({"extra_specs": dict(flavor.extra_specs)})


@routes.post("/v2.1/flavors/{flavor_id}/os-extra_specs")
async def create_extra_specs(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:flavors:manage", context)
    body = await read_json(request)
    EXTRA_SPECS.validate(body)
    flavor_id = request.match_info["flavor_id"]
    if await FlavorStore(services.db).set_extra_specs(flavor_id, body["extra_specs"]) is None:
        raise not_found(f"Flavor {flavor_id} could not be found.")
    return json_response({"extra_specs": body["extra_specs"]})


@routes.get("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}")
async def show_extra_spec(request: web.Request) -> web.Response:
    flavor = await visible_flavor(request, request.match_info["flavor_id"])
    key = request.match_info["key"]
    if key not in flavor.extra_specs:
        raise not_found(f"Flavor {flavor.id} has no extra specs with key {key}.")
    return json_response({key: flavor.extra_specs[key]})


@routes.put("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}")
async def update_extra_spec(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:flavors:manage", context)
    body = await read_json(request)
    key = request.match_info["key"]
    if not isinstance(body, dict) or list(body) != [key] or not isinstance(body[key], str):
        raise bad_request("Request body and URI mismatch")
    flavor_id = request.match_info["flavor_id"]
    if await FlavorStore(services.db).set_extra_specs(flavor_id, body) is None:
        raise not_found(f"Flavor {flavor_id} could not be found.")
    return json_response(body)


@routes.delete("/v2.1/flavors/{flavor_id}/os-extra_specs/{key}")
async def delete_extra_spec(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:flavors:manage", context)
    flavor_id, key = request.match_info["flavor_id"], request.match_info["key"]
    if not await FlavorStore(services.db).unset_extra_spec(flavor_id, key):
        raise not_found(f"Flavor {flavor_id} has no extra specs with key {key}.")
    return web.Response(status=202)


@routes.get("/v2.1/flavors/{flavor_id}/os-flavor-access")
async def list_access(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:flavors:access", context)
    flavor = await visible_flavor(request, request.match_info["flavor_id"])
    if flavor.is_public:
        raise not_found("Access list not available for public flavors.")
    projects = await FlavorStore(services.db).projects(flavor.id)
    return json_response(
        {"flavor_access": [{"flavor_id": flavor.id, "tenant_id": p} for p in projects]}
    )


@routes.post("/v2.1/flavors/{flavor_id}/action")
async def flavor_action(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    services.policy.authorize("compute:flavors:access", context)
    body = await read_json(request)
    ACCESS.validate(body)
    flavor = await visible_flavor(request, request.match_info["flavor_id"])
    if flavor.is_public:
        raise conflict("Can not add access to a public flavor.")
    if "addTenantAccess" in body:
        project = body["addTenantAccess"]["tenant"]
        if not await FlavorStore(services.db).grant(flavor.id, project):
            raise ApiError(
                409,
                f"Flavor access already exists for flavor {flavor.id} and project {project} "
                "combination.",
            )
    else:
        project = body["removeTenantAccess"]["tenant"]
        if not await FlavorStore(services.db).revoke(flavor.id, project):
            raise not_found(f"Flavor access not found for {flavor.id} / {project} combination.")
    projects = await FlavorStore(services.db).projects(flavor.id)
    return json_response(
        {"flavor_access": [{"flavor_id": flavor.id, "tenant_id": p} for p in projects]}
    )

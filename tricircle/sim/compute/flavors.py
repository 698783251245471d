"""Nova flavors: list/detail/show for all, create/delete and extra specs for admins."""

from __future__ import annotations

import re
from typing import Any

from aiohttp import web

from tricircle.sim.compute.common import api_base, body_of, check_name, invalid, state
from tricircle.sim.compute.model import Flavor
from tricircle.sim.compute.views import flavor_view
from tricircle.sim.http import (
    SimError,
    json_response,
    new_id,
    next_link,
    page_after,
    parse_limit,
    read_json,
    sort_items,
    truthy,
)
from tricircle.sim.service import ctx, microversion, require_admin

MAX_LIMIT = 1000
_SORT = {
    "flavorid": lambda f: f.id,
    "name": lambda f: f.name,
    "memory_mb": lambda f: f.ram,
    "vcpus": lambda f: f.vcpus,
    "root_gb": lambda f: f.disk,
    "id": lambda f: f.seq,
    "created_at": lambda f: f.seq,
    "swap": lambda f: f.swap,
    "ephemeral_gb": lambda f: f.ephemeral,
    "rxtx_factor": lambda f: f.rxtx_factor,
    "disabled": lambda f: f.disabled,
    "is_public": lambda f: f.is_public,
    "description": lambda f: f.description,
}


def _get(request: web.Request) -> Flavor:
    flavor_id = request.match_info["flavor_id"]
    flavor = state(request).flavors.get(flavor_id)
    context = ctx(request)
    if flavor is None or not flavor.usable_by(context.project_id, context.is_admin):
        raise SimError(404, f"Flavor {flavor_id} could not be found.")
    return flavor


async def list_flavors(request: web.Request) -> web.Response:
    detail = request.path.endswith("/detail")
    q = request.rel_url.query
    admin = ctx(request).is_admin
    flavors = list(state(request).flavors.values())
    # Non-admins see public flavors; admins all, unless is_public narrows it.
    is_public = q.get("is_public")
    if not admin:
        project = ctx(request).project_id
        flavors = [f for f in flavors if f.usable_by(project, admin)]
    elif is_public is not None and is_public.lower() != "none":
        flavors = [f for f in flavors if f.is_public == truthy(is_public)]
    for param, attr in (("minRam", "ram"), ("minDisk", "disk")):
        if param in q:
            try:
                floor = int(q[param])
            except ValueError:
                raise SimError(400, f"Invalid {param} filter [{q[param]}]") from None
            flavors = [f for f in flavors if getattr(f, attr) >= floor]
    sort_key = q.get("sort_key", "flavorid")
    sort_dir = q.get("sort_dir", "asc")
    if sort_key not in _SORT or sort_dir not in ("asc", "desc"):
        raise SimError(400, f"Invalid input for query parameters sort_key. Value: {sort_key}.")
    keys = [(_SORT[sort_key], sort_dir == "desc"), (_SORT["id"], sort_dir == "desc")]
    ordered = sort_items(flavors, keys)
    limit = parse_limit(q.get("limit"), MAX_LIMIT)
    marker = None
    if "marker" in q:
        marker = state(request).flavors.get(q["marker"])
        if marker is None:
            raise SimError(400, f"marker [{q['marker']}] not found")
    page = page_after(ordered, marker, limit, keys)
    mv = microversion(request)
    body: dict[str, Any] = {
        "flavors": [flavor_view(f, api_base(request), mv, detail) for f in page]
    }
    if page and len(page) == limit:
        body["flavors_links"] = [
            {
                "rel": "next",
                "href": next_link(request, page[-1].id, limit if "limit" in q else None),
            }
        ]
    return json_response(body)


async def show_flavor(request: web.Request) -> web.Response:
    return json_response(
        {"flavor": flavor_view(_get(request), api_base(request), microversion(request), True)}
    )


def _number(spec: dict[str, Any], key: str, default: int | None, minimum: int) -> int:
    value = spec.get(key, default)
    if value is None:
        raise invalid("flavor", spec, f"'{key}' is a required property")
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise invalid(key, value, f"{value!r} is not of type 'integer', 'string'") from None
    if number < minimum:
        raise invalid(key, value, f"{value!r} is less than the minimum of {minimum}")
    return number


# Nova's flavor id: a number, or text of these characters with no space at either end
_FLAVOR_ID = re.compile(r"^(?! )[a-zA-Z0-9. _-]+(?<! )$")


def _boolean(value: Any) -> bool:
    """Nova's boolean parameter: a JSON boolean, or a string such as "False" or "yes"."""
    return truthy(value) if isinstance(value, str) else bool(value)


async def create_flavor(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-flavor-manage:create")
    spec = body_of(await read_json(request), "flavor")
    if "name" not in spec:
        raise invalid("flavor", spec, "'name' is a required property")
    name = check_name(spec["name"])
    flavor_id = spec.get("id") or new_id()
    if isinstance(flavor_id, str) and not _FLAVOR_ID.match(flavor_id):
        raise invalid("id", flavor_id, f"{flavor_id!r} does not match {_FLAVOR_ID.pattern!r}")
    flavors = state(request).flavors
    if str(flavor_id) in flavors:
        raise SimError(409, f"Flavor with ID {flavor_id} already exists.")
    if any(f.name == name for f in flavors.values()):
        raise SimError(409, f"Flavor with name {name} already exists.")
    flavor = Flavor(
        id=str(flavor_id),
        name=name,
        ram=_number(spec, "ram", None, 1),
        vcpus=_number(spec, "vcpus", None, 1),
        disk=_number(spec, "disk", None, 0),
        swap=_number(spec, "swap", 0, 0),
        ephemeral=_number(spec, "OS-FLV-EXT-DATA:ephemeral", 0, 0),
        rxtx_factor=float(spec.get("rxtx_factor", 1.0)),
        is_public=_boolean(spec.get("os-flavor-access:is_public", True)),
        description=spec.get("description"),
    )
    flavors[flavor.id] = flavor
    return json_response(
        {"flavor": flavor_view(flavor, api_base(request), microversion(request), True)}
    )


async def delete_flavor(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-flavor-manage:delete")
    flavor = _get(request)
    del state(request).flavors[flavor.id]
    return web.Response(status=202)


async def list_extra_specs(request: web.Request) -> web.Response:
    return json_response({"extra_specs": dict(_get(request).extra_specs)})


async def create_extra_specs(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-flavor-extra-specs:create")
    flavor = _get(request)
    specs = body_of(await read_json(request), "extra_specs")
    flavor.extra_specs.update({k: str(v) for k, v in specs.items()})
    return json_response({"extra_specs": dict(flavor.extra_specs)})


async def show_extra_spec(request: web.Request) -> web.Response:
    flavor = _get(request)
    key = request.match_info["key"]
    if key not in flavor.extra_specs:
        raise SimError(404, f"Flavor {flavor.id} has no extra specs with key {key}.")
    return json_response({key: flavor.extra_specs[key]})


async def update_extra_spec(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-flavor-extra-specs:update")
    flavor = _get(request)
    key = request.match_info["key"]
    body = await read_json(request)
    if not isinstance(body, dict) or key not in body:
        raise SimError(400, "Request body and URI mismatch")
    if len(body) > 1:
        raise SimError(400, "Request body contains too many items")
    flavor.extra_specs[key] = str(body[key])
    return json_response({key: flavor.extra_specs[key]})


async def delete_extra_spec(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-flavor-extra-specs:delete")
    flavor = _get(request)
    key = request.match_info["key"]
    if flavor.extra_specs.pop(key, None) is None:
        raise SimError(404, f"Flavor {flavor.id} has no extra specs with key {key}.")
    return web.Response(status=202)


def _access_view(flavor: Flavor) -> web.Response:
    return json_response(
        {
            "flavor_access": [
                {"flavor_id": flavor.id, "tenant_id": p} for p in sorted(flavor.projects)
            ]
        }
    )


async def list_access(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-flavor-access")
    flavor = _get(request)
    if flavor.is_public:
        raise SimError(404, "Access list not available for public flavors.")
    return _access_view(flavor)


async def flavor_action(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-flavor-access:add_tenant_access")
    flavor = _get(request)
    body = await read_json(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise SimError(400, "Invalid input for field/attribute. Exactly one action is expected.")
    ((action, spec),) = body.items()
    if action not in ("addTenantAccess", "removeTenantAccess"):
        raise SimError(400, f"There is no such action: {action}")
    tenant = spec.get("tenant") if isinstance(spec, dict) else None
    if not isinstance(tenant, str) or not tenant:
        raise invalid(action, spec, "'tenant' is a required property")
    if flavor.is_public:
        raise SimError(409, "Can not add access to a public flavor.")
    if action == "addTenantAccess":
        if tenant in flavor.projects:
            raise SimError(
                409,
                f"Flavor access already exists for flavor {flavor.id} "
                f"and project {tenant} combination.",
            )
        flavor.projects.add(tenant)
    else:
        if tenant not in flavor.projects:
            raise SimError(404, f"Flavor access not found for {flavor.id} / {tenant} combination.")
        flavor.projects.discard(tenant)
    return _access_view(flavor)


def add_routes(router: web.UrlDispatcher) -> None:
    base = "/compute/v2.1/flavors"
    router.add_get(base, list_flavors)
    router.add_get(f"{base}/detail", list_flavors)
    router.add_post(base, create_flavor)
    router.add_get(f"{base}/{{flavor_id}}", show_flavor)
    router.add_delete(f"{base}/{{flavor_id}}", delete_flavor)
    router.add_get(f"{base}/{{flavor_id}}/os-extra_specs", list_extra_specs)
    router.add_post(f"{base}/{{flavor_id}}/os-extra_specs", create_extra_specs)
    router.add_get(f"{base}/{{flavor_id}}/os-extra_specs/{{key}}", show_extra_spec)
    router.add_put(f"{base}/{{flavor_id}}/os-extra_specs/{{key}}", update_extra_spec)
    router.add_delete(f"{base}/{{flavor_id}}/os-extra_specs/{{key}}", delete_extra_spec)
    router.add_get(f"{base}/{{flavor_id}}/os-flavor-access", list_access)
    router.add_post(f"{base}/{{flavor_id}}/action", flavor_action)

"""Neutron's quotas API: per-project limits over Neutron's defaults, and their usage."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import SimError, json_response, read_json
from tricircle.sim.network.collection import state_of
from tricircle.sim.network.store import NetworkState
from tricircle.sim.service import ctx, require_admin

# Neutron's [quotas] defaults
DEFAULTS = {
    "network": 100,
    "subnet": 100,
    "port": 500,
    "router": 10,
    "floatingip": 50,
    "security_group": 10,
    "security_group_rule": 100,
    "rbac_policy": 10,
    "subnetpool": -1,
}
# what each quota counts, in the store
_COUNTED = {
    "network": "networks",
    "subnet": "subnets",
    "port": "ports",
    "router": "routers",
    "floatingip": "floatingips",
    "security_group": "security_groups",
    "security_group_rule": "security_group_rules",
    "subnetpool": "subnetpools",
}


def _project(request: web.Request) -> str:
    """The path's project, which only admins may name when it is not theirs."""
    project_id = request.match_info["project_id"]
    context = ctx(request)
    if not context.is_admin and context.project_id != project_id:
        raise SimError(403, "rule:get_quota is disallowed by policy", kind="PolicyNotAuthorized")
    return project_id


def _limits(request: web.Request, project_id: str) -> dict[str, int]:
    return {**DEFAULTS, **state_of(request).quotas.get(project_id, {})}


def _used(state: NetworkState, project_id: str) -> dict[str, int]:
    return {
        name: sum(
            1 for item in getattr(state, store).values() if item.get("project_id") == project_id
        )
        for name, store in _COUNTED.items()
    }


async def show(request: web.Request) -> web.Response:
    return json_response({"quota": _limits(request, _project(request))})


async def defaults(request: web.Request) -> web.Response:
    _project(request)
    return json_response({"quota": dict(DEFAULTS)})


async def details(request: web.Request) -> web.Response:
    project_id = _project(request)
    used = _used(state_of(request), project_id)
    quota = {
        name: {"limit": limit, "used": used.get(name, 0), "reserved": 0}
        for name, limit in _limits(request, project_id).items()
    }
    return json_response({"quota": quota})


async def update(request: web.Request) -> web.Response:
    require_admin(request, "update_quota")
    project_id = request.match_info["project_id"]
    body = await read_json(request, "Body contains invalid data")
    wanted = body.get("quota") if isinstance(body, dict) else None
    if not isinstance(wanted, dict):
        raise SimError(400, "Invalid input for operation: quota is missing.", kind="InvalidInput")
    wanted = dict(wanted)
    # quota-check-limit: a limit below what the project uses is refused unless told not to
    check = wanted.pop("check_limit", True) is not False
    wanted.pop("force", None)
    for name, value in wanted.items():
        if name not in DEFAULTS:
            raise SimError(400, f"Unrecognized attribute(s) '{name}'", kind="HTTPBadRequest")
        if isinstance(value, bool) or not isinstance(value, int) or value < -1:
            raise SimError(
                400,
                f"Invalid input for {name}. Reason: '{value}' is not an integer >= -1.",
                kind="HTTPBadRequest",
            )
    if check:
        used = _used(state_of(request), project_id)
        for name, value in wanted.items():
            if value != -1 and value < used.get(name, 0):
                raise SimError(
                    400,
                    f"Quota limit {value} for {name} must be greater than or equal to already "
                    f"used {used[name]}",
                    kind="HTTPBadRequest",
                )
    state_of(request).quotas.setdefault(project_id, {}).update(wanted)
    return json_response({"quota": _limits(request, project_id)})


async def reset(request: web.Request) -> web.Response:
    require_admin(request, "delete_quota")
    state_of(request).quotas.pop(request.match_info["project_id"], None)
    return web.Response(status=204)


async def listing(request: web.Request) -> web.Response:
    require_admin(request, "get_quota")
    quotas = state_of(request).quotas
    return json_response(
        {"quotas": [{**_limits(request, p), "project_id": p} for p in sorted(quotas)]}
    )


def add_quota_routes(router: web.UrlDispatcher) -> None:
    base = "/network/v2.0/quotas"
    router.add_get(base, listing)
    router.add_get(base + "/{project_id}/default", defaults)
    router.add_get(base + "/{project_id}/details.json", details)
    router.add_get(base + "/{project_id}/details", details)
    router.add_get(base + "/{project_id}", show)
    router.add_put(base + "/{project_id}", update)
    router.add_delete(base + "/{project_id}", reset)

"""`/os-quota-sets`, `/os-quota-class-sets` and `/limits`: the quotas as Cinder shows them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response, truthy
from tricircle.sim.service import ctx, require_admin
from tricircle.sim.volume import quota
from tricircle.sim.volume.common import at_least, read_body, state_of
from tricircle.sim.volume.validation import body_of, validate, whole_number

_ABSOLUTE = {  # the limits' names in /limits, and what is used of each
    "volumes": ("maxTotalVolumes", "totalVolumesUsed"),
    "gigabytes": ("maxTotalVolumeGigabytes", "totalGigabytesUsed"),
    "snapshots": ("maxTotalSnapshots", "totalSnapshotsUsed"),
    "backups": ("maxTotalBackups", "totalBackupsUsed"),
    "backup_gigabytes": ("maxTotalBackupGigabytes", "totalBackupGigabytesUsed"),
}


def _project(request: web.Request, rule: str) -> str:
    """The project in the path: one's own, or any for an admin."""
    project = request.match_info["project"]
    context = ctx(request)
    if not context.is_admin and project != context.project_id:
        raise SimError(403, f"Policy doesn't allow volume_extension:quotas:{rule} to be performed.")
    return project


async def show_quotas(request: web.Request) -> web.Response:
    """With ?usage=True each limit comes with what is in use and reserved."""
    project = _project(request, "show")
    state = state_of(request)
    limits: dict[str, Any] = quota.project_limits(state, project)
    if truthy(request.rel_url.query.get("usage")):
        used = quota.usage(state, project)
        limits = {
            k: {"limit": v, "in_use": used.get(k, 0), "reserved": 0} for k, v in limits.items()
        }
    return json_response({"quota_set": {**limits, "id": project}})


async def show_defaults(request: web.Request) -> web.Response:
    project = _project(request, "show")
    state = state_of(request)
    defaults = state.quotas.class_limits("default", quota.type_names(state))
    return json_response({"quota_set": {**defaults, "id": project}})


def _new_limits(request: web.Request, body: Any, key: str) -> dict[str, int]:
    """The limits in a `quota_set`/`quota_class_set` body: known names, whole numbers >= -1."""
    sent = validate(body, body_of(key, {}))[key]
    known = quota.project_limits(state_of(request), "")
    bad = [k for k in sent if k not in known]
    if bad:
        label = "quota set" if key == "quota_set" else "quota class set"
        raise SimError(400, f"Invalid input received: Bad key(s) in {label}: {', '.join(bad)}")
    limits = {name: whole_number(value, name, -1) for name, value in sent.items()}
    return limits


async def update_quotas(request: web.Request) -> web.Response:
    require_admin(request, "volume_extension:quotas:update")
    project = request.match_info["project"]
    state = state_of(request)
    new = _new_limits(request, await read_body(request), "quota_set")
    used = quota.usage(state, project)
    for name, limit in new.items():
        if name != "per_volume_gigabytes" and limit != -1 and limit < used.get(name, 0):
            raise SimError(
                400,
                f"Quota {name} limit must be equal or greater than existing resources. Current "
                f"usage is {used.get(name, 0)} and the requested limit is {limit}.",
            )
    state.quotas.projects.setdefault(project, {}).update(new)
    return json_response({"quota_set": quota.project_limits(state, project)})


async def delete_quotas(request: web.Request) -> web.Response:
    require_admin(request, "volume_extension:quotas:delete")
    state_of(request).quotas.projects.pop(request.match_info["project"], None)
    return web.Response(status=200)


async def show_class(request: web.Request) -> web.Response:
    require_admin(request, "volume_extension:quota_classes:get")
    name = request.match_info["quota_class"]
    state = state_of(request)
    limits = state.quotas.class_limits(name, quota.type_names(state))
    return json_response({"quota_class_set": {**limits, "id": name}})


async def update_class(request: web.Request) -> web.Response:
    require_admin(request, "volume_extension:quota_classes:update")
    name = request.match_info["quota_class"]
    state = state_of(request)
    state.quotas.classes.setdefault(name, {}).update(
        _new_limits(request, await read_body(request), "quota_class_set")
    )
    return json_response(
        {"quota_class_set": state.quotas.class_limits(name, quota.type_names(state))}
    )


async def show_limits(request: web.Request) -> web.Response:
    """The caller's project (from 3.39 an admin may name another with ?project_id=)."""
    context = ctx(request)
    project = context.project_id or ""
    if context.is_admin and at_least(request, (3, 39)):
        project = request.rel_url.query.get("project_id", project)
    state = state_of(request)
    limits = quota.project_limits(state, project)
    used = quota.usage(state, project)
    absolute = {}
    for name, (limit_key, used_key) in _ABSOLUTE.items():
        absolute[limit_key] = limits[name]
        absolute[used_key] = used.get(name, 0)
    return json_response({"limits": {"rate": [], "absolute": absolute}})

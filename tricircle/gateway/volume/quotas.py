"""Cinder's quotas, owned by the top: ``/os-quota-sets``, ``/os-quota-class-sets``,
``/limits``. Each volume type of the top's registry adds its own three limits
(``volumes_<type>``, ``gigabytes_<type>``, ``snapshots_<type>``), unlimited unless set."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.kit.calls import version_of
from tricircle.kit.microversions import Version
from tricircle.quota.engine import OverQuota, Usage
from tricircle.quota.gate import quota_engine
from tricircle.quota.models import ANY_USER
from tricircle.quota.resources import VOLUME, VOLUME_RESOURCES, per_type_names
from tricircle.quota.settable import check_not_below_usage, cinder_below_usage
from tricircle.top.volume_types import VolumeTypeStore
from tricircle.web.errors import ApiError, bad_request
from tricircle.web.http import json_response, read_json
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()
OTHER_PROJECT_LIMITS = Version(3, 39)


def over_quota(over: OverQuota) -> ApiError:
    """Cinder's QuotaError of the quota that does not fit: a 413, to retry at once."""
    name, limit, used, asked = over.resource, over.limit, over.used, over.requested
    if name == "backup_gigabytes":
        kind = "VolumeBackupSizeExceedsAvailableQuota"
        message = (
            f"Requested backup exceeds allowed Backup gigabytes quota. Requested {asked}G, "
            f"quota is {limit}G and {used}G has been consumed."
        )
    elif name.startswith("gigabytes"):
        kind = "VolumeSizeExceedsAvailableQuota"
        message = (
            f"Requested volume or snapshot exceeds allowed {name} quota. Requested {asked}G, "
            f"quota is {limit}G and {used}G has been consumed."
        )
    elif name.startswith("volumes"):
        kind = "VolumeLimitExceeded"
        message = f"Maximum number of volumes allowed ({limit}) exceeded for quota '{name}'."
    else:
        noun = "snapshot" if name.startswith("snapshots") else "backup"
        kind = f"{noun.capitalize()}LimitExceeded"
        message = f"Maximum number of {noun}s allowed ({limit}) exceeded"
    return ApiError(413, f"{kind}: {message}", {"Retry-After": "0"})


def too_large(size: int, limit: int) -> ApiError:
    return ApiError(
        413,
        f"VolumeSizeExceedsLimit: Requested volume size {size}G is larger than maximum "
        f"allowed limit {limit}G.",
        {"Retry-After": "0"},
    )


async def type_limit_names(request: web.Request) -> list[str]:
    store = VolumeTypeStore(services_of(request).db)
    types = await store.visible(None, is_public=None, admin=True)
    return per_type_names(t.name for t in types)


async def project_limits(request: web.Request, project_id: str) -> dict[str, int]:
    names = await type_limit_names(request)
    return await quota_engine(request).limits.project(VOLUME, project_id, ANY_USER, names)


def _authorized_project(request: web.Request, rule: str) -> str:
    project_id = request.match_info["target"]
    context = context_of(request)
    services_of(request).policy.authorize(rule, context, {"project_id": project_id})
    return project_id


def _truthy(text: str | None) -> bool:
    return (text or "").strip().lower() in ("1", "t", "true", "on", "y", "yes")


@routes.get("/v3/os-quota-sets/{target}")
async def show(request: web.Request) -> web.Response:
    """With ``usage=true`` each limit comes with what is in use and reserved."""
    project_id = _authorized_project(request, "volume_extension:quotas:show")
    limits: dict[str, Any] = await project_limits(request, project_id)
    if _truthy(request.query.get("usage")):
        usage = await quota_engine(request).usage(VOLUME, project_id)
        limits = {
            name: {
                "limit": limit,
                "in_use": usage.get(name, Usage()).in_use,
                "reserved": usage.get(name, Usage()).reserved,
            }
            for name, limit in limits.items()
        }
    return json_response({"quota_set": {**limits, "id": project_id}})


@routes.get("/v3/os-quota-sets/{target}/defaults")
async def defaults(request: web.Request) -> web.Response:
    project_id = _authorized_project(request, "volume_extension:quotas:show")
    names = await type_limit_names(request)
    limits = await quota_engine(request).limits.defaults(VOLUME, names)
    return json_response({"quota_set": {**limits, "id": project_id}})


async def _new_limits(request: web.Request, key: str) -> dict[str, int]:
    """The limits in a ``quota_set``/``quota_class_set`` body: known names, whole numbers
    from -1, in Cinder's words."""
    body = await read_json(request)
    sent = body.get(key) if isinstance(body, dict) else None
    if not isinstance(sent, dict):
        raise bad_request(f"Missing required element '{key}' in request body.")
    known = {*VOLUME_RESOURCES, *await type_limit_names(request)}
    bad = [name for name in sent if name not in known]
    if bad:
        label = key.replace("_", " ")
        raise bad_request(f"Invalid input received: Bad key(s) in {label}: {', '.join(bad)}")
    limits = {}
    for name, value in sent.items():
        try:
            limits[name] = int(value)
        except (TypeError, ValueError):
            raise bad_request(f"{name} must be an integer") from None
        if limits[name] < -1:
            raise bad_request(f"{name} must be >= -1")
    return limits


@routes.put("/v3/os-quota-sets/{target}")
async def update(request: web.Request) -> web.Response:
    project_id = _authorized_project(request, "volume_extension:quotas:update")
    wanted = await _new_limits(request, "quota_set")
    engine = quota_engine(request)
    counted = {k: v for k, v in wanted.items() if k != "per_volume_gigabytes"}
    check_not_below_usage(counted, await engine.usage(VOLUME, project_id), cinder_below_usage)
    await engine.limits.set_project(VOLUME, project_id, ANY_USER, wanted)
    return json_response({"quota_set": await project_limits(request, project_id)})


@routes.delete("/v3/os-quota-sets/{target}")
async def delete(request: web.Request) -> web.Response:
    project_id = _authorized_project(request, "volume_extension:quotas:delete")
    await quota_engine(request).limits.delete_project(VOLUME, project_id, None)
    return web.Response(status=200)


@routes.get("/v3/os-quota-class-sets/{class_name}")
async def show_class(request: web.Request) -> web.Response:
    services_of(request).policy.authorize("volume_extension:quota_classes", context_of(request))
    class_name = request.match_info["class_name"]
    names = await type_limit_names(request)
    limits = await quota_engine(request).limits.class_limits(VOLUME, class_name, names)
    return json_response({"quota_class_set": {**limits, "id": class_name}})


@routes.put("/v3/os-quota-class-sets/{class_name}")
async def update_class(request: web.Request) -> web.Response:
    context = context_of(request)
    services_of(request).policy.authorize("volume_extension:quota_classes:update", context)
    class_name = request.match_info["class_name"]
    wanted = await _new_limits(request, "quota_class_set")
    engine = quota_engine(request)
    await engine.limits.set_class(VOLUME, class_name, wanted)
    names = await type_limit_names(request)
    limits = await engine.limits.class_limits(VOLUME, class_name, names)
    return json_response({"quota_class_set": limits})


# /limits: each quota's absolute limit and what is used of it
_ABSOLUTE = {
    "volumes": ("maxTotalVolumes", "totalVolumesUsed"),
    "gigabytes": ("maxTotalVolumeGigabytes", "totalGigabytesUsed"),
    "snapshots": ("maxTotalSnapshots", "totalSnapshotsUsed"),
    "backups": ("maxTotalBackups", "totalBackupsUsed"),
    "backup_gigabytes": ("maxTotalBackupGigabytes", "totalBackupGigabytesUsed"),
}


@routes.get("/v3/limits")
async def limits(request: web.Request) -> web.Response:
    """The caller's project over all its pods (from 3.39 an admin may name another with
    ``project_id``)."""
    context = context_of(request)
    project_id = context.project_id or ""
    if context.is_admin and version_of(request) >= OTHER_PROJECT_LIMITS:
        project_id = request.query.get("project_id", project_id)
    limits = await project_limits(request, project_id)
    usage = await quota_engine(request).usage(VOLUME, project_id)
    # Cinder adds what is used where its policy lets the caller see it
    target = {"project_id": project_id}
    used = services_of(request).policy.allows("limits_extension:used_limits", context, target)
    absolute = {}
    for name, (limit_key, used_key) in _ABSOLUTE.items():
        absolute[limit_key] = limits[name]
        if used:
            absolute[used_key] = usage.get(name, Usage()).in_use
    return json_response({"limits": {"rate": [], "absolute": absolute}})

"""Nova's quotas, owned by the top: ``/os-quota-sets``, ``/os-quota-class-sets``, ``/limits``.

One limit per project across every pod, the usage summed over the pods as the top keeps
it (tricircle/quota/). Which names a body carries follows the microversion as in Nova:
the network quotas go at 2.36, the injected files at 2.57; a quota class shows the
server group quotas from 2.50.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web
from sqlalchemy import func, select

from tricircle.kit.calls import version_of
from tricircle.kit.microversions import Version
from tricircle.quota.engine import Counter, OverQuota, Usage
from tricircle.quota.gate import quota_engine
from tricircle.quota.models import ANY_USER
from tricircle.quota.resources import (
    COMPUTE,
    COMPUTE_FILES_LEGACY,
    COMPUTE_NETWORK_LEGACY,
    COMPUTE_RESOURCES,
)
from tricircle.quota.settable import check_not_below_usage, nova_below_usage
from tricircle.top.models import Keypair
from tricircle.top.server_groups import group_counter
from tricircle.web.errors import ApiError, forbidden
from tricircle.web.http import json_response, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import Schema

routes = web.RouteTableDef()

NETWORK_GONE, FILES_GONE, CLASS_GROUPS = Version(2, 36), Version(2, 57), Version(2, 50)
IMAGE_META_GONE = Version(2, 39)
_SERVER_GROUPS = ("server_groups", "server_group_members")
_MAX_INT = 0x7FFFFFFF
_LIMIT = {
    "type": ["integer", "string"],
    "pattern": r"^-?[0-9]+$",
    "minimum": -1,
    "maximum": _MAX_INT,
}
_FORCE = {"type": ["boolean", "string"], "enum": [True, False, "True", "False", "true", "false"]}


def _names(request: web.Request, *, quota_class: bool = False) -> list[str]:
    """The quota names Nova shows and takes at the request's microversion."""
    version = version_of(request)
    names = list(COMPUTE_RESOURCES)
    if quota_class and version < CLASS_GROUPS:
        names = [n for n in names if n not in _SERVER_GROUPS]
    if version < (CLASS_GROUPS if quota_class else NETWORK_GONE):
        names += list(COMPUTE_NETWORK_LEGACY)
    if version < FILES_GONE:
        names += list(COMPUTE_FILES_LEGACY)
    return names


def _schema(key: str, names: list[str], *, force: bool) -> Schema:
    properties: dict[str, Any] = dict.fromkeys(names, _LIMIT)
    if force:
        properties["force"] = _FORCE
    inner = {"type": "object", "properties": properties, "additionalProperties": False}
    return Schema(
        {
            "type": "object",
            "properties": {key: inner},
            "required": [key],
            "additionalProperties": False,
        }
    )


def keypair_counter(user_id: str) -> Counter:
    """A user's key pairs, counted from the top's own table under the quota lock."""

    async def count(session: Any) -> dict[str, int]:
        query = select(func.count()).select_from(Keypair).where(Keypair.user_id == user_id)
        return {"key_pairs": int(await session.scalar(query) or 0)}

    return count


def over_quota(over: OverQuota) -> ApiError:
    """Nova's TooManyInstances (and its kin for cores and RAM), a 403."""
    if over.resource == "key_pairs":
        return forbidden("Quota exceeded, too many key pairs.")
    if over.resource == "server_groups":
        return forbidden("Quota exceeded, too many server groups.")
    return forbidden(
        f"Quota exceeded for {over.resource}: Requested {over.requested}, but already used "
        f"{over.used} of {over.limit} {over.resource}"
    )


async def _usage(request: web.Request, project_id: str, user_id: str) -> dict[str, Usage]:
    """What the project uses over its pods, with what the top counts in its own tables:
    the user's key pairs and the project's server groups."""
    engine = quota_engine(request)
    usage = await engine.usage(COMPUTE, project_id)
    async with engine.db.engine.connect() as connection:
        for counter in (keypair_counter(user_id), group_counter(project_id)):
            usage.update({k: Usage(in_use=n) for k, n in (await counter(connection)).items()})
    return usage


def _authorize(request: web.Request, rule: str, project_id: str | None = None) -> None:
    context = context_of(request)
    target = {"project_id": project_id if project_id is not None else context.project_id}
    services_of(request).policy.authorize(rule, context, target)


def _project_and_user(request: web.Request, rule: str) -> tuple[str, str]:
    project_id = request.match_info["project_id"]
    _authorize(request, rule, project_id)
    return project_id, request.query.get("user_id", ANY_USER)


async def _limits_of(request: web.Request, project_id: str, user_id: str) -> dict[str, int]:
    return await quota_engine(request).limits.project(COMPUTE, project_id, user_id)


@routes.get("/v2.1/os-quota-sets/{project_id}")
async def show(request: web.Request) -> web.Response:
    project_id, user_id = _project_and_user(request, "os_compute_api:os-quota-sets:show")
    limits = await _limits_of(request, project_id, user_id)
    shown = {name: limits[name] for name in _names(request)}
    return json_response({"quota_set": {"id": project_id, **shown}})


@routes.get("/v2.1/os-quota-sets/{project_id}/detail")
async def detail(request: web.Request) -> web.Response:
    project_id, user_id = _project_and_user(request, "os_compute_api:os-quota-sets:detail")
    limits = await _limits_of(request, project_id, user_id)
    usage = await _usage(request, project_id, user_id or context_of(request).user_id)
    shown = {
        name: {
            "limit": limits[name],
            "in_use": usage.get(name, Usage()).in_use,
            "reserved": usage.get(name, Usage()).reserved,
        }
        for name in _names(request)
    }
    return json_response({"quota_set": {"id": project_id, **shown}})


@routes.get("/v2.1/os-quota-sets/{project_id}/defaults")
async def defaults(request: web.Request) -> web.Response:
    project_id = request.match_info["project_id"]
    _authorize(request, "os_compute_api:os-quota-sets:defaults", project_id)
    limits = await quota_engine(request).limits.defaults(COMPUTE)
    shown = {name: limits[name] for name in _names(request)}
    return json_response({"quota_set": {"id": project_id, **shown}})


@routes.put("/v2.1/os-quota-sets/{project_id}")
async def update(request: web.Request) -> web.Response:
    project_id, user_id = _project_and_user(request, "os_compute_api:os-quota-sets:update")
    body = await read_json(request)
    names = _names(request)
    _schema("quota_set", names, force=True).validate(body)
    sent = dict(body["quota_set"])
    force = str(sent.pop("force", False)).lower() == "true"
    wanted = {name: int(value) for name, value in sent.items()}
    engine = quota_engine(request)
    if not force:
        usage = {} if user_id else await _usage(request, project_id, context_of(request).user_id)
        check_not_below_usage(wanted, usage, nova_below_usage)
        if user_id:
            _not_above_project(wanted, await _limits_of(request, project_id, ANY_USER))
    await engine.limits.set_project(COMPUTE, project_id, user_id, wanted)
    limits = await _limits_of(request, project_id, user_id)
    return json_response({"quota_set": {name: limits[name] for name in names}})


def _not_above_project(wanted: dict[str, int], project: dict[str, int]) -> None:
    """A user's limit stays within its project's, as Nova checks it."""
    for name, limit in wanted.items():
        maximum = project.get(name, -1)
        if maximum != -1 and (limit == -1 or limit > maximum):
            raise ApiError(
                400, f"Quota limit {limit} for {name} must be less than or equal to {maximum}."
            )


@routes.delete("/v2.1/os-quota-sets/{project_id}")
async def delete(request: web.Request) -> web.Response:
    project_id, user_id = _project_and_user(request, "os_compute_api:os-quota-sets:delete")
    await quota_engine(request).limits.delete_project(COMPUTE, project_id, user_id or None)
    return web.Response(status=202)


@routes.get("/v2.1/os-quota-class-sets/{class_name}")
async def show_class(request: web.Request) -> web.Response:
    _authorize(request, "os_compute_api:os-quota-class-sets:show")
    class_name = request.match_info["class_name"]
    limits = await quota_engine(request).limits.class_limits(COMPUTE, class_name)
    shown = {name: limits[name] for name in _names(request, quota_class=True)}
    return json_response({"quota_class_set": {"id": class_name, **shown}})


@routes.put("/v2.1/os-quota-class-sets/{class_name}")
async def update_class(request: web.Request) -> web.Response:
    _authorize(request, "os_compute_api:os-quota-class-sets:update")
    class_name = request.match_info["class_name"]
    body = await read_json(request)
    names = _names(request, quota_class=True)
    _schema("quota_class_set", names, force=False).validate(body)
    wanted = {name: int(value) for name, value in body["quota_class_set"].items()}
    engine = quota_engine(request)
    await engine.limits.set_class(COMPUTE, class_name, wanted)
    limits = await engine.limits.class_limits(COMPUTE, class_name)
    return json_response({"quota_class_set": {name: limits[name] for name in names}})


# /limits: the absolute limit of each quota and, for some, what is used of it
_ABSOLUTE = {
    "metadata_items": "maxServerMeta",
    "instances": "maxTotalInstances",
    "cores": "maxTotalCores",
    "ram": "maxTotalRAMSize",
    "key_pairs": "maxTotalKeypairs",
    "server_groups": "maxServerGroups",
    "server_group_members": "maxServerGroupMembers",
    "injected_files": "maxPersonality",
    "injected_file_content_bytes": "maxPersonalitySize",
    "security_groups": "maxSecurityGroups",
    "security_group_rules": "maxSecurityGroupRules",
    "floating_ips": "maxTotalFloatingIps",
}
_USED = {
    "instances": "totalInstancesUsed",
    "cores": "totalCoresUsed",
    "ram": "totalRAMUsed",
    "server_groups": "totalServerGroupsUsed",
    "security_groups": "totalSecurityGroupsUsed",
    "floating_ips": "totalFloatingIpsUsed",
}


@routes.get("/v2.1/limits")
async def limits(request: web.Request) -> web.Response:
    """The project's limits and what it uses over all its pods (another project's with
    ``tenant_id``, by policy)."""
    context = context_of(request)
    _authorize(request, "os_compute_api:limits")
    project_id = request.query.get("tenant_id") or context.project_id or ""
    if project_id != context.project_id:
        _authorize(request, "os_compute_api:limits:other_project", project_id)
    limits = await _limits_of(request, project_id, ANY_USER)
    usage = await _usage(request, project_id, context.user_id)
    names = _names(request)
    absolute = {_ABSOLUTE[n]: limits[n] for n in names if n in _ABSOLUTE}
    absolute.update({_USED[n]: usage.get(n, Usage()).in_use for n in names if n in _USED})
    if version_of(request) < IMAGE_META_GONE:
        absolute["maxImageMeta"] = limits["metadata_items"]
    return json_response({"limits": {"rate": [], "absolute": absolute}})

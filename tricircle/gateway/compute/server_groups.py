"""``/os-server-groups``: groups kept at the top, copied into a pod when a member lands.

A group's members are its copies' members (each pod's Nova keeps its own copy's list
as servers come and go). A boot naming a group in its scheduler hints goes, for
(soft-)affinity, to the pod that already holds the group's members, so they share a
host as Nova would place them; for (soft-)anti-affinity it goes to the pod of the
members' AZ that holds the fewest of them, and each pod's copy keeps its members apart
within the pod: members in different pods are on different hosts already.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.quotas import over_quota
from tricircle.gateway.compute.server_views import changed_server
from tricircle.kit.calls import call_pod, version_of
from tricircle.kit.copies import copy_failed, drop_copies, ensure_copy
from tricircle.kit.microversions import Version
from tricircle.kit.placement import usable_pods
from tricircle.pods.client import PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.pods.routing import SERVER
from tricircle.quota.gate import reserved
from tricircle.quota.limits import LimitStore
from tricircle.quota.resources import COMPUTE
from tricircle.top.models import ServerGroup
from tricircle.top.server_groups import ServerGroupStore, group_counter
from tricircle.web.errors import ApiError, bad_request, forbidden, not_found
from tricircle.web.http import json_response, query_int, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import NAME, Schema

routes = web.RouteTableDef()
SERVER_GROUP = "server_group"
OWNERS, SOFT, ONE_POLICY = Version(2, 13), Version(2, 15), Version(2, 64)
AFFINITY = ("affinity", "soft-affinity")
MAX_LIMIT = 1000  # Nova's [api] max_limit
HINTS = ("os:scheduler_hints", "OS-SCH-HNT:scheduler_hints")
COUNTS = ("min_count", "max_count")
# the pods' copies speak 2.64: one policy, and rules
COPY_VERSION = "2.64"


def _create_schema(version: Version) -> Schema:
    policies = ["anti-affinity", "affinity"]
    if version >= SOFT:
        policies += ["soft-anti-affinity", "soft-affinity"]
    if version >= ONE_POLICY:
        rules = {
            "type": "object",
            "properties": {
                "max_server_per_host": {
                    "type": ["integer", "string"],
                    "pattern": "^[0-9]*$",
                    "minimum": 1,
                }
            },
            "additionalProperties": False,
        }
        fields: dict[str, Any] = {"name": NAME, "policy": {"enum": policies}, "rules": rules}
        required = ["name", "policy"]
    else:
        one = {"type": "string", "enum": policies}
        listed = {"type": "array", "items": one, "uniqueItems": True, "minItems": 1}
        fields = {"name": NAME, "policies": {**listed, "maxItems": 1}}
        required = ["name", "policies"]
    inner = {
        "type": "object",
        "properties": fields,
        "required": required,
        "additionalProperties": False,
    }
    return Schema(
        {
            "type": "object",
            "properties": {"server_group": inner},
            "required": ["server_group"],
            "additionalProperties": False,
        }
    )


def _view(request: web.Request, group: ServerGroup, members: list[str]) -> dict[str, Any]:
    version = version_of(request)
    view: dict[str, Any] = {"id": group.id, "name": group.name}
    if version >= ONE_POLICY:
        view.update(policy=group.policy, rules=group.rules)
    else:
        view.update(policies=[group.policy], metadata={})
    view["members"] = members
    if version >= OWNERS:
        view.update(project_id=group.project_id, user_id=group.user_id)
    return view


class ServerGroupCopier:
    """A group's copy in a pod: made as the group's user, named by the top id (the copy
    has an id of its own, and the name finds it again after an interrupted attempt)."""

    resource_type = SERVER_GROUP

    def top_id(self, request: web.Request, item: ServerGroup) -> str:
        return item.id

    async def _call(
        self, request: web.Request, pod: PodInfo, method: str, path: str, body: Any = None
    ) -> PodResponse:
        return await call_pod(request, pod, method, path, version=COPY_VERSION, json=body)

    async def find(self, request: web.Request, pod: PodInfo, item: ServerGroup) -> str | None:
        listed = await self._call(request, pod, "GET", "/os-server-groups")
        groups = (listed.json() or {}).get("server_groups", []) if listed.ok else []
        return next((g["id"] for g in groups if g["name"] == item.id), None)

    async def create(self, request: web.Request, pod: PodInfo, item: ServerGroup) -> str:
        body = {"server_group": {"name": item.id, "policy": item.policy}}
        if item.rules:
            body["server_group"]["rules"] = item.rules
        answer = await self._call(request, pod, "POST", "/os-server-groups", body)
        if not answer.ok:
            raise copy_failed(pod, f"create server group {item.id}", answer)
        return answer.json()["server_group"]["id"]

    async def delete(self, request: web.Request, pod: PodInfo, bottom_id: str) -> PodResponse:
        return await self._call(request, pod, "DELETE", f"/os-server-groups/{bottom_id}")


GROUPS = ServerGroupCopier()


async def _copies(request: web.Request, group_id: str) -> list[tuple[PodInfo, str]]:
    services = services_of(request)
    found = []
    for entry in await services.routing.find(SERVER_GROUP, group_id):
        pod = await services.directory.get(entry.pod_id)
        if pod is not None and entry.bottom_id is not None:
            found.append((pod, entry.bottom_id))
    return found


async def _members(request: web.Request, group_id: str) -> dict[str, PodInfo]:
    """The group's members and their pods: its copies' members (a pod that does not answer
    leaves its members out until it is back)."""

    async def shown(pod: PodInfo, bottom_id: str) -> list[str]:
        try:
            answer = await call_pod(request, pod, "GET", f"/os-server-groups/{bottom_id}")
        except PodUnavailable:
            return []
        return answer.json()["server_group"]["members"] if answer.ok else []

    copies = await _copies(request, group_id)
    found = await asyncio.gather(*(shown(pod, bottom_id) for pod, bottom_id in copies))
    return {
        server_id: pod
        for (pod, _), members in zip(copies, found, strict=True)
        for server_id in members
    }


async def _visible(request: web.Request, group_id: str) -> ServerGroup:
    """The group, if the caller may see it: another project's group needs an admin."""
    group = await ServerGroupStore(services_of(request).db).get(group_id)
    if group is None:
        raise not_found(f"Instance group {group_id} could not be found.")
    context = context_of(request)
    if group.project_id != context.project_id:
        services_of(request).policy.authorize("compute:any_project", context)
    return group


@routes.get("/v2.1/os-server-groups")
async def list_groups(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    everyone = "all_projects" in request.query
    if everyone:
        services.policy.authorize("compute:any_project", context)
    limit = query_int(request, "limit", default=MAX_LIMIT)
    offset = query_int(request, "offset", default=0)
    groups = await ServerGroupStore(services.db).listed(
        None if everyone else context.project_id, offset=offset or 0, limit=min(limit, MAX_LIMIT)
    )
    views = [_view(request, g, list(await _members(request, g.id))) for g in groups]
    return json_response({"server_groups": views})


@routes.post("/v2.1/os-server-groups")
async def create_group(request: web.Request) -> web.Response:
    version, context = version_of(request), context_of(request)
    body = await read_json(request)
    _create_schema(version).validate(body)
    wanted = body["server_group"]
    policy = wanted["policy"] if version >= ONE_POLICY else wanted["policies"][0]
    rules = wanted.get("rules") or {}
    if rules and policy != "anti-affinity":
        raise bad_request("Only anti-affinity policy supports rules.")
    if "max_server_per_host" in rules:
        rules = {"max_server_per_host": int(rules["max_server_per_host"])}
    project = context.project_id or ""
    counter = group_counter(project)
    async with reserved(request, COMPUTE, {"server_groups": 1}, over_quota, counter=counter):
        group = await ServerGroupStore(services_of(request).db).create(
            project_id=project,
            user_id=context.user_id,
            name=wanted["name"],
            policy=policy,
            rules=rules,
        )
    return json_response({"server_group": _view(request, group, [])})


@routes.get("/v2.1/os-server-groups/{group_id}")
async def show_group(request: web.Request) -> web.Response:
    group = await _visible(request, request.match_info["group_id"])
    members = list(await _members(request, group.id))
    return json_response({"server_group": _view(request, group, members)})


@routes.delete("/v2.1/os-server-groups/{group_id}")
async def delete_group(request: web.Request) -> web.Response:
    group = await _visible(request, request.match_info["group_id"])
    await drop_copies(request, GROUPS, group.id)
    await ServerGroupStore(services_of(request).db).delete(group.id)
    return web.Response(status=204)


# -- a boot into a group --


def _hints(body: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
    for key in HINTS:
        hints = body.get(key)
        if isinstance(hints, dict):
            return key, hints
    return None


async def requested_group(request: web.Request, body: dict[str, Any]) -> ServerGroup | None:
    """The group a create's scheduler hints name, or None; an unknown one is Nova's 400."""
    found = _hints(body)
    group_id = found[1].get("group") if found else None
    if not isinstance(group_id, str):
        return None  # no group, or one the pod's Nova refuses with its own 400
    try:
        group = await _visible(request, group_id)
    except ApiError:
        raise bad_request(f"Instance group {group_id} could not be found.") from None
    server = body.get("server") or {}
    await _check_members(request, group, max(int(server.get(k, 1)) for k in COUNTS))
    return group


async def _check_members(request: web.Request, group: ServerGroup, count: int) -> None:
    """The project's server_group_members limit, over the members of every pod (each pod's
    own limit is lifted, see tricircle.quota.pod_quotas); Nova's 403. Two boots racing for
    a group's last place may both get it."""
    services = services_of(request)
    limits = await LimitStore(services.db, services.conf).project(COMPUTE, group.project_id)
    limit = limits.get("server_group_members", -1)
    if limit >= 0 and len(await _members(request, group.id)) + count > limit:
        raise forbidden("Quota exceeded, too many servers in group")


async def group_pod(
    request: web.Request, group: ServerGroup | None, az: str | None
) -> PodInfo | None:
    """The pod a new member must go to (None: no group or no members yet, placed as any
    boot): for affinity the members' pod; for anti-affinity the pod of the members' AZ
    holding the fewest of them, so members spread over the AZ's pods."""
    if group is None:
        return None
    members = list((await _members(request, group.id)).values())
    if not members:
        return None
    zone = members[0].az_name
    if az is not None and az != zone:
        raise bad_request(
            f"The members of server group {group.id} are in availability zone {zone}; "
            f"a server of the group cannot be created in {az}."
        )
    if group.policy in AFFINITY:
        return members[0]
    project = context_of(request).project_id
    pods = [p for p in await usable_pods(services_of(request), project, zone) if p.enabled]
    held = Counter(pod.id for pod in members)
    return min(pods, key=lambda pod: held[pod.id], default=None)


async def hinted_body(
    request: web.Request, pod: PodInfo, group: ServerGroup | None, body: dict[str, Any]
) -> dict[str, Any]:
    """The create's body for `pod`: its hints name the pod's copy of the group (made now)."""
    if group is None:
        return body
    key, hints = _hints(body) or (HINTS[0], {})
    copy_id = await ensure_copy(request, pod, GROUPS, group)
    return {**body, key: {**hints, "group": copy_id}}


async def with_top_groups(
    request: web.Request, server_id: str, answer: web.Response
) -> web.Response:
    """A server's view (2.71+: show, update, rebuild) names its groups by the pod's copies:
    the client gets the top's ids instead."""

    async def top_ids(shown: dict[str, Any]) -> None:
        copies = shown.get("server_groups")
        if not copies:
            return
        routing = services_of(request).routing
        routes = await routing.find(SERVER, server_id)
        if routes:
            tops = await routing.tops_by_bottom(SERVER_GROUP, routes[0].pod_id, copies)
            shown["server_groups"] = [tops.get(copy_id, copy_id) for copy_id in copies]

    if b'"server_groups"' not in (answer.body if isinstance(answer.body, bytes) else b""):
        return answer
    return await changed_server(answer, top_ids)

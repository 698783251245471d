"""Nova's server groups: policies, rules, members, and the scheduler hint at boot."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.compute.common import body_of, check_name, invalid, state
from tricircle.sim.compute.model import ComputeState, Server, ServerGroup
from tricircle.sim.http import SimError, json_response, new_id, read_json
from tricircle.sim.service import ctx, microversion, require_admin

AFFINITY = ("affinity", "soft-affinity")
HINTS = ("os:scheduler_hints", "OS-SCH-HNT:scheduler_hints")


def _policies(mv: tuple[int, int]) -> list[str]:
    soft = ["soft-anti-affinity", "soft-affinity"] if mv >= (2, 15) else []
    return ["anti-affinity", "affinity", *soft]


def _view(group: ServerGroup, mv: tuple[int, int]) -> dict[str, Any]:
    view: dict[str, Any] = {"id": group.id, "name": group.name}
    if mv >= (2, 64):
        view.update(policy=group.policy, rules=dict(group.rules))
    else:
        view.update(policies=[group.policy], metadata={})
    view["members"] = list(group.members)
    if mv >= (2, 13):
        view.update(project_id=group.project_id, user_id=group.user_id)
    return view


def _group(request: web.Request, group_id: str) -> ServerGroup:
    group = state(request).server_groups.get(group_id)
    context = ctx(request)
    if group is None:
        raise SimError(404, f"Instance group {group_id} could not be found.")
    if group.project_id != context.project_id and not context.is_admin:
        raise SimError(
            403, "Policy doesn't allow os_compute_api:os-server-groups:show to be performed."
        )
    return group


def _policy_of(body: dict[str, Any], mv: tuple[int, int]) -> tuple[str, dict[str, int]]:
    allowed = _policies(mv)
    if mv >= (2, 64):
        extra = set(body) - {"name", "policy", "rules"}
        if extra or "policy" not in body:
            reason = (
                "Additional properties are not allowed"
                if extra
                else "'policy' is a required property"
            )
            raise invalid("server_group", body, reason)
        if body["policy"] not in allowed:
            raise invalid("policy", body["policy"], f"{body['policy']!r} is not one of {allowed}")
        rules = body.get("rules") or {}
        if not isinstance(rules, dict) or set(rules) - {"max_server_per_host"}:
            raise invalid("rules", rules, "Additional properties are not allowed")
        if rules and body["policy"] != "anti-affinity":
            raise SimError(400, "Only anti-affinity policy supports rules.")
        return body["policy"], {k: int(v) for k, v in rules.items()}
    policies = body.get("policies")
    if set(body) - {"name", "policies"} or not isinstance(policies, list):
        raise invalid("server_group", body, "'policies' is a required property")
    if len(policies) != 1:
        reason = "is too long" if policies else "should be non-empty"
        raise invalid("policies", policies, f"{policies} {reason}")
    if policies[0] not in allowed:
        raise invalid("0", policies[0], f"{policies[0]!r} is not one of {allowed}")
    return policies[0], {}


async def list_groups(request: web.Request) -> web.Response:
    context, mv = ctx(request), microversion(request)
    everyone = "all_projects" in request.query
    if everyone:
        require_admin(request, "os_compute_api:os-server-groups:index:all_projects")
    groups = [
        g
        for g in state(request).server_groups.values()
        if everyone or g.project_id == context.project_id
    ]
    offset = int(request.query.get("offset", 0))
    limit = int(request.query.get("limit", 1000))
    return json_response({"server_groups": [_view(g, mv) for g in groups[offset : offset + limit]]})


async def create_group(request: web.Request) -> web.Response:
    context, mv = ctx(request), microversion(request)
    body = body_of(await read_json(request), "server_group")
    if "name" not in body:
        raise invalid("server_group", body, "'name' is a required property")
    name = check_name(body["name"])
    policy, rules = _policy_of(body, mv)
    compute = state(request)
    mine = [g for g in compute.server_groups.values() if g.project_id == context.project_id]
    if len(mine) >= compute.quota.server_groups:
        raise SimError(403, "Quota exceeded, too many server groups.")
    group = ServerGroup(new_id(), name, policy, rules, context.project_id or "", context.user_id)
    compute.server_groups[group.id] = group
    return json_response({"server_group": _view(group, mv)})


async def show_group(request: web.Request) -> web.Response:
    group = _group(request, request.match_info["group_id"])
    return json_response({"server_group": _view(group, microversion(request))})


async def delete_group(request: web.Request) -> web.Response:
    group = _group(request, request.match_info["group_id"])
    del state(request).server_groups[group.id]
    return web.Response(status=204)


def hinted_group(request: web.Request, body: dict[str, Any]) -> ServerGroup | None:
    """The group a create's scheduler hints name (400 if Nova cannot find it)."""
    hints = next((body[k] for k in HINTS if isinstance(body.get(k), dict)), {})
    group_id = hints.get("group")
    if group_id is None:
        return None
    try:
        return _group(request, group_id)
    except SimError:
        raise SimError(400, f"Instance group {group_id} could not be found.") from None


def group_hosts(compute: ComputeState, group: ServerGroup) -> list[str]:
    """The hosts a new member may go to, best first, as the scheduler's filters and
    weighers for the group's policy choose them (empty: no valid host)."""
    used = [compute.servers[m].host for m in group.members if m in compute.servers]
    if group.policy == "affinity":
        return used[:1] or list(compute.hosts)
    if group.policy == "soft-affinity":
        return sorted(compute.hosts, key=lambda h: -used.count(h))
    limit = group.rules.get("max_server_per_host", 1)
    if group.policy == "anti-affinity":
        return [h for h in compute.hosts if used.count(h) < limit]
    return sorted(compute.hosts, key=used.count)


def join(group: ServerGroup | None, server: Server) -> None:
    if group is not None:
        group.members.append(server.id)


def leave(compute: ComputeState, server: Server) -> None:
    for group in compute.server_groups.values():
        if server.id in group.members:
            group.members.remove(server.id)


def add_routes(router: web.UrlDispatcher) -> None:
    base = "/compute/v2.1/os-server-groups"
    router.add_get(base, list_groups)
    router.add_post(base, create_group)
    router.add_get(f"{base}/{{group_id}}", show_group)
    router.add_delete(f"{base}/{{group_id}}", delete_group)

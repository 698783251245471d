"""Keystone's role assignments: grant, check, list and revoke a user's roles on a project, a
domain or the system, and the /v3/role_assignments listing."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response
from tricircle.sim.identity.access import require_admin, store_of
from tricircle.sim.identity.model import Scope
from tricircle.sim.identity.views import base, collection, role_view


def _scope(request: web.Request) -> Scope:
    """The project, domain or system the path names; 404 when it does not exist."""
    store, info = store_of(request), request.match_info
    kind = info.get("target")
    if kind is None:
        return Scope(system=True)
    target_id = info["target_id"]
    known = store.projects if kind == "projects" else store.domains
    if target_id not in known:
        raise SimError(404, f"Could not find {kind[:-1]}: {target_id}.")
    return Scope(project_id=target_id) if kind == "projects" else Scope(domain_id=target_id)


def _user_and_scope(request: web.Request) -> tuple[str, Scope]:
    require_admin(request)
    scope = _scope(request)
    user_id = request.match_info["user_id"]
    if user_id not in store_of(request).users:
        raise SimError(404, f"Could not find user: {user_id}.")
    return user_id, scope


def _role_id(request: web.Request) -> str:
    role_id = request.match_info["role_id"]
    if role_id not in store_of(request).roles:
        raise SimError(404, f"Could not find role: {role_id}.")
    return role_id


def _no_assignment(request: web.Request, user_id: str, role_id: str) -> SimError:
    target = request.match_info.get("target_id", "system")
    return SimError(
        404,
        f"Could not find role assignment with role: {role_id}, user or group: {user_id}, "
        f"project, domain, or system: {target}.",
    )


async def grant(request: web.Request) -> web.Response:
    user_id, scope = _user_and_scope(request)
    store_of(request).grant(user_id, scope, _role_id(request))
    return web.Response(status=204)


async def check(request: web.Request) -> web.Response:
    user_id, scope = _user_and_scope(request)
    role_id = _role_id(request)
    if role_id not in store_of(request).role_ids(user_id, scope):
        raise _no_assignment(request, user_id, role_id)
    return web.Response(status=204)


async def revoke(request: web.Request) -> web.Response:
    user_id, scope = _user_and_scope(request)
    role_id = _role_id(request)
    if not store_of(request).revoke_role(user_id, scope, role_id):
        raise _no_assignment(request, user_id, role_id)
    return web.Response(status=204)


async def list_roles(request: web.Request) -> web.Response:
    user_id, scope = _user_and_scope(request)
    store = store_of(request)
    roles = [role_view(request, store.roles[r]) for r in sorted(store.role_ids(user_id, scope))]
    return collection(request, "roles", roles)


def _assignments(request: web.Request) -> list[dict[str, Any]]:
    store = store_of(request)
    found: list[tuple[str, dict[str, Any], set[str]]] = [
        (user, {"project": {"id": project}}, roles)
        for (user, project), roles in store.assignments.items()
    ]
    found += [
        (user, {"domain": {"id": domain}}, roles)
        for (user, domain), roles in store.domain_assignments.items()
    ]
    found += [
        (user, {"system": {"all": True}}, roles) for user, roles in store.system_assignments.items()
    ]
    root = f"{base(request)}/v3"
    out = []
    for user, scope, roles in found:
        ((kind, target),) = scope.items()
        place = "system" if kind == "system" else f"{kind}s/{target['id']}"
        for role in sorted(roles):
            link = f"{root}/{place}/users/{user}/roles/{role}"
            out.append(
                {
                    "role": {"id": role},
                    "user": {"id": user},
                    "scope": scope,
                    "links": {"assignment": link},
                }
            )
    return out


def _matches(assignment: dict[str, Any], query: Any) -> bool:
    scope = assignment["scope"]
    wanted = {
        "user.id": assignment["user"]["id"],
        "role.id": assignment["role"]["id"],
        "scope.project.id": scope.get("project", {}).get("id"),
        "scope.domain.id": scope.get("domain", {}).get("id"),
        "scope.system": "all" if "system" in scope else None,
    }
    return all(wanted[name] == query[name] for name in wanted if name in query)


async def list_assignments(request: web.Request) -> web.Response:
    require_admin(request)
    query = request.rel_url.query
    items = [a for a in _assignments(request) if _matches(a, query)]
    return json_response(
        {
            "role_assignments": items,
            "links": {"self": str(request.url), "previous": None, "next": None},
        }
    )

"""Keystone's JSON for tokens, entities and collections."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import isotime, json_response
from tricircle.sim.identity.model import Domain, Project, Role, Token, User
from tricircle.sim.identity.store import IdentityStore


def base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


def token_body(store: IdentityStore, token: Token, with_catalog: bool = True) -> dict[str, Any]:
    user = store.users[token.user_id]
    udom = store.domains[user.domain_id]
    body: dict[str, Any] = {
        "methods": token.methods,
        "user": {
            "domain": {"id": udom.id, "name": udom.name},
            "id": user.id,
            "name": user.name,
            "password_expires_at": None,
        },
        "audit_ids": token.audit_ids,
        "expires_at": isotime(token.expires_at, micro=True),
        "issued_at": isotime(token.issued_at, micro=True),
    }
    scope = store.scope_of(token)
    if scope is None:
        return {"token": body}
    if scope.project_id is not None:
        project = store.projects[scope.project_id]
        pdom = store.domains[project.domain_id]
        body["project"] = {
            "domain": {"id": pdom.id, "name": pdom.name},
            "id": project.id,
            "name": project.name,
        }
        body["is_domain"] = False
    elif scope.domain_id is not None:
        domain = store.domains[scope.domain_id]
        body["domain"] = {"id": domain.id, "name": domain.name}
    else:
        body["system"] = {"all": True}
    body["roles"] = [
        {"id": rid, "name": store.roles[rid].name}
        for rid in sorted(store.role_ids(user.id, scope))
    ]
    if with_catalog:
        body["catalog"] = store.catalog()
    return {"token": body}


def link(request: web.Request, kind: str, ident: str) -> dict[str, str]:
    return {"self": f"{base(request)}/v3/{kind}/{ident}"}


def project_view(request: web.Request, p: Project) -> dict[str, Any]:
    return {
        "id": p.id,
        "name": p.name,
        "domain_id": p.domain_id,
        "enabled": p.enabled,
        "description": p.description,
        "is_domain": False,
        "parent_id": p.domain_id,
        "tags": [],
        "options": {},
        "links": link(request, "projects", p.id),
    }


def user_view(request: web.Request, u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "domain_id": u.domain_id,
        "enabled": u.enabled,
        "default_project_id": u.default_project_id,
        "password_expires_at": None,
        "options": {},
        "links": link(request, "users", u.id),
    }


def role_view(request: web.Request, r: Role) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "domain_id": None,
        "description": None,
        "options": {},
        "links": link(request, "roles", r.id),
    }


def domain_view(request: web.Request, d: Domain) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "enabled": d.enabled,
        "description": d.description,
        "tags": [],
        "options": {},
        "links": link(request, "domains", d.id),
    }


def _matches(actual: Any, wanted: str) -> bool:
    if isinstance(actual, bool):
        return str(actual).lower() == wanted.lower()
    return str(actual) == wanted


def collection(request: web.Request, key: str, items: list[dict[str, Any]]) -> web.Response:
    # Keystone filters collections by exact attribute match (`?name=x`, `?enabled=true`).
    for attr, value in request.rel_url.query.items():
        items = [i for i in items if attr not in i or _matches(i[attr], value)]
    return json_response(
        {key: items, "links": {"self": str(request.url), "previous": None, "next": None}}
    )

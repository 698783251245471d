"""Keystone's token API: issue (password or token), validate, check, revoke; the caller's
catalog and projects."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import Context, SimError, json_response, read_json
from tricircle.sim.identity.access import caller, store_of
from tricircle.sim.identity.errors import AUTH_REQUIRED
from tricircle.sim.identity.model import Project, Scope, Token, User
from tricircle.sim.identity.store import IdentityStore
from tricircle.sim.identity.views import collection, project_view, token_body


def _authenticate(
    store: IdentityStore, auth: dict[str, Any]
) -> tuple[User, list[str], Token | None]:
    """The user behind the `identity` part, its methods, and the token it was proved with."""
    identity = auth.get("identity")
    if not isinstance(identity, dict) or not isinstance(identity.get("methods"), list):
        raise SimError(400, "Expecting to find identity in auth.")
    methods = identity["methods"]
    if "password" in methods:
        pw = identity.get("password", {}).get("user")
        if not isinstance(pw, dict):
            raise SimError(400, "Expecting to find user in password.")
        if "id" in pw:
            user = store.users.get(pw["id"])
        else:
            domain = store.find_domain(pw.get("domain") or {})
            if "name" not in pw or domain is None:
                raise SimError(400, "Expecting to find domain in user.")
            user = store.find_user(pw["name"], domain.id)
        if user is None or not user.enabled or user.password != pw.get("password"):
            raise SimError(401, AUTH_REQUIRED)
        return user, ["password"], None
    if "token" in methods:
        original = store.validate((identity.get("token") or {}).get("id"))
        if original is None:
            raise SimError(404, f"Could not find token: {(identity.get('token') or {}).get('id')}.")
        merged = ["token", *[m for m in original.methods if m != "token"]]
        return store.users[original.user_id], merged, original
    raise SimError(401, "Attempted to authenticate with an unsupported method.")


def _scope(store: IdentityStore, auth: dict[str, Any], user: User) -> Scope | None:
    scope = auth.get("scope")
    if scope == "unscoped":
        return None
    if not scope:
        # Keystone scopes to the default project when the user still has a role on it.
        dp = user.default_project_id
        return Scope(project_id=dp) if dp and store.role_names(user.id, dp) else None
    if not isinstance(scope, dict):
        raise SimError(400, "Expecting to find scope in auth.")
    if isinstance(scope.get("system"), dict):
        wanted = Scope(system=True)
    elif isinstance(scope.get("domain"), dict):
        domain = store.find_domain(scope["domain"])
        if domain is None:
            raise SimError(401, f"Could not find domain: {_named(scope['domain'])}.")
        wanted = Scope(domain_id=domain.id)
    elif isinstance(scope.get("project"), dict):
        wanted = Scope(project_id=_project(store, scope["project"]).id)
    else:
        raise SimError(400, "Expecting to find project, domain or system in scope.")
    if not store.role_ids(user.id, wanted):
        target = wanted.project_id or wanted.domain_id or "the system"
        raise SimError(401, f"User {user.id} has no access to {target}")
    return wanted


def _named(ref: dict[str, Any]) -> Any:
    return ref.get("id") or ref.get("name")


def _project(store: IdentityStore, ref: dict[str, Any]) -> Project:
    if "id" in ref:
        project = store.projects.get(ref["id"])
    else:
        domain = store.find_domain(ref.get("domain") or {})
        project = store.find_project(ref.get("name", ""), domain.id) if domain else None
    if project is None:
        raise SimError(401, f"Could not find project: {_named(ref)}.")
    return project


async def issue_token(request: web.Request) -> web.Response:
    store = store_of(request)
    body = await read_json(request, "Malformed request body")
    auth = body.get("auth") if isinstance(body, dict) else None
    if not isinstance(auth, dict):
        raise SimError(400, "Expecting to find auth in request body.")
    user, methods, original = _authenticate(store, auth)
    scope = _scope(store, auth, user)
    token = store.issue(
        user.id,
        None,
        methods,
        expires_at=original.expires_at if original else None,
        audit_ids=original.audit_ids if original else None,
        scope=scope or Scope(),
    )
    nocatalog = "nocatalog" in request.rel_url.query
    return json_response(
        token_body(store, token, not nocatalog), 201, {"X-Subject-Token": token.id}
    )


def _subject(request: web.Request, caller: Context) -> Token:
    store = store_of(request)
    subject_id = request.headers.get("X-Subject-Token", "")
    token = store.validate(subject_id)
    if token is None:
        raise SimError(404, f"Could not find token: {subject_id}.")
    if not caller.is_admin and token.user_id != caller.user_id:
        raise SimError(
            403, "You are not authorized to perform the requested action: identity:validate_token."
        )
    return token


async def validate_token(request: web.Request) -> web.Response:
    token = _subject(request, caller(request))
    nocatalog = "nocatalog" in request.rel_url.query
    body = token_body(store_of(request), token, not nocatalog)
    return json_response(body, 200, {"X-Subject-Token": token.id})


async def check_token(request: web.Request) -> web.Response:
    token = _subject(request, caller(request))
    return web.Response(status=200, headers={"X-Subject-Token": token.id})


async def revoke_token(request: web.Request) -> web.Response:
    token = _subject(request, caller(request))
    store_of(request).revoke(token.id)
    return web.Response(status=204)


async def auth_catalog(request: web.Request) -> web.Response:
    caller(request)
    return json_response(
        {
            "catalog": store_of(request).catalog(),
            "links": {"self": str(request.url), "previous": None, "next": None},
        }
    )


async def auth_projects(request: web.Request) -> web.Response:
    ctx = caller(request)
    store = store_of(request)
    mine = [store.projects[p] for (u, p) in store.assignments if u == ctx.user_id]
    return collection(request, "projects", [project_view(request, p) for p in mine])

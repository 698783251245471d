"""Keystone v3: the in-memory identity store shared by all pods, and its HTTP API."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from tricircle.sim.http import (
    Context,
    SimError,
    isotime,
    json_response,
    new_id,
    now,
    public,
    read_json,
    request_id_middleware,
)

SERVICE_TYPES = {
    "identity": "keystone",
    "compute": "nova",
    "volumev3": "cinderv3",
    "network": "neutron",
    "image": "glance",
}
INTERFACES = ("public", "internal", "admin")
_ID_NS = uuid.UUID("6f1c52b2-6a53-4a5c-9d0b-7c2cbd0e1c11")

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    500: "Internal Server Error",
}
AUTH_REQUIRED = "The request you have made requires authentication."


IDENTITY: web.AppKey[IdentityStore] = web.AppKey("identity")


def _stable_id(*parts: str) -> str:
    # Catalog ids stay the same across restarts so clients caching them are not confused.
    return uuid.uuid5(_ID_NS, "/".join(parts)).hex


def keystone_error(status: int, message: str) -> web.Response:
    title = _TITLES.get(status, "Error")
    headers = {"WWW-Authenticate": 'Keystone uri="/v3"'} if status == 401 else None
    return json_response(
        {"error": {"code": status, "title": title, "message": message}}, status, headers
    )


@dataclass
class Domain:
    id: str
    name: str
    enabled: bool = True
    description: str = ""


@dataclass
class Project:
    id: str
    name: str
    domain_id: str
    enabled: bool = True
    description: str = ""


@dataclass
class User:
    id: str
    name: str
    domain_id: str
    password: str
    default_project_id: str | None = None
    enabled: bool = True


@dataclass
class Role:
    id: str
    name: str


@dataclass
class Token:
    id: str
    user_id: str
    project_id: str | None
    methods: list[str]
    issued_at: float
    expires_at: float
    audit_ids: list[str]


@dataclass
class IdentityStore:
    """Users, projects, roles, tokens and the catalog. Pods validate tokens here directly."""

    token_ttl: float = 3600.0
    base_url: str = ""  # set when Keystone listens
    domains: dict[str, Domain] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    assignments: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    # region -> service type -> URL
    regions: dict[str, dict[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.domains["default"] = Domain("default", "Default")

    # -- seeding (sync helpers) --

    def create_role(self, name: str) -> str:
        for role in self.roles.values():
            if role.name == name:
                return role.id
        role = Role(new_id().replace("-", ""), name)
        self.roles[role.id] = role
        return role.id

    def create_project(self, name: str, domain_id: str = "default", id: str | None = None) -> str:
        existing = self.find_project(name, domain_id)
        if existing:
            return existing.id
        project = Project(id or uuid.uuid4().hex, name, domain_id)
        self.projects[project.id] = project
        return project.id

    def create_user(
        self,
        name: str,
        password: str,
        project: str | None = None,
        roles: list[str] | tuple[str, ...] = ("member",),
        domain_id: str = "default",
    ) -> str:
        """Creates (or updates) a user; `project` is a project id or name; `roles` role names."""
        user = self.find_user(name, domain_id)
        if user is None:
            user = User(uuid.uuid4().hex, name, domain_id, password)
            self.users[user.id] = user
        user.password = password
        if project is not None:
            proj = self.projects.get(project) or self.find_project(project, domain_id)
            if proj is None:
                proj = self.projects[self.create_project(project, domain_id)]
            user.default_project_id = proj.id
            for role in roles:
                self.assign(user.id, proj.id, role)
        return user.id

    def assign(self, user_id: str, project_id: str, role: str) -> None:
        role_id = self.create_role(role)
        self.assignments.setdefault((user_id, project_id), set()).add(role_id)

    def set_region(self, region: str, endpoints: dict[str, str]) -> None:
        self.regions[region] = dict(endpoints)

    # -- lookups --

    def find_project(self, name: str, domain_id: str) -> Project | None:
        return next(
            (p for p in self.projects.values() if p.name == name and p.domain_id == domain_id),
            None,
        )

    def find_user(self, name: str, domain_id: str) -> User | None:
        return next(
            (u for u in self.users.values() if u.name == name and u.domain_id == domain_id), None
        )

    def find_domain(self, ref: dict[str, Any]) -> Domain | None:
        if "id" in ref:
            return self.domains.get(ref["id"])
        return next((d for d in self.domains.values() if d.name == ref.get("name")), None)

    def role_names(self, user_id: str, project_id: str | None) -> list[str]:
        if project_id is None:
            return []
        ids = self.assignments.get((user_id, project_id), set())
        return sorted(self.roles[i].name for i in ids)

    # -- tokens --

    def issue(
        self,
        user_id: str,
        project_id: str | None,
        methods: list[str],
        expires_at: float | None = None,
        audit_ids: list[str] | None = None,
    ) -> Token:
        issued = now()
        token = Token(
            id=secrets.token_urlsafe(32),
            user_id=user_id,
            project_id=project_id,
            methods=methods,
            issued_at=issued,
            expires_at=expires_at if expires_at is not None else issued + self.token_ttl,
            audit_ids=[secrets.token_urlsafe(16)[:22], *(audit_ids or [])[:1]],
        )
        self.tokens[token.id] = token
        return token

    def validate(self, token_id: str | None) -> Token | None:
        """The live token for an id, or None (unknown, revoked or expired)."""
        if not token_id:
            return None
        token = self.tokens.get(token_id)
        if token is None:
            return None
        if token.expires_at <= now():
            del self.tokens[token_id]
            return None
        return token

    def revoke(self, token_id: str) -> bool:
        return self.tokens.pop(token_id, None) is not None

    def context(self, token_id: str | None) -> Context | None:
        token = self.validate(token_id)
        if token is None:
            return None
        roles = frozenset(self.role_names(token.user_id, token.project_id))
        return Context(token.user_id, token.project_id, roles, token.id)

    # -- views --

    def catalog(self) -> list[dict[str, Any]]:
        catalog = []
        for stype, name in SERVICE_TYPES.items():
            endpoints = [
                {
                    "id": _stable_id(region, stype, iface),
                    "interface": iface,
                    "region": region,
                    "region_id": region,
                    "url": urls[stype],
                }
                for region, urls in self.regions.items()
                if stype in urls
                for iface in INTERFACES
            ]
            catalog.append(
                {"endpoints": endpoints, "id": _stable_id(stype), "type": stype, "name": name}
            )
        return catalog

    def token_body(self, token: Token, with_catalog: bool = True) -> dict[str, Any]:
        user = self.users[token.user_id]
        udom = self.domains[user.domain_id]
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
        if token.project_id is not None:
            project = self.projects[token.project_id]
            pdom = self.domains[project.domain_id]
            body["project"] = {
                "domain": {"id": pdom.id, "name": pdom.name},
                "id": project.id,
                "name": project.name,
            }
            body["is_domain"] = False
            body["roles"] = [
                {"id": rid, "name": self.roles[rid].name}
                for rid in sorted(self.assignments.get((user.id, project.id), set()))
            ]
            if with_catalog:
                body["catalog"] = self.catalog()
        return {"token": body}


# -- HTTP ------------------------------------------------------------------------------------


def _version_doc(base: str) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{base}/v3/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


def _base(request: web.Request) -> str:
    return f"{request.scheme}://{request.host}"


@public
async def versions(request: web.Request) -> web.Response:
    return json_response({"versions": {"values": [_version_doc(_base(request))]}}, 300)


@public
async def version_v3(request: web.Request) -> web.Response:
    return json_response({"version": _version_doc(_base(request))})


def _store(request: web.Request) -> IdentityStore:
    return request.app[IDENTITY]


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


def _scope(store: IdentityStore, auth: dict[str, Any], user: User) -> str | None:
    scope = auth.get("scope")
    if scope == "unscoped":
        return None
    if not scope:
        # Keystone scopes to the default project when the user still has a role on it.
        dp = user.default_project_id
        return dp if dp and store.role_names(user.id, dp) else None
    ref = scope.get("project") if isinstance(scope, dict) else None
    if not isinstance(ref, dict):
        raise SimError(400, "Only project scope is supported by the simulator.")
    if "id" in ref:
        project = store.projects.get(ref["id"])
    else:
        domain = store.find_domain(ref.get("domain") or {})
        project = store.find_project(ref.get("name", ""), domain.id) if domain else None
    if project is None:
        ident = ref.get("id") or ref.get("name")
        raise SimError(401, f"Could not find project: {ident}.")
    if not store.role_names(user.id, project.id):
        raise SimError(401, f"User {user.id} has no access to project {project.id}")
    return project.id


async def issue_token(request: web.Request) -> web.Response:
    store = _store(request)
    body = await read_json(request, "Malformed request body")
    auth = body.get("auth") if isinstance(body, dict) else None
    if not isinstance(auth, dict):
        raise SimError(400, "Expecting to find auth in request body.")
    user, methods, original = _authenticate(store, auth)
    project_id = _scope(store, auth, user)
    token = store.issue(
        user.id,
        project_id,
        methods,
        expires_at=original.expires_at if original else None,
        audit_ids=original.audit_ids if original else None,
    )
    nocatalog = "nocatalog" in request.rel_url.query
    return json_response(store.token_body(token, not nocatalog), 201, {"X-Subject-Token": token.id})


def _caller(request: web.Request) -> Context:
    ctx = _store(request).context(request.headers.get("X-Auth-Token"))
    if ctx is None:
        raise SimError(401, AUTH_REQUIRED)
    return ctx


def _subject(request: web.Request, caller: Context) -> Token:
    store = _store(request)
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
    token = _subject(request, _caller(request))
    nocatalog = "nocatalog" in request.rel_url.query
    body = _store(request).token_body(token, not nocatalog)
    return json_response(body, 200, {"X-Subject-Token": token.id})


async def check_token(request: web.Request) -> web.Response:
    token = _subject(request, _caller(request))
    return web.Response(status=200, headers={"X-Subject-Token": token.id})


async def revoke_token(request: web.Request) -> web.Response:
    token = _subject(request, _caller(request))
    _store(request).revoke(token.id)
    return web.Response(status=204)


async def auth_catalog(request: web.Request) -> web.Response:
    _caller(request)
    return json_response(
        {
            "catalog": _store(request).catalog(),
            "links": {"self": str(request.url), "previous": None, "next": None},
        }
    )


async def auth_projects(request: web.Request) -> web.Response:
    ctx = _caller(request)
    store = _store(request)
    mine = [store.projects[p] for (u, p) in store.assignments if u == ctx.user_id]
    return _collection(request, "projects", [_project_view(request, p) for p in mine])


# -- read-only admin collections --


def _link(request: web.Request, kind: str, ident: str) -> dict[str, str]:
    return {"self": f"{_base(request)}/v3/{kind}/{ident}"}


def _project_view(request: web.Request, p: Project) -> dict[str, Any]:
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
        "links": _link(request, "projects", p.id),
    }


def _user_view(request: web.Request, u: User) -> dict[str, Any]:
    return {
        "id": u.id,
        "name": u.name,
        "domain_id": u.domain_id,
        "enabled": u.enabled,
        "default_project_id": u.default_project_id,
        "password_expires_at": None,
        "options": {},
        "links": _link(request, "users", u.id),
    }


def _role_view(request: web.Request, r: Role) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "domain_id": None,
        "description": None,
        "options": {},
        "links": _link(request, "roles", r.id),
    }


def _domain_view(request: web.Request, d: Domain) -> dict[str, Any]:
    return {
        "id": d.id,
        "name": d.name,
        "enabled": d.enabled,
        "description": d.description,
        "tags": [],
        "options": {},
        "links": _link(request, "domains", d.id),
    }


def _matches(actual: Any, wanted: str) -> bool:
    if isinstance(actual, bool):
        return str(actual).lower() == wanted.lower()
    return str(actual) == wanted


def _collection(request: web.Request, key: str, items: list[dict[str, Any]]) -> web.Response:
    # Keystone filters collections by exact attribute match (`?name=x`, `?enabled=true`).
    for attr, value in request.rel_url.query.items():
        items = [i for i in items if attr not in i or _matches(i[attr], value)]
    return json_response(
        {key: items, "links": {"self": str(request.url), "previous": None, "next": None}}
    )


def _admin(request: web.Request) -> Context:
    ctx = _caller(request)
    if not ctx.is_admin:
        raise SimError(403, "You are not authorized to perform the requested action.")
    return ctx


def _views(request: web.Request) -> dict[str, tuple[dict[str, Any], Callable[..., dict]]]:
    store = _store(request)
    return {
        "projects": (store.projects, _project_view),
        "users": (store.users, _user_view),
        "roles": (store.roles, _role_view),
        "domains": (store.domains, _domain_view),
    }


async def list_entities(request: web.Request) -> web.Response:
    _admin(request)
    kind = request.match_info["kind"]
    items, view = _views(request)[kind]
    return _collection(request, kind, [view(request, e) for e in items.values()])


async def show_entity(request: web.Request) -> web.Response:
    ctx = _caller(request)
    kind, ident = request.match_info["kind"], request.match_info["id"]
    items, view = _views(request)[kind]
    # A user may read itself and its own project without the admin role.
    own = ident in (ctx.user_id, ctx.project_id)
    if not (ctx.is_admin or own):
        raise SimError(403, "You are not authorized to perform the requested action.")
    if ident not in items:
        raise SimError(404, f"Could not find {kind[:-1]}: {ident}.")
    return json_response({kind[:-1]: view(request, items[ident])})


async def list_regions(request: web.Request) -> web.Response:
    _caller(request)
    regions = [
        {
            "id": r,
            "description": "",
            "parent_region_id": None,
            "links": _link(request, "regions", r),
        }
        for r in _store(request).regions
    ]
    return _collection(request, "regions", regions)


async def list_services(request: web.Request) -> web.Response:
    _admin(request)
    services = [
        {
            "id": _stable_id(t),
            "type": t,
            "name": n,
            "enabled": True,
            "description": "",
            "links": _link(request, "services", _stable_id(t)),
        }
        for t, n in SERVICE_TYPES.items()
    ]
    return _collection(request, "services", services)


async def list_endpoints(request: web.Request) -> web.Response:
    _admin(request)
    endpoints = [
        {
            "id": e["id"],
            "interface": e["interface"],
            "region": e["region"],
            "region_id": e["region_id"],
            "url": e["url"],
            "service_id": s["id"],
            "enabled": True,
            "links": _link(request, "endpoints", e["id"]),
        }
        for s in _store(request).catalog()
        for e in s["endpoints"]
    ]
    return _collection(request, "endpoints", endpoints)


@web.middleware
async def keystone_errors(request: web.Request, handler: Callable) -> web.StreamResponse:
    try:
        return await handler(request)
    except SimError as exc:
        return keystone_error(exc.status, exc.message)
    except web.HTTPNotFound:
        return keystone_error(404, "The resource could not be found.")
    except web.HTTPMethodNotAllowed:
        return keystone_error(405, "The method specified is not allowed for the resource.")


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", versions)
    r.add_get("/v3", version_v3)
    r.add_get("/v3/", version_v3)
    r.add_post("/v3/auth/tokens", issue_token)
    r.add_get("/v3/auth/tokens", validate_token, allow_head=False)
    r.add_route("HEAD", "/v3/auth/tokens", check_token)
    r.add_delete("/v3/auth/tokens", revoke_token)
    r.add_get("/v3/auth/catalog", auth_catalog)
    r.add_get("/v3/auth/projects", auth_projects)
    r.add_get("/v3/regions", list_regions)
    r.add_get("/v3/services", list_services)
    r.add_get("/v3/endpoints", list_endpoints)
    r.add_get("/v3/{kind:projects|users|roles|domains}", list_entities)
    r.add_get("/v3/{kind:projects|users|roles|domains}/{id}", show_entity)


def build_app(store: IdentityStore) -> web.Application:
    app = web.Application(middlewares=[request_id_middleware, keystone_errors])
    app[IDENTITY] = store
    add_routes(app)
    return app

"""The identity store: users, projects, roles, tokens and the catalog. Pods validate here."""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import Context, new_id, now
from tricircle.sim.identity.model import Domain, Project, Role, Scope, Token, User

SERVICE_TYPES = {
    "identity": "keystone",
    "compute": "nova",
    "volumev3": "cinderv3",
    "network": "neutron",
    "image": "glance",
    "tricircle": "tricircle",  # the gateway's admin API, registered in the top region
}
INTERFACES = ("public", "internal", "admin")
_ID_NS = uuid.UUID("6f1c52b2-6a53-4a5c-9d0b-7c2cbd0e1c11")


def stable_id(*parts: str) -> str:
    # Catalog ids stay the same across restarts so clients caching them are not confused.
    return uuid.uuid5(_ID_NS, "/".join(parts)).hex


@dataclass
class IdentityStore:
    """Users, projects, roles, tokens and the catalog. Pods validate tokens here directly."""

    token_ttl: float = 3600.0
    base_url: str = ""  # set when Keystone listens
    domains: dict[str, Domain] = field(default_factory=dict)
    projects: dict[str, Project] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    roles: dict[str, Role] = field(default_factory=dict)
    # (user id, project id) -> role ids
    assignments: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    domain_assignments: dict[tuple[str, str], set[str]] = field(default_factory=dict)
    system_assignments: dict[str, set[str]] = field(default_factory=dict)
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
        self.grant(user_id, Scope(project_id=project_id), self.create_role(role))

    def _table(self, user_id: str, scope: Scope) -> tuple[dict[Any, set[str]], Any]:
        if scope.system:
            return self.system_assignments, user_id
        if scope.domain_id is not None:
            return self.domain_assignments, (user_id, scope.domain_id)
        return self.assignments, (user_id, scope.project_id)

    def role_ids(self, user_id: str, scope: Scope) -> set[str]:
        table, key = self._table(user_id, scope)
        return set(table.get(key, ()))

    def grant(self, user_id: str, scope: Scope, role_id: str) -> None:
        table, key = self._table(user_id, scope)
        table.setdefault(key, set()).add(role_id)

    def revoke_role(self, user_id: str, scope: Scope, role_id: str) -> bool:
        table, key = self._table(user_id, scope)
        held = table.get(key, set())
        if role_id not in held:
            return False
        held.discard(role_id)
        if not held:
            del table[key]
        return True

    def delete_project(self, project_id: str) -> None:
        """Gone with its role assignments and the tokens scoped to it, as Keystone does."""
        del self.projects[project_id]
        for key in [k for k in self.assignments if k[1] == project_id]:
            del self.assignments[key]
        self._revoke_where(lambda token: token.project_id == project_id)

    def delete_user(self, user_id: str) -> None:
        del self.users[user_id]
        for table in (self.assignments, self.domain_assignments):
            for key in [k for k in table if k[0] == user_id]:
                del table[key]
        self.system_assignments.pop(user_id, None)
        self._revoke_where(lambda token: token.user_id == user_id)

    def _revoke_where(self, matches: Any) -> None:
        for token_id in [t.id for t in self.tokens.values() if matches(t)]:
            del self.tokens[token_id]

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
        return self.scope_role_names(user_id, Scope(project_id=project_id))

    def scope_role_names(self, user_id: str, scope: Scope) -> list[str]:
        return sorted(self.roles[i].name for i in self.role_ids(user_id, scope))

    @staticmethod
    def scope_of(token: Token) -> Scope | None:
        """None for an unscoped token."""
        if token.project_id is None and token.domain_id is None and not token.system:
            return None
        return Scope(token.project_id, token.domain_id, token.system)

    # -- tokens --

    def issue(
        self,
        user_id: str,
        project_id: str | None,
        methods: list[str],
        expires_at: float | None = None,
        audit_ids: list[str] | None = None,
        *,
        scope: Scope | None = None,
    ) -> Token:
        """A token of `project_id`, or of `scope` (a domain or the system) when given."""
        issued = now()
        scope = scope or Scope(project_id=project_id)
        token = Token(
            id=secrets.token_urlsafe(32),
            user_id=user_id,
            project_id=scope.project_id,
            methods=methods,
            issued_at=issued,
            expires_at=expires_at if expires_at is not None else issued + self.token_ttl,
            audit_ids=[secrets.token_urlsafe(16)[:22], *(audit_ids or [])[:1]],
            domain_id=scope.domain_id,
            system=scope.system,
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
        scope = self.scope_of(token)
        roles = frozenset(self.scope_role_names(token.user_id, scope) if scope else ())
        return Context(token.user_id, token.project_id, roles, token.id)

    # -- views --

    def catalog(self) -> list[dict[str, Any]]:
        catalog = []
        for stype, name in SERVICE_TYPES.items():
            endpoints = [
                {
                    "id": stable_id(region, stype, iface),
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
                {"endpoints": endpoints, "id": stable_id(stype), "type": stype, "name": name}
            )
        return catalog

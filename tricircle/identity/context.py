"""Who is calling: the request context built from a validated Keystone token."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class RequestContext:
    token: str = field(repr=False)  # never printed: a token in a log is a stolen token
    user_id: str
    user_name: str
    project_id: str | None
    project_name: str | None
    roles: frozenset[str]
    system_scope: str | None = None
    domain_id: str | None = None  # of a domain-scoped token
    # what the policy's `context_is_admin` rule says of this caller, set as a request comes in
    is_admin: bool = False

    def policy_credentials(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "project_id": self.project_id,
            "domain_id": self.domain_id,
            "roles": sorted(self.roles),
            "system_scope": self.system_scope,
            "is_admin": self.is_admin,
        }

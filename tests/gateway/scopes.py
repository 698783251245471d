"""Tokens of every scope Keystone issues, for the tests of what each may reach."""

from __future__ import annotations

from typing import Any

import aiohttp

from tests.gateway.harness import scoped_token
from tricircle.sim import SimCloud
from tricircle.sim.identity.model import Scope

UNSCOPED = "unscoped"
DOMAIN = {"domain": {"id": "default"}}
SYSTEM = {"system": {"all": True}}


async def token_with_scope(
    http: aiohttp.ClientSession, sim: SimCloud, user: str, password: str, scope: Any
) -> str:
    return await scoped_token(http, sim.identity_url, user, password, scope)


def grant_everywhere(sim: SimCloud, user: str, role: str) -> None:
    """`role` for `user` on the default domain and on the system, so both scopes can be had."""
    store = sim.identity
    user_id = store.find_user(user, "default").id  # type: ignore[union-attr]
    role_id = store.create_role(role)
    for scope in (Scope(domain_id="default"), Scope(system=True)):
        store.grant(user_id, scope, role_id)

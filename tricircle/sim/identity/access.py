"""Who is asking: the store behind a request, and the caller's token."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import Context, SimError
from tricircle.sim.identity.errors import AUTH_REQUIRED
from tricircle.sim.identity.store import IdentityStore

IDENTITY: web.AppKey[IdentityStore] = web.AppKey("identity")


def store_of(request: web.Request) -> IdentityStore:
    return request.app[IDENTITY]


def caller(request: web.Request) -> Context:
    ctx = store_of(request).context(request.headers.get("X-Auth-Token"))
    if ctx is None:
        raise SimError(401, AUTH_REQUIRED)
    return ctx


def require_admin(request: web.Request) -> Context:
    ctx = caller(request)
    if not ctx.is_admin:
        raise SimError(403, "You are not authorized to perform the requested action.")
    return ctx

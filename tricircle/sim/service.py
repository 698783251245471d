"""What every pod service shares: error rendering, token checks, microversions, one app per pod.

A pod serves all its APIs from one port under path prefixes (`/compute`, `/image`, `/volume`,
`/network`), like a devstack host; the first path segment tells which service's error format
and microversion rules apply.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web

from tricircle.openstack_errors import nova_fault
from tricircle.sim.faults import FaultGate
from tricircle.sim.http import (
    Context,
    Microversions,
    SimError,
    is_public,
    json_response,
    request_id_middleware,
)
from tricircle.sim.identity.errors import AUTH_REQUIRED, keystone_error
from tricircle.sim.identity.store import IdentityStore

if TYPE_CHECKING:
    from tricircle.sim.pod import Pod

log = logging.getLogger(__name__)

ErrorRenderer = Callable[[web.Request, SimError], web.Response]


@dataclass(frozen=True)
class Service:
    prefix: str  # "compute"
    render_error: ErrorRenderer
    microversions: Microversions | None = None
    add_routes: Callable[[web.UrlDispatcher], None] | None = None


def render_fault(request: web.Request, err: SimError) -> web.Response:
    return json_response(nova_fault(err.status, err.message), err.status, err.headers)


POD: web.AppKey[Pod] = web.AppKey("pod")
CTX = web.RequestKey("ctx", Context)
MV: web.RequestKey[tuple[int, int]] = web.RequestKey("mv")


def pod_of(request: web.Request) -> Pod:
    return request.config_dict[POD]


def ctx(request: web.Request) -> Context:
    return request[CTX]


def microversion(request: web.Request) -> tuple[int, int]:
    return request[MV]


def build_pod_app(
    pod: Pod, identity: IdentityStore, gate: FaultGate, services: Mapping[str, Service]
) -> web.Application:
    @web.middleware
    async def errors(request: web.Request, handler: Callable) -> web.StreamResponse:
        svc = services.get(request.path.split("/", 2)[1])
        try:
            return await handler(request)
        except SimError as err:
            if svc is None:
                return json_response({"error": err.message}, err.status)
            return svc.render_error(request, err)
        except web.HTTPNotFound:
            err = SimError(404, "The resource could not be found.", kind="HTTPNotFound")
        except web.HTTPMethodNotAllowed:
            err = SimError(405, "The method is not allowed for the requested URL.")
        except web.HTTPException:
            raise
        except Exception:
            log.exception(
                "simulated pod %s failed on %s %s", pod.name, request.method, request.path
            )
            err = SimError(500, "Unexpected API Error.")
        return (
            svc.render_error(request, err)
            if svc
            else json_response({"error": err.message}, err.status)
        )

    @web.middleware
    async def auth(request: web.Request, handler: Callable) -> web.StreamResponse:
        if not is_public(request):
            context = identity.context(request.headers.get("X-Auth-Token"))
            if context is None:
                # keystonemiddleware answers before the service does, in Keystone's format.
                return keystone_error(401, AUTH_REQUIRED)
            request[CTX] = context
        return await handler(request)

    @web.middleware
    async def microversions(request: web.Request, handler: Callable) -> web.StreamResponse:
        svc = services.get(request.path.split("/", 2)[1])
        mv = svc.microversions if svc else None
        if mv is None or is_public(request):
            return await handler(request)
        version = mv.negotiate(request)
        request[MV] = version
        headers = mv.headers(version)
        try:
            response = await handler(request)
        except SimError as err:
            err.headers.update(headers)
            raise
        response.headers.update(headers)
        return response

    app = web.Application(
        middlewares=[request_id_middleware, errors, gate.middleware(), auth, microversions]
    )
    app[POD] = pod
    for svc in services.values():
        if svc.add_routes:
            svc.add_routes(app.router)
    return app


def require_admin(request: web.Request, rule: str) -> Context:
    """oslo.policy's default for admin-only rules, in its wording."""
    context = ctx(request)
    if not context.is_admin:
        raise SimError(403, f"Policy doesn't allow {rule} to be performed.")
    return context


def require_project(request: web.Request) -> str:
    project_id = ctx(request).project_id
    if project_id is None:
        raise SimError(403, "Policy doesn't allow a token without project scope here.")
    return project_id

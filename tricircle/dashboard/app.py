"""The dashboard's application: every page but the login form needs an admin's session."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from tricircle.dashboard import pages
from tricircle.dashboard.html import page, text
from tricircle.dashboard.session import COOKIE
from tricircle.identity.policy import PolicyDenied
from tricircle.web.services import CONTEXT, services_of

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def session(request: web.Request, handler: Handler) -> web.StreamResponse:
    if getattr(handler, "public", False):
        return await handler(request)
    if request.method == "POST" and not _same_origin(request):
        raise web.HTTPForbidden(text="The dashboard takes forms from its own pages only.")
    # the session's cookie, or a token as the admin API takes it (scripts, tests)
    token = request.cookies.get(COOKIE) or request.headers.get("X-Auth-Token")
    context = await services_of(request).caller(token)
    if context is None:  # none, expired or revoked
        if "text/html" in request.headers.get("Accept", ""):
            raise web.HTTPSeeOther("/dashboard/login")  # a browser: to the login form
        raise web.HTTPUnauthorized(text="Log in at /dashboard/login.")
    request[CONTEXT] = context
    try:
        return await handler(request)
    except PolicyDenied as exc:
        return page("Not allowed", f'<p class="error">{text(exc)}</p>', status=403)


def _same_origin(request: web.Request) -> bool:
    origin = request.headers.get("Origin")
    return origin is None or origin == f"{request.scheme}://{request.host}"


def create_dashboard_app() -> web.Application:
    app = web.Application(middlewares=[session])
    app.add_routes(pages.routes)
    return app

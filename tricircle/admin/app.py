"""The admin API application."""

from __future__ import annotations

from aiohttp import web

from tricircle.admin import bindings, images, jobs, openapi, pods, routings
from tricircle.web import middleware
from tricircle.web.errors import admin_error


def create_admin_app(max_body: int) -> web.Application:
    app = web.Application(
        client_max_size=max_body,
        middlewares=[middleware.errors(admin_error), middleware.authenticate_any_scope],
    )
    for module in (pods, bindings, routings, jobs, images, openapi):
        app.add_routes(module.routes)
    return app

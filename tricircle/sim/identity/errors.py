"""Keystone's error body, and the middleware that renders every failure in it."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from tricircle.sim.http import STATUS_TITLES, SimError, json_response

AUTH_REQUIRED = "The request you have made requires authentication."


def keystone_error(status: int, message: str) -> web.Response:
    title = STATUS_TITLES.get(status, "Error")
    headers = {"WWW-Authenticate": 'Keystone uri="/v3"'} if status == 401 else None
    return json_response(
        {"error": {"code": status, "title": title, "message": message}}, status, headers
    )


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

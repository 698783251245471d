"""The simulator's own admin API under /sim/ on the Keystone port: pods and their faults."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aiohttp import web

from tricircle.sim.faults import Faults
from tricircle.sim.http import json_response

if TYPE_CHECKING:
    from tricircle.sim.cloud import SimCloud


CLOUD: web.AppKey[SimCloud] = web.AppKey("cloud")


def _cloud(request: web.Request) -> SimCloud:
    return request.app[CLOUD]


def _error(status: int, message: str) -> web.Response:
    return json_response({"error": {"code": status, "message": message}}, status)


async def list_pods(request: web.Request) -> web.Response:
    return json_response({"pods": [p.info() for p in _cloud(request).pods.values()]})


async def show_pod(request: web.Request) -> web.Response:
    pod = _cloud(request).pods.get(request.match_info["name"])
    if pod is None:
        return _error(404, f"Pod {request.match_info['name']} not found")
    return json_response({"pod": pod.info()})


async def add_pod(request: web.Request) -> web.Response:
    body = await request.json()
    if not isinstance(body, dict) or not isinstance(body.get("name"), str):
        return _error(400, "name is required")
    cloud = _cloud(request)
    if body["name"] in cloud.pods:
        return _error(409, f"Pod {body['name']} already exists")
    kwargs = {k: body[k] for k in ("az", "compute_max_version") if k in body}
    pod = await cloud.add_pod(body["name"], **kwargs)
    return json_response({"pod": pod.info()}, 201)


async def set_faults(request: web.Request) -> web.Response:
    pod = _cloud(request).pods.get(request.match_info["name"])
    if pod is None:
        return _error(404, f"Pod {request.match_info['name']} not found")
    try:
        faults = Faults.from_json(await request.json())
    except (ValueError, TypeError, AttributeError) as exc:
        return _error(400, str(exc))
    await pod.set_faults(faults)
    return json_response({"faults": pod.faults.to_json()})


@web.middleware
async def json_errors(request: web.Request, handler: Callable) -> web.StreamResponse:
    try:
        return await handler(request)
    except ValueError:
        return _error(400, "Malformed JSON body")


def build_app(cloud: SimCloud) -> web.Application:
    app = web.Application(middlewares=[json_errors])
    app[CLOUD] = cloud
    app.router.add_get("/pods", list_pods)
    app.router.add_post("/pods", add_pod)
    app.router.add_get("/pods/{name}", show_pod)
    app.router.add_put("/pods/{name}/faults", set_faults)
    return app

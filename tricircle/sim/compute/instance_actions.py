"""Nova's instance actions: what was done to a server (create, stop, ...), newest first,
each with the one event its compute step records."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.compute.common import get_server
from tricircle.sim.compute.model import Server
from tricircle.sim.http import SimError, isotime, json_response, new_id, now, parse_limit
from tricircle.sim.service import ctx, microversion

MAX_LIMIT = 1000


def record(request: web.Request, server: Server, action: str) -> None:
    """Keeps an action Nova would record for `server` (finished at once, successfully)."""
    context = ctx(request)
    started = now()
    server.actions.insert(
        0,
        {
            "action": action,
            "request_id": f"req-{new_id()}",
            "user_id": context.user_id,
            "project_id": context.project_id,
            "start_time": started,
            "updated_at": started,
            "message": None,
            "event": f"compute_{action.replace('-', '_')}_instance",
        },
    )


def _view(request: web.Request, server: Server, action: dict[str, Any]) -> dict[str, Any]:
    view = {
        "action": action["action"],
        "instance_uuid": server.id,
        "message": action["message"],
        "project_id": action["project_id"],
        "request_id": action["request_id"],
        "start_time": isotime(action["start_time"], micro=True),
        "user_id": action["user_id"],
    }
    if microversion(request) >= (2, 58):
        view["updated_at"] = isotime(action["updated_at"], micro=True)
    return view


def _event(request: web.Request, server: Server, action: dict[str, Any]) -> dict[str, Any]:
    when = isotime(action["start_time"], micro=True)
    event: dict[str, Any] = {
        "event": action["event"],
        "start_time": when,
        "finish_time": when,
        "result": "Success",
    }
    admin = ctx(request).is_admin
    if admin:
        event["traceback"] = None
    if microversion(request) >= (2, 62):
        event["hostId"] = server.host_id
        if admin:
            event["host"] = server.host
    if microversion(request) >= (2, 84) and admin:
        event["details"] = None
    return event


async def list_actions(request: web.Request) -> web.Response:
    server = get_server(request)
    actions = server.actions
    if microversion(request) >= (2, 58):
        marker = request.query.get("marker")
        if marker is not None:
            at = [i for i, a in enumerate(actions) if a["request_id"] == marker]
            if not at:
                raise SimError(400, f"Marker {marker} could not be found.")
            actions = actions[at[0] + 1 :]
        actions = actions[: parse_limit(request.query.get("limit"), MAX_LIMIT)]
    return json_response({"instanceActions": [_view(request, server, a) for a in actions]})


async def show_action(request: web.Request) -> web.Response:
    server = get_server(request)
    request_id = request.match_info["request_id"]
    action = next((a for a in server.actions if a["request_id"] == request_id), None)
    if action is None:
        raise SimError(404, f"Action {request_id} not found")
    view = _view(request, server, action)
    if ctx(request).is_admin or microversion(request) >= (2, 51):
        view["events"] = [_event(request, server, action)]
    return json_response({"instanceAction": view})


def add_routes(router: web.UrlDispatcher) -> None:
    base = "/compute/v2.1/servers/{server_id}/os-instance-actions"
    router.add_get(base, list_actions)
    router.add_get(f"{base}/{{request_id}}", show_action)

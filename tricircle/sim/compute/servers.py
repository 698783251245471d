"""Nova servers: the route table, show, update, delete."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from tricircle.sim.compute.attachments import release
from tricircle.sim.compute.common import (
    api_base,
    body_of,
    check_locked,
    check_name,
    get_server,
    only_from,
    pod_of,
    state,
)
from tricircle.sim.compute.model import Server
from tricircle.sim.compute.server_create import create_server
from tricircle.sim.compute.server_groups import leave
from tricircle.sim.compute.server_list import list_servers
from tricircle.sim.compute.views import server_detail
from tricircle.sim.http import json_response, now, read_json
from tricircle.sim.service import ctx, microversion

if TYPE_CHECKING:
    from tricircle.sim.pod import Pod


async def show_server(request: web.Request) -> web.Response:
    server = get_server(request)
    mv = microversion(request)
    body = server_detail(server, api_base(request), mv, ctx(request).is_admin)
    if mv >= (2, 71):  # a server's show (not the lists) names its groups
        groups = state(request).server_groups.values()
        body["server_groups"] = [g.id for g in groups if server.id in g.members]
    return json_response({"server": body})


async def update_server(request: web.Request) -> web.Response:
    server = get_server(request)
    mv = microversion(request)
    body = body_of(await read_json(request), "server")
    if "name" in body:
        server.name = check_name(body["name"])
    if "description" in body:
        only_from(mv, (2, 19), "description")
        server.description = body["description"]
    if "hostname" in body:
        only_from(mv, (2, 90), "hostname")
        server.hostname = body["hostname"]
    for field, attr in (("accessIPv4", "access_ipv4"), ("accessIPv6", "access_ipv6")):
        if field in body:
            setattr(server, attr, body[field] or "")
    server.touch()
    return json_response(
        {"server": server_detail(server, api_base(request), mv, ctx(request).is_admin)}
    )


def delete_now(pod: Pod, server: Server) -> None:
    compute = pod.compute
    if compute.servers.pop(server.id, None) is None:
        return
    release(pod, server)
    leave(compute, server)
    server.vm_state = "deleted"
    server.task_state = None
    server.power_state = 0
    server.deleted = True
    server.terminated_at = now()
    server.touch()
    compute.deleted_servers[server.id] = server


async def delete_server(request: web.Request) -> web.Response:
    pod = pod_of(request)
    server = get_server(request)
    check_locked(request, server)
    server.task_state = "deleting"
    server.touch()
    pod.later(pod.boot_delay, lambda: delete_now(pod, server))
    return web.Response(status=204)


def add_routes(router: web.UrlDispatcher) -> None:
    base = "/compute/v2.1/servers"
    router.add_get(base, list_servers)
    router.add_get(f"{base}/detail", list_servers)
    router.add_post(base, create_server)
    router.add_get(f"{base}/{{server_id}}", show_server)
    router.add_put(f"{base}/{{server_id}}", update_server)
    router.add_delete(f"{base}/{{server_id}}", delete_server)

"""Server actions (`POST /servers/{id}/action`) with Nova's state checks and transitions."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tricircle.sim.compute.common import (
    api_base,
    check_locked,
    check_name,
    get_server,
    invalid,
    pod_of,
    ref_id,
)
from tricircle.sim.compute.instance_actions import record
from tricircle.sim.compute.model import PAUSED, RUNNING, SHUTDOWN, SUSPENDED, Server, check_state
from tricircle.sim.compute.servers import delete_now
from tricircle.sim.compute.views import server_detail
from tricircle.sim.http import SimError, json_response, read_json
from tricircle.sim.service import ctx, microversion, require_admin

Handler = Callable[[web.Request, Server, Any], Awaitable[web.Response]]


def _transition(
    request: web.Request,
    server: Server,
    task_state: str,
    vm_state: str,
    power_state: int,
    then: Callable[[Server], None] | None = None,
) -> None:
    """Sets the task state now and lands in `vm_state` once the pod's action delay passed."""
    pod = pod_of(request)
    server.task_state = task_state
    server.touch()

    def land() -> None:
        if pod.compute.servers.get(server.id) is not server or server.task_state != task_state:
            return  # deleted or overtaken meanwhile
        server.vm_state = vm_state
        server.task_state = None
        server.power_state = power_state
        if then:
            then(server)
        server.touch()

    pod.later(pod.action_delay, land)


def _accepted() -> web.Response:
    return web.Response(status=202)


@dataclass(frozen=True)
class Simple:
    """An action that only moves the server from some states to another."""

    name: str  # as Nova names it in conflict messages
    vm_states: tuple[str, ...]
    task_state: str
    target: str  # vm_state to land in; "" returns to the state before (unrescue)
    power: int

    async def __call__(self, request: web.Request, server: Server, value: Any) -> web.Response:
        check_locked(request, server)
        check_state(server, self.name, self.vm_states)
        _transition(request, server, self.task_state, self.target, self.power)
        return _accepted()


async def reboot(request: web.Request, server: Server, value: Any) -> web.Response:
    kind = value.get("type") if isinstance(value, dict) else None
    if kind not in ("SOFT", "HARD", "soft", "hard"):
        raise invalid(
            "reboot",
            value,
            "'type' is a required property"
            if kind is None
            else f"{kind!r} is not one of ['HARD', 'Hard', 'hard', 'SOFT', 'Soft', 'soft']",
        )
    check_locked(request, server)
    hard = kind.upper() == "HARD"
    allowed = ("active", "stopped", "paused", "suspended", "error") if hard else ("active",)
    check_state(
        server,
        "reboot",
        allowed,
        (None, "rebooting", "reboot_pending", "reboot_started") if hard else (None,),
    )
    _transition(request, server, "rebooting_hard" if hard else "rebooting", "active", RUNNING)
    return _accepted()


async def rescue(request: web.Request, server: Server, value: Any) -> web.Response:
    check_locked(request, server)
    check_state(server, "rescue", ("active", "stopped", "error"))
    server.prior_vm_state = server.vm_state
    _transition(request, server, "rescuing", "rescued", RUNNING)
    password = (value or {}).get("adminPass") if isinstance(value, dict) else None
    return json_response({"adminPass": password or secrets.token_urlsafe(9)})


async def unrescue(request: web.Request, server: Server, value: Any) -> web.Response:
    check_locked(request, server)
    check_state(server, "unrescue", ("rescued",))
    _transition(request, server, "unrescuing", "active", RUNNING)
    return _accepted()


async def resize(request: web.Request, server: Server, value: Any) -> web.Response:
    if not isinstance(value, dict) or "flavorRef" not in value:
        raise invalid("resize", value, "'flavorRef' is a required property")
    check_locked(request, server)
    check_state(server, "resize", ("active", "stopped"))
    flavor = pod_of(request).compute.flavors.get(ref_id(value["flavorRef"], "flavorRef"))
    if flavor is None:
        raise SimError(400, f"Flavor {value['flavorRef']} could not be found.")
    if flavor.id == server.flavor.id:
        raise SimError(400, "When resizing, instances must change flavor!")
    server.prior_vm_state = server.vm_state

    def swap_flavor(s: Server) -> None:
        s.old_flavor, s.flavor = s.flavor, flavor

    _transition(request, server, "resize_prep", "resized", server.power_state, swap_flavor)
    return _accepted()


async def confirm_resize(request: web.Request, server: Server, value: Any) -> web.Response:
    check_locked(request, server)
    check_state(server, "confirmResize", ("resized",))
    server.vm_state = server.prior_vm_state or "active"
    server.old_flavor = None
    server.touch()
    return web.Response(status=204)


async def revert_resize(request: web.Request, server: Server, value: Any) -> web.Response:
    check_locked(request, server)
    check_state(server, "revertResize", ("resized",))

    def restore(s: Server) -> None:
        if s.old_flavor:
            s.flavor, s.old_flavor = s.old_flavor, None

    back = server.prior_vm_state or "active"
    _transition(
        request,
        server,
        "resize_reverting",
        back,
        RUNNING if back == "active" else SHUTDOWN,
        restore,
    )
    return _accepted()


async def create_image(request: web.Request, server: Server, value: Any) -> web.Response:
    if not isinstance(value, dict) or "name" not in value:
        raise invalid("createImage", value, "'name' is a required property")
    check_name(value["name"])
    check_state(server, "createImage", ("active", "stopped", "paused", "suspended"))
    pod = pod_of(request)
    base = pod.image.images.get(server.image_id)
    props = dict(value.get("metadata") or {})
    image = pod.image.add(
        name=value["name"],
        owner=server.project_id,
        visibility="private",
        disk_format=base.disk_format if base else "qcow2",
        container_format=base.container_format if base else "bare",
        min_disk=server.flavor.disk,
        properties={**props, "image_type": "snapshot", "instance_uuid": server.id},
        status="active",
        data=b"",
    )
    if microversion(request) >= (2, 45):
        return json_response({"image_id": image.id}, 202)
    return web.Response(
        status=202,
        headers={"Location": f"{api_base(request).rsplit('/v2.1', 1)[0]}/images/{image.id}"},
    )


async def lock(request: web.Request, server: Server, value: Any) -> web.Response:
    reason = value.get("locked_reason") if isinstance(value, dict) else None
    if reason is not None and microversion(request) < (2, 73):
        raise invalid(
            "lock", value, "Additional properties are not allowed ('locked_reason' was unexpected)"
        )
    server.locked_by = "admin" if ctx(request).is_admin else "owner"
    server.locked_reason = reason
    server.touch()
    return _accepted()


async def unlock(request: web.Request, server: Server, value: Any) -> web.Response:
    if server.locked_by == "admin" and not ctx(request).is_admin:
        raise SimError(
            403,
            "Policy doesn't allow os_compute_api:os-lock-server:unlock:"
            "unlock_override to be performed.",
        )
    server.locked_by = None
    server.locked_reason = None
    server.touch()
    return _accepted()


async def rebuild(request: web.Request, server: Server, value: Any) -> web.Response:
    if not isinstance(value, dict) or "imageRef" not in value:
        raise invalid("rebuild", value, "'imageRef' is a required property")
    check_locked(request, server)
    check_state(server, "rebuild", ("active", "stopped", "error"))
    pod = pod_of(request)
    image_id = ref_id(value["imageRef"], "imageRef")
    image = pod.image.visible(image_id, ctx(request))
    if image is None:
        raise SimError(400, f"Image {image_id} could not be found.")
    if "name" in value:
        server.name = check_name(value["name"])
    server.image_id = image_id
    back = "stopped" if server.vm_state == "stopped" else "active"
    _transition(request, server, "rebuilding", back, SHUTDOWN if back == "stopped" else RUNNING)
    body = server_detail(server, api_base(request), microversion(request), ctx(request).is_admin)
    return json_response({"server": body}, 202)


def security_group(adding: bool) -> Handler:
    async def handler(request: web.Request, server: Server, value: Any) -> web.Response:
        return _security_group(request, server, value, adding)

    return handler


def _security_group(request: web.Request, server: Server, value: Any, adding: bool) -> web.Response:
    if not isinstance(value, dict) or not value.get("name"):
        raise SimError(400, "Missing parameter name")
    pod = pod_of(request)
    group = pod.network.find_security_group(server.project_id, value["name"])
    if group is None:
        raise SimError(
            404, f"Security group {value['name']} not found for project {server.project_id}."
        )
    if adding:
        if group["name"] in server.security_groups:
            raise SimError(
                400,
                f"Security group {group['name']} is already associated with "
                f"the instance {server.id}",
            )
        server.security_groups.append(group["name"])
    else:
        if group["name"] not in server.security_groups:
            raise SimError(
                400, f"Security group {group['name']} not associated with the instance {server.id}"
            )
        server.security_groups.remove(group["name"])
    server.touch()
    return _accepted()


async def reset_state(request: web.Request, server: Server, value: Any) -> web.Response:
    require_admin(request, "os_compute_api:os-admin-actions:reset_state")
    wanted = value.get("state") if isinstance(value, dict) else None
    if wanted not in ("active", "error"):
        raise invalid(
            "os-resetState/state", wanted, f"{wanted!r} is not one of ['active', 'error']"
        )
    server.vm_state = wanted
    server.task_state = None
    server.touch()
    return _accepted()


async def force_delete(request: web.Request, server: Server, value: Any) -> web.Response:
    delete_now(pod_of(request), server)
    return _accepted()


_ANY_RUNNING = ("active", "stopped", "paused", "suspended")
ACTIONS: dict[str, Handler] = {
    "os-stop": Simple("stop", ("active", "error"), "powering-off", "stopped", SHUTDOWN),
    "os-start": Simple("start", ("stopped",), "powering-on", "active", RUNNING),
    "pause": Simple("pause", ("active",), "pausing", "paused", PAUSED),
    "unpause": Simple("unpause", ("paused",), "unpausing", "active", RUNNING),
    "suspend": Simple("suspend", ("active",), "suspending", "suspended", SUSPENDED),
    "resume": Simple("resume", ("suspended",), "resuming", "active", RUNNING),
    "shelve": Simple("shelve", _ANY_RUNNING, "shelving", "shelved_offloaded", SHUTDOWN),
    "unshelve": Simple(
        "unshelve", ("shelved", "shelved_offloaded"), "unshelving", "active", RUNNING
    ),
    "reboot": reboot,
    "rescue": rescue,
    "unrescue": unrescue,
    "resize": resize,
    "confirmResize": confirm_resize,
    "revertResize": revert_resize,
    "createImage": create_image,
    "lock": lock,
    "unlock": unlock,
    "rebuild": rebuild,
    "addSecurityGroup": security_group(adding=True),
    "removeSecurityGroup": security_group(adding=False),
    "os-resetState": reset_state,
    "forceDelete": force_delete,
}


async def server_action(request: web.Request) -> web.Response:
    server = get_server(request)
    body = await read_json(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise SimError(400, "There is either no action specified or more than one action.")
    ((name, value),) = body.items()
    handler = ACTIONS.get(name)
    if handler is None:
        raise SimError(404, "There is no such action: " + name)
    answer = await handler(request, server, value)
    if answer.status < 400:
        record(request, server, name.removeprefix("os-"))
    return answer


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_post("/compute/v2.1/servers/{server_id}/action", server_action)

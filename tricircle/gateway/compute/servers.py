"""``/servers``: created in a pod of the requested AZ, then routed by the routing table."""

from __future__ import annotations

import json
import logging
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.copies import ensure_flavor, ensure_keypair, find_keypair
from tricircle.gateway.compute.flavors import visible_flavor
from tricircle.gateway.compute.interfaces import interfaces
from tricircle.gateway.compute.server_groups import (
    group_pod,
    hinted_body,
    requested_group,
    with_top_groups,
)
from tricircle.gateway.compute.server_networks import (
    bottom_networks,
    bound,
    plugged_ports,
    release,
    release_later,
    requested_ports,
)
from tricircle.gateway.compute.server_quota import boot_reserved, quota_follows
from tricircle.gateway.compute.server_views import with_requested_groups
from tricircle.gateway.image import resolve_image
from tricircle.gateway.image.snapshots import register_snapshot
from tricircle.gateway.volume.volumes import SNAPSHOTS, VOLUMES
from tricircle.kit.calls import call_pod, relay, taken
from tricircle.kit.placement import create_in_az
from tricircle.kit.routed import RoutedResource, find_route
from tricircle.listing import sort_index
from tricircle.pods.client import PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.pods.mark import MARK_KEY, MARK_VALUE
from tricircle.pods.routing import SERVER
from tricircle.unrouted import not_found_response
from tricircle.web.errors import ApiError, bad_request, not_found
from tricircle.web.http import read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import string, wrapped

LOG = logging.getLogger(__name__)
routes = web.RouteTableDef()


async def _volumes_going_with(request: web.Request, pod: PodInfo, path: str) -> dict[str, Any]:
    """The volumes the pod deletes with the server (delete_on_termination): their routes
    go with the server's, in its cleanup job."""
    # 2.3 shows delete_on_termination in volumes_attached
    shown = await call_pod(request, pod, "GET", path, version="2.3")
    attached = (shown.json() or {}).get("server", {}) if shown.ok else {}
    return {
        "gone_with": [
            [VOLUMES.resource_type, volume["id"]]
            for volume in attached.get("os-extended-volumes:volumes_attached", [])
            if volume.get("delete_on_termination")
        ]
    }


SERVERS = RoutedResource(
    resource_type=SERVER,
    collection="servers",
    missing="Instance {id} could not be found.",
    # Nova's sub-resources of a server
    subresources=(
        "action",
        "metadata",
        "metadata/*",
        "ips",
        "ips/*",
        "os-volume_attachments",
        "os-volume_attachments/*",
        "os-interface",
        "os-interface/*",
        "os-instance-actions",
        "os-instance-actions/*",
        "os-server-password",
        "os-security-groups",
        "os-virtual-interfaces",
        "diagnostics",
        "topology",
        "tags",
        "tags/*",
        "migrations",
        "migrations/*",
        "migrations/*/action",
        "remote-consoles",
        "shares",
        "shares/*",
    ),
    cleanup_payload=_volumes_going_with,
)

_REF = {"type": ["string", "integer"], "minLength": 1, "maxLength": 255}
# Only what the gateway itself reads is checked here; the pod's Nova validates the rest.
_COUNT = {"type": ["integer", "string"], "pattern": r"^[0-9]+$", "minimum": 1}
CREATE = wrapped(
    "server",
    {
        "name": string(255, 1),
        "flavorRef": _REF,
        "imageRef": {"type": "string", "maxLength": 255},
        "availability_zone": string(255, 1),
        "key_name": string(255, 1),
        "metadata": {"type": "object", "additionalProperties": string(255)},
        "min_count": _COUNT,
        "max_count": _COUNT,
        "networks": {"oneOf": [{"enum": ["auto", "none"]}, {"type": "array"}]},
    },
    ("name", "flavorRef"),
    strict=False,
)


@routes.post("/v2.1/servers")
async def create_server(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    body = await read_json(request)
    CREATE.validate(body)
    server: dict[str, Any] = dict(body["server"])
    flavor_ref = str(server["flavorRef"]).rstrip("/").rsplit("/", 1)[-1]
    try:
        flavor = await visible_flavor(request, flavor_ref)
    except ApiError:
        raise bad_request(f"Flavor {flavor_ref} could not be found.") from None
    keypair = await find_keypair(request, server["key_name"]) if server.get("key_name") else None
    group = await requested_group(request, body)
    count = max(int(server.get("min_count", 1)), int(server.get("max_count", 1)))
    ports = await requested_ports(request, server)
    if ports is not None and count > 1:
        await release(request, ports)
        raise bad_request(
            "Unable to launch multiple instances on tenant networks in one request: each "
            "server needs ports of its own. Please launch the servers one by one."
        )

    async def create(pod: PodInfo) -> web.Response:
        sent = dict(server)
        # checks that only read come first, so a bad request leaves nothing behind in the pod
        if sent.get("imageRef"):
            sent["imageRef"] = await resolve_image(request, pod, sent["imageRef"])
        await ensure_flavor(request, pod, flavor)
        sent["flavorRef"] = flavor.id
        # the mark lets the reconciler tell our servers from the pod's own
        sent["metadata"] = {**(sent.get("metadata") or {}), MARK_KEY: MARK_VALUE}
        if keypair is not None:
            await ensure_keypair(request, pod, keypair)
        if ports is not None:
            sent["networks"] = await bottom_networks(request, pod, ports)
            sent.pop("security_groups", None)  # the ports carry them
        sent_body = await hinted_body(request, pod, group, {**body, "server": sent})
        answer = taken(pod, await boot_reserved(request, pod, flavor, sent_body))
        if answer.status == 202:
            created = answer.json()
            await _record(request, pod, created, count)
            if ports is not None:
                await bound(request, pod, created["server"]["id"], ports)
                return await with_requested_groups(relay(request, pod, answer), server)
        return relay(request, pod, answer)

    # the pod gets the AZ too: Nova pins a server to the AZ it was asked for (2.96)
    az = server.get("availability_zone")
    try:
        # the pod of its boot volume, or the one its server group asks for, if any
        bound_pod = await _boot_volume_pod(request, server, az) or await group_pod(
            request, group, az
        )
        if bound_pod is not None:
            answer = await create(bound_pod)
        else:
            answer = await create_in_az(services, context.project_id or "", az, SERVER, create)
    except BaseException:
        if ports is not None:
            await release(request, ports)
        raise
    if ports is not None and answer.status != 202:
        await release(request, ports)
    return answer


async def _boot_volume_pod(
    request: web.Request, server: dict[str, Any], az: str | None
) -> PodInfo | None:
    """The pod of the volume or snapshot a server boots from: the server must go there."""
    for mapping in server.get("block_device_mapping_v2") or []:
        source = mapping.get("source_type") if isinstance(mapping, dict) else None
        resource = {"volume": VOLUMES, "snapshot": SNAPSHOTS}.get(source or "")
        if resource is None or not isinstance(mapping.get("uuid"), str):
            continue
        try:
            _, pod = await find_route(request, resource, mapping["uuid"])
        except ApiError:
            raise bad_request(f"Block Device Mapping is Invalid: failed to get {source}.") from None
        if az is not None and az != pod.az_name:
            raise bad_request(
                f"The {source} {mapping['uuid']} is in availability zone {pod.az_name}; "
                f"a server booting from it cannot be created in {az}."
            )
        return pod
    return None


async def _record(request: web.Request, pod: PodInfo, created: dict[str, Any], count: int) -> None:
    """Routes the `count` new server(s); if that fails the server is deleted again, leaving
    no orphan."""
    services, context = services_of(request), context_of(request)
    if "server" not in created:  # return_reservation_id: find the servers of the reservation
        ids = await _reservation(request, pod, created["reservation_id"])
    else:
        # a multiple create answers with its first server; the others share its reservation
        first_id = created["server"]["id"]
        ids = await _siblings(request, pod, first_id) if count > 1 else [first_id]
    for server_id in ids:
        try:
            await services.routing.add(
                context.project_id or "", SERVER, server_id, pod.id, server_id
            )
        except Exception:
            LOG.exception("could not route server %s of pod %s; deleting it", server_id, pod.name)
            await call_pod(request, pod, "DELETE", f"/servers/{server_id}")
            raise
        await _index(request, pod, server_id)


async def _index(request: web.Request, pod: PodInfo, server_id: str) -> None:
    """Keeps the new server's sort values (the create answer has none) for deep pages."""
    try:
        answer = await call_pod(request, pod, "GET", f"/servers/{server_id}")
    except PodUnavailable:
        return  # not indexed: lists resumed at it ask its pod, as before
    if answer.status == 200:
        await _record_shown(request, server_id, answer.body)


async def _reservation(request: web.Request, pod: PodInfo, reservation_id: str) -> list[str]:
    params = {"reservation_id": reservation_id}
    answer = await call_pod(request, pod, "GET", "/servers", params=params)
    return [s["id"] for s in answer.json().get("servers", [])] if answer.ok else []


async def _siblings(request: web.Request, pod: PodInfo, first_id: str) -> list[str]:
    """The servers made with `first_id` by one create: its reservation's (which only an
    admin's view shows, from 2.3), or `first_id` alone."""
    token = await services_of(request).service_auth.token()
    shown = await call_pod(request, pod, "GET", f"/servers/{first_id}", token=token, version="2.3")
    reservation_id = (shown.json() or {}).get("server", {}).get("OS-EXT-SRV-ATTR:reservation_id")
    if not shown.ok or not reservation_id:
        return [first_id]
    return await _reservation(request, pod, reservation_id) or [first_id]


@routes.route("*", "/v2.1/servers/{server_id}")
async def server(request: web.Request) -> web.Response:
    if request.method not in ("GET", "PUT", "DELETE"):
        return not_found_response(request)  # Nova's router has no such route
    server_id = request.match_info["server_id"]
    deleted = request.method == "DELETE"
    ports = await plugged_ports(request, server_id) if deleted else None
    answer = await with_top_groups(
        request, server_id, await quota_follows(request, SERVERS, server_id)
    )
    if ports and answer.status == 204:
        await release_later(request, server_id, ports)
    if request.method == "PUT" and answer.status == 200 and isinstance(answer.body, bytes):
        # a rename moves the server in lists by name: the index follows
        await _record_shown(request, server_id, answer.body)
    return answer


async def _record_shown(request: web.Request, server_id: str, body: bytes) -> None:
    """The sort values of a server as its pod showed it, into the index."""
    try:
        shown = json.loads(body).get("server")
    except (ValueError, AttributeError):
        return  # not what Nova answers: the index keeps what it had
    if isinstance(shown, dict):
        await sort_index.record(services_of(request).db, SERVER, server_id, shown)


@routes.route("*", "/v2.1/servers/{server_id}/{tail:.+}")
async def server_subresource(request: web.Request) -> web.Response:
    """Actions, metadata, ips, os-volume_attachments, os-interface, tags, ...: to the pod."""
    tail, server_id = request.match_info["tail"], request.match_info["server_id"]
    answered = await interfaces(request, SERVERS, server_id, tail)
    if answered is not None:
        return answered
    if tail == "os-volume_attachments" and request.method == "POST":
        await _same_pod_attach(request, server_id)
    elif tail == "action" and request.method == "POST":
        await _what_the_action_needs(request, server_id)
    answer = await quota_follows(request, SERVERS, server_id, tail)
    if tail == "action":
        answer = await with_top_groups(request, server_id, answer)  # a rebuild shows them
        await register_snapshot(request, SERVERS, server_id, answer)
    if tail == "action" and answer.status == 202 and isinstance(answer.body, bytes):
        # a rebuild may rename the server; its answer shows the server as it is now
        await _record_shown(request, server_id, answer.body)
    return answer


async def _what_the_action_needs(request: web.Request, server_id: str) -> None:
    """Resize and rebuild name what the top owns (a flavor, a key pair) or an image: the
    server's pod gets them first, as at create."""
    body = await read_json(request)
    resize = body.get("resize") if isinstance(body, dict) else None
    rebuild = body.get("rebuild") if isinstance(body, dict) else None
    if not isinstance(resize, dict) and not isinstance(rebuild, dict):
        return
    _, pod = await find_route(request, SERVERS, server_id)
    if isinstance(resize, dict) and isinstance(resize.get("flavorRef"), str | int):
        ref = str(resize["flavorRef"]).rstrip("/").rsplit("/", 1)[-1]
        try:
            flavor = await visible_flavor(request, ref)
        except ApiError:
            raise bad_request(f"Flavor {ref} could not be found.") from None
        await ensure_flavor(request, pod, flavor)
    if isinstance(rebuild, dict):
        if isinstance(rebuild.get("key_name"), str):
            await ensure_keypair(request, pod, await find_keypair(request, rebuild["key_name"]))
        if isinstance(rebuild.get("imageRef"), str):
            await resolve_image(request, pod, rebuild["imageRef"])


async def _same_pod_attach(request: web.Request, server_id: str) -> None:
    """A volume attaches only to a server of its own pod: say so before the pod is asked."""
    body = await read_json(request)
    attachment = body.get("volumeAttachment") if isinstance(body, dict) else None
    volume_id = attachment.get("volumeId") if isinstance(attachment, dict) else None
    if not isinstance(volume_id, str):
        return  # the pod answers with Nova's own 400
    _, server_pod = await find_route(request, SERVERS, server_id)
    try:
        _, volume_pod = await find_route(request, VOLUMES, volume_id)
    except ApiError:
        raise not_found(f"Volume {volume_id} could not be found.") from None
    if volume_pod.id != server_pod.id:
        raise bad_request(
            f"Volume {volume_id} is in availability zone {volume_pod.az_name} ({volume_pod.name}) "
            f"and server {server_id} in {server_pod.az_name} ({server_pod.name}): a volume can "
            "only be attached to a server of its own pod."
        )

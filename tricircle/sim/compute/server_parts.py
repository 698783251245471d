"""A server's sub-resources: metadata, ips, tags, volume attachments, interfaces."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.compute.attachments import attach_network, volume_attachment
from tricircle.sim.compute.common import body_of, check_locked, check_metadata, get_server, pod_of
from tricircle.sim.compute.model import Server, VolumeAttachment, check_state
from tricircle.sim.http import SimError, json_response, read_json
from tricircle.sim.service import microversion

# -- metadata --


async def get_metadata(request: web.Request) -> web.Response:
    return json_response({"metadata": dict(get_server(request).metadata)})


async def set_metadata(request: web.Request) -> web.Response:
    """POST merges, PUT replaces (Nova's create/update_all)."""
    server = get_server(request)
    check_locked(request, server)
    new = check_metadata(body_of(await read_json(request), "metadata") or {})
    if request.method == "PUT":
        server.metadata = new
    else:
        server.metadata.update(new)
    server.touch()
    return json_response({"metadata": dict(server.metadata)})


def _meta_item(server: Server, key: str) -> str:
    if key not in server.metadata:
        raise SimError(404, "Metadata item was not found")
    return server.metadata[key]


async def get_meta_item(request: web.Request) -> web.Response:
    key = request.match_info["key"]
    return json_response({"meta": {key: _meta_item(get_server(request), key)}})


async def put_meta_item(request: web.Request) -> web.Response:
    server = get_server(request)
    check_locked(request, server)
    key = request.match_info["key"]
    meta = body_of(await read_json(request), "meta")
    if key not in meta:
        raise SimError(400, "Request body and URI mismatch")
    if len(meta) > 1:
        raise SimError(400, "Request body contains too many items")
    server.metadata[key] = check_metadata(meta, "meta")[key]
    server.touch()
    return json_response({"meta": {key: server.metadata[key]}})


async def delete_meta_item(request: web.Request) -> web.Response:
    server = get_server(request)
    check_locked(request, server)
    key = request.match_info["key"]
    _meta_item(server, key)
    del server.metadata[key]
    server.touch()
    return web.Response(status=204)


# -- ips --


async def list_ips(request: web.Request) -> web.Response:
    return json_response({"addresses": _plain_addresses(get_server(request))})


def _plain_addresses(server: Server) -> dict[str, list[dict[str, Any]]]:
    return {
        net: [{"version": a["version"], "addr": a["addr"]} for a in addrs]
        for net, addrs in server.addresses().items()
    }


async def show_ips(request: web.Request) -> web.Response:
    network = request.match_info["network"]
    addresses = _plain_addresses(get_server(request))
    if network not in addresses:
        raise SimError(404, "Instance is not a member of specified network")
    return json_response({network: addresses[network]})


# -- tags (2.26+) --


def _tagged_server(request: web.Request) -> Server:
    if microversion(request) < (2, 26):
        raise SimError(404, "The resource could not be found.")
    return get_server(request)


def _check_tag(tag: str) -> str:
    if not tag or len(tag) > 60 or "/" in tag or "," in tag:
        raise SimError(
            400,
            f"Invalid input for field/attribute tag. Value: {tag}. "
            f"'{tag}' does not match '^[^,/]*$'",
        )
    return tag


async def list_tags(request: web.Request) -> web.Response:
    return json_response({"tags": list(_tagged_server(request).tags)})


async def replace_tags(request: web.Request) -> web.Response:
    server = _tagged_server(request)
    body = await read_json(request)
    tags = body.get("tags") if isinstance(body, dict) else None
    if not isinstance(tags, list):
        raise SimError(
            400,
            f"Invalid input for field/attribute tags. Value: {body}. 'tags' is a required property",
        )
    if len(tags) > 50:
        raise SimError(400, "The number of tags exceeded the per-server limit 50")
    server.tags = list(dict.fromkeys(_check_tag(t) for t in tags))
    server.touch()
    return json_response({"tags": list(server.tags)})


async def clear_tags(request: web.Request) -> web.Response:
    server = _tagged_server(request)
    server.tags.clear()
    server.touch()
    return web.Response(status=204)


async def check_tag(request: web.Request) -> web.Response:
    tag = request.match_info["tag"]
    if tag not in _tagged_server(request).tags:
        raise SimError(404, f"Tag {tag} could not be found.")
    return web.Response(status=204)


async def add_tag(request: web.Request) -> web.Response:
    server = _tagged_server(request)
    tag = _check_tag(request.match_info["tag"])
    if tag in server.tags:
        return web.Response(status=204)
    if len(server.tags) >= 50:
        raise SimError(400, "The number of tags exceeded the per-server limit 50")
    server.tags.append(tag)
    server.touch()
    return web.Response(status=201, headers={"Location": str(request.url)})


async def delete_tag(request: web.Request) -> web.Response:
    server = _tagged_server(request)
    tag = request.match_info["tag"]
    if tag not in server.tags:
        raise SimError(404, f"Tag {tag} could not be found.")
    server.tags.remove(tag)
    server.touch()
    return web.Response(status=204)


# -- volume attachments --

_ATTACH_STATES = (
    "active",
    "paused",
    "stopped",
    "resized",
    "soft-delete",
    "shelved",
    "shelved_offloaded",
)


def _attachment_view(server: Server, att: VolumeAttachment, mv: tuple[int, int]) -> dict[str, Any]:
    body: dict[str, Any] = {"device": att.device, "serverId": server.id, "volumeId": att.volume_id}
    if mv < (2, 89):
        body["id"] = att.volume_id
    if mv >= (2, 70):
        body["tag"] = att.tag
    if mv >= (2, 79):
        body["delete_on_termination"] = att.delete_on_termination
    if mv >= (2, 89):
        body["attachment_id"] = att.attachment_id
        body["bdm_uuid"] = att.bdm_uuid
    return body


async def list_attachments(request: web.Request) -> web.Response:
    server = get_server(request)
    mv = microversion(request)
    return json_response(
        {"volumeAttachments": [_attachment_view(server, a, mv) for a in server.volumes]}
    )


async def show_attachment(request: web.Request) -> web.Response:
    server = get_server(request)
    volume_id = request.match_info["volume_id"]
    att = next((a for a in server.volumes if a.volume_id == volume_id), None)
    if att is None:
        raise SimError(404, f"Instance {server.id} is not attached.")
    return json_response({"volumeAttachment": _attachment_view(server, att, microversion(request))})


async def attach_volume(request: web.Request) -> web.Response:
    server = get_server(request)
    check_locked(request, server)
    body = body_of(await read_json(request), "volumeAttachment")
    volume_id = body.get("volumeId")
    if not isinstance(volume_id, str):
        raise SimError(
            400,
            f"Invalid input for field/attribute volumeAttachment. Value: {body}."
            " 'volumeId' is a required property",
        )
    check_state(server, "attach_volume", _ATTACH_STATES)
    pod = pod_of(request)
    volume = pod.volume.volumes.get(volume_id)
    if volume is None or volume.project_id != server.project_id:
        raise SimError(404, f"Volume {volume_id} could not be found.")
    if volume.status != "available":
        raise SimError(
            400,
            f"Invalid volume: volume '{volume_id}' status must be 'available'. "
            f"Currently in '{volume.status}'",
        )
    device = body.get("device") or f"/dev/vd{chr(ord('b') + len(server.volumes))}"
    pod.volume.attach(volume_id, server.id, device)
    att = volume_attachment(
        volume_id,
        device,
        delete_on_termination=bool(body.get("delete_on_termination", False)),
        tag=body.get("tag"),
    )
    server.volumes.append(att)
    server.touch()
    return json_response({"volumeAttachment": _attachment_view(server, att, microversion(request))})


async def detach_volume(request: web.Request) -> web.Response:
    server = get_server(request)
    check_locked(request, server)
    volume_id = request.match_info["volume_id"]
    att = next((a for a in server.volumes if a.volume_id == volume_id), None)
    if att is None:
        raise SimError(404, f"Volume {volume_id} is not attached to instance {server.id}")
    check_state(server, "detach_volume", _ATTACH_STATES)
    server.volumes.remove(att)
    pod_of(request).volume.detach(volume_id)
    server.touch()
    return web.Response(status=202)


# -- interfaces --


def _interface_view(request: web.Request, server: Server, port_id: str) -> dict[str, Any]:
    iface = next((i for i in server.interfaces if i.port_id == port_id), None)
    if iface is None:
        raise SimError(404, f"Port {port_id} is not attached")
    port = pod_of(request).network.ports.get(port_id, {})
    body: dict[str, Any] = {
        "port_id": iface.port_id,
        "net_id": iface.net_id,
        "mac_addr": iface.mac,
        "port_state": port.get("status", "ACTIVE"),
        "fixed_ips": [
            {"subnet_id": ip["subnet_id"], "ip_address": ip["ip_address"]} for ip in iface.fixed_ips
        ],
    }
    if microversion(request) >= (2, 70):
        body["tag"] = iface.tag
    return body


async def list_interfaces(request: web.Request) -> web.Response:
    server = get_server(request)
    return json_response(
        {
            "interfaceAttachments": [
                _interface_view(request, server, i.port_id) for i in server.interfaces
            ]
        }
    )


async def show_interface(request: web.Request) -> web.Response:
    server = get_server(request)
    return json_response(
        {"interfaceAttachment": _interface_view(request, server, request.match_info["port_id"])}
    )


async def attach_interface(request: web.Request) -> web.Response:
    server = get_server(request)
    check_locked(request, server)
    body = await read_json(request)
    spec = body.get("interfaceAttachment", {}) if isinstance(body, dict) else {}
    check_state(server, "interface_attach", ("active", "paused", "stopped"))
    pod = pod_of(request)
    net_id = spec.get("net_id")
    if not net_id and not spec.get("port_id"):
        networks = pod.network.project_networks(server.project_id)
        if len(networks) != 1:
            raise SimError(
                400,
                "Multiple possible networks found, use a Network ID to be more specific."
                if networks
                else "No network available",
            )
        net_id = networks[0]["id"]
    elif net_id and pod.network.visible_network(net_id, server.project_id, False) is None:
        raise SimError(404, f"Network {net_id} could not be found.")
    fixed = (spec.get("fixed_ips") or [{}])[0].get("ip_address")
    iface = attach_network(
        request,
        server,
        net_id=net_id,
        port_id=spec.get("port_id"),
        fixed_ip=fixed,
        tag=spec.get("tag"),
    )
    pod.network.set_port_status(iface.port_id, "ACTIVE")
    server.touch()
    return json_response({"interfaceAttachment": _interface_view(request, server, iface.port_id)})


async def detach_interface(request: web.Request) -> web.Response:
    server = get_server(request)
    check_locked(request, server)
    port_id = request.match_info["port_id"]
    iface = next((i for i in server.interfaces if i.port_id == port_id), None)
    if iface is None:
        raise SimError(404, f"Port {port_id} is not attached")
    server.interfaces.remove(iface)
    pod_of(request).network.unbind_port(port_id)
    server.touch()
    return web.Response(status=202)


async def server_password(request: web.Request) -> web.Response:
    """The password a guest posts to the metadata service: simulated guests post none."""
    get_server(request)
    if request.method == "DELETE":
        return web.Response(status=204)
    return json_response({"password": ""})


def add_routes(router: web.UrlDispatcher) -> None:
    s = "/compute/v2.1/servers/{server_id}"
    router.add_get(f"{s}/os-server-password", server_password)
    router.add_delete(f"{s}/os-server-password", server_password)
    router.add_get(f"{s}/metadata", get_metadata)
    router.add_post(f"{s}/metadata", set_metadata)
    router.add_put(f"{s}/metadata", set_metadata)
    router.add_get(f"{s}/metadata/{{key}}", get_meta_item)
    router.add_put(f"{s}/metadata/{{key}}", put_meta_item)
    router.add_delete(f"{s}/metadata/{{key}}", delete_meta_item)
    router.add_get(f"{s}/ips", list_ips)
    router.add_get(f"{s}/ips/{{network}}", show_ips)
    router.add_get(f"{s}/tags", list_tags)
    router.add_put(f"{s}/tags", replace_tags)
    router.add_delete(f"{s}/tags", clear_tags)
    router.add_get(f"{s}/tags/{{tag}}", check_tag)
    router.add_put(f"{s}/tags/{{tag}}", add_tag)
    router.add_delete(f"{s}/tags/{{tag}}", delete_tag)
    router.add_get(f"{s}/os-volume_attachments", list_attachments)
    router.add_post(f"{s}/os-volume_attachments", attach_volume)
    router.add_get(f"{s}/os-volume_attachments/{{volume_id}}", show_attachment)
    router.add_delete(f"{s}/os-volume_attachments/{{volume_id}}", detach_volume)
    router.add_get(f"{s}/os-interface", list_interfaces)
    router.add_post(f"{s}/os-interface", attach_interface)
    router.add_get(f"{s}/os-interface/{{port_id}}", show_interface)
    router.add_delete(f"{s}/os-interface/{{port_id}}", detach_interface)

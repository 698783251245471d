"""Plugging a server into networks and volumes, and letting go of them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiohttp import web

from tricircle.sim.compute.common import pod_of
from tricircle.sim.compute.model import Interface, Server, VolumeAttachment
from tricircle.sim.http import SimError, new_id
from tricircle.sim.service import ctx

if TYPE_CHECKING:
    from tricircle.sim.pod import Pod


def attach_network(
    request: web.Request,
    server: Server,
    *,
    net_id: str | None = None,
    port_id: str | None = None,
    fixed_ip: str | None = None,
    tag: str | None = None,
) -> Interface:
    """Plugs the server into a network: Nova creates the port, or binds the one it was given."""
    pod = pod_of(request)
    network = pod.network
    if port_id:
        port = network.ports.get(port_id)
        if port is None or (port["project_id"] != server.project_id and not ctx(request).is_admin):
            raise SimError(400, f"Port id {port_id} could not be found.")
        if port["device_id"]:
            raise SimError(409, f"Port {port_id} is still in use.")
    else:
        assert net_id is not None
        fixed = [{"ip_address": fixed_ip}] if fixed_ip else None
        # a port Nova makes carries the server's groups
        found = (network.find_security_group(server.project_id, n) for n in server.security_groups)
        groups = [g["id"] for g in found if g is not None]
        port = network.create_port(
            server.project_id, net_id, fixed_ips=fixed, owned_by_nova=True, security_groups=groups
        )
    network.bind_port(port, server.id, server.host)
    net = network.networks[port["network_id"]]
    iface = Interface(
        port["id"],
        net["id"],
        net["name"],
        port["mac_address"],
        [dict(ip) for ip in port["fixed_ips"]],
        tag,
    )
    server.interfaces.append(iface)
    # Nova shows a server's groups as its ports have them
    ports = (network.ports[i.port_id] for i in server.interfaces if i.port_id in network.ports)
    ids = [g for p in ports for g in p.get("security_groups") or []]
    known = network.security_groups
    server.security_groups = list(dict.fromkeys(known[g]["name"] for g in ids if g in known))
    return iface


def volume_attachment(
    volume_id: str, device: str, *, delete_on_termination: bool, tag: str | None = None
) -> VolumeAttachment:
    return VolumeAttachment(volume_id, device, new_id(), new_id(), tag, delete_on_termination)


def release(pod: Pod, server: Server) -> None:
    """Frees what the server held: Nova-made ports go, given ports and volumes come free
    (volumes marked delete_on_termination go too)."""
    for iface in server.interfaces:
        pod.network.unbind_port(iface.port_id)
    server.interfaces.clear()
    for att in server.volumes:
        pod.volume.release(att.volume_id, delete=att.delete_on_termination)
    server.volumes.clear()

"""Nova's server create: validation, one or many servers, the boot that follows."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from typing import TYPE_CHECKING

from aiohttp import web

from tricircle.sim.compute.attachments import attach_network, release, volume_attachment
from tricircle.sim.compute.common import (
    api_base,
    body_of,
    check_metadata,
    check_name,
    invalid,
    only_from,
    pod_of,
    positive_int,
    ref_id,
)
from tricircle.sim.compute.instance_actions import record
from tricircle.sim.compute.model import RUNNING, Server
from tricircle.sim.compute.server_groups import group_hosts, hinted_group, join
from tricircle.sim.compute.server_requests import (
    availability_zone,
    boot_volume_goes_with_server,
    boot_volume_id,
    check_create_body,
    check_quota,
    requested_networks,
)
from tricircle.sim.compute.views import server_summary
from tricircle.sim.http import SimError, isotime, json_response, new_id, now, read_json
from tricircle.sim.service import ctx, microversion

if TYPE_CHECKING:
    from tricircle.sim.pod import Pod


async def create_server(request: web.Request) -> web.Response:
    pod = pod_of(request)
    compute = pod.compute
    context = ctx(request)
    mv = microversion(request)
    if context.project_id is None:
        raise SimError(403, "Policy doesn't allow os_compute_api:servers:create to be performed.")
    outer = await read_json(request)
    body = body_of(outer, "server")
    check_create_body(body)

    if "name" not in body:
        raise invalid("server", body, "'name' is a required property")
    name = check_name(body["name"])
    if "flavorRef" not in body:
        raise invalid("server", body, "'flavorRef' is a required property")
    flavor = compute.flavors.get(ref_id(body["flavorRef"], "flavorRef"))
    if flavor is None or not flavor.usable_by(context.project_id, context.is_admin):
        raise SimError(400, "Invalid flavorRef provided.")

    boot_volume = boot_volume_id(request, body)
    image_id = ref_id(body.get("imageRef", ""), "imageRef")
    if image_id:
        image = pod.image.visible(image_id, context)
        if image is None:
            raise SimError(400, f"Image {image_id} could not be found.")
        if image.status != "active":
            raise SimError(400, f"Image {image_id} is not active.")
        if not boot_volume and image.min_disk > flavor.disk:
            raise SimError(
                400,
                "Flavor's disk is too small for requested image. Flavor disk "
                f"is {flavor.disk * 1024**3} bytes, image is "
                f"{image.min_disk * 1024**3} bytes.",
            )
        if image.min_ram > flavor.ram:
            raise SimError(400, "Flavor's memory is too small for requested image.")
    elif not boot_volume:
        raise SimError(
            400,
            "Block Device Mapping is Invalid: Boot sequence for the instance "
            "and image/block device mapping combination is not valid.",
        )

    networks = requested_networks(request, body, context.project_id)
    az, forced_host = availability_zone(request, body.get("availability_zone"))
    # The zone the user asked for (not the one picked for them), as 2.96 shows it.
    pinned_az = az if body.get("availability_zone") else None

    key_name = body.get("key_name")
    keypair = None
    if key_name is not None:
        keypair = compute.keypairs.get((context.user_id, key_name))
        if keypair is None:
            raise SimError(400, "Invalid key_name provided.")
    metadata = check_metadata(body.get("metadata", {}))
    if len(metadata) > compute.quota.metadata_items:
        raise SimError(
            403,
            "Quota exceeded for metadata_items: Requested "
            f"{len(metadata)}, but already used 0 of "
            f"{compute.quota.metadata_items} metadata_items",
        )
    description = None
    if "description" in body:
        only_from(mv, (2, 19), "description")
        description = body["description"]
    tags: list[str] = []
    if "tags" in body:
        only_from(mv, (2, 52), "tags")
        tags = list(body["tags"])
    hostname = None
    if "hostname" in body:
        only_from(mv, (2, 90), "hostname")
        hostname = body["hostname"]
    user_data = body.get("user_data")
    if user_data is not None:
        try:
            base64.b64decode(user_data, validate=True)
        except (binascii.Error, TypeError, ValueError):
            raise invalid("user_data", user_data, f"{user_data!r} is not a 'base64'") from None
    groups = []
    for group in body.get("security_groups") or [{"name": "default"}]:
        ref = group.get("name") if isinstance(group, dict) else None
        sg = pod.network.find_security_group(context.project_id, ref or "")
        if sg is None:
            raise SimError(400, f"Security group {ref} not found for project {context.project_id}.")
        groups.append(sg["name"])

    min_count = positive_int(body.get("min_count", 1), "min_count")
    max_count = positive_int(body.get("max_count", min_count), "max_count")
    if min_count > max_count:
        raise SimError(400, "min_count must be <= max_count")
    count = check_quota(request, context.project_id, flavor.vcpus, flavor.ram, min_count, max_count)
    group = hinted_group(request, outer)

    reservation_id = f"r-{secrets.token_hex(4)}"
    admin_pass = body.get("adminPass") or secrets.token_urlsafe(9)
    created: list[Server] = []
    for index in range(count):
        display = name if count == 1 else f"{name}-{index + 1}"
        spread = [compute.hosts[index % len(compute.hosts)]]
        hosts = group_hosts(compute, group) if group is not None else spread
        host = forced_host or (hosts or spread)[0]
        server = Server(
            id=new_id(),
            name=display,
            project_id=context.project_id,
            user_id=context.user_id,
            flavor=flavor,
            image_id="" if boot_volume else image_id,
            availability_zone=az,
            host=host,
            node=host,
            key_name=key_name,
            key_data=keypair.public_key if keypair else None,
            metadata=dict(metadata),
            tags=list(tags),
            security_groups=groups,
            description=description,
            hostname=hostname or _hostname(display),
            user_data=user_data,
            config_drive="True" if body.get("config_drive") else "",
            reservation_id=reservation_id,
            launch_index=index,
            pinned_availability_zone=pinned_az,
            access_ipv4=body.get("accessIPv4", ""),
            access_ipv6=body.get("accessIPv6", ""),
        )
        compute.servers[server.id] = server
        try:
            for req in networks:
                attach_network(
                    request,
                    server,
                    net_id=req.get("uuid"),
                    port_id=req.get("port"),
                    fixed_ip=req.get("fixed_ip"),
                    tag=req.get("tag"),
                )
        except SimError:
            # Nothing half-made: undo this server's ports and the servers before it.
            for done in [*created, server]:
                release(pod, done)
                compute.servers.pop(done.id, None)
            raise
        if boot_volume and index == 0:
            pod.volume.attach(boot_volume, server.id, "/dev/vda")
            server.volumes.append(
                volume_attachment(
                    boot_volume,
                    "/dev/vda",
                    delete_on_termination=boot_volume_goes_with_server(body),
                )
            )
        join(group, server)
        record(request, server, "create")
        created.append(server)
        if not hosts and not forced_host:  # the group's policy leaves no host
            _no_valid_host(server)
            continue
        server.task_state = "spawning"
        pod.later(pod.boot_delay, lambda s=server: _finish_boot(pod, s))

    if body.get("return_reservation_id"):
        return json_response({"reservation_id": reservation_id}, 202)
    first = created[0]
    location = f"{api_base(request)}/servers/{first.id}"
    return json_response(
        {
            "server": {
                "id": first.id,
                "links": server_summary(first, api_base(request))["links"],
                "OS-DCF:diskConfig": "MANUAL",
                "security_groups": [{"name": g} for g in groups],
                "adminPass": admin_pass,
            }
        },
        202,
        {"Location": location},
    )


def _hostname(name: str) -> str:
    # Nova sanitizes display names into hostnames.
    cleaned = re.sub(r"[^\w.-]+", "-", name.lower()).strip("-.")
    return cleaned[:63] or "server"


def _no_valid_host(server: Server) -> None:
    server.vm_state, server.task_state = "error", None
    server.fault = {
        "code": 500,
        "created": isotime(now()),
        "message": "No valid host was found. There are not enough hosts available.",
    }


def _finish_boot(pod: Pod, server: Server) -> None:
    if pod.compute.servers.get(server.id) is not server or server.vm_state != "building":
        return
    server.vm_state = "active"
    server.task_state = None
    server.power_state = RUNNING
    server.launched_at = now()
    for iface in server.interfaces:
        pod.network.set_port_status(iface.port_id, "ACTIVE")
    server.touch()

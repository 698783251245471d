"""Nova servers: create, list (filters, sort, paging), show, update, delete."""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tricircle.sim.compute.common import (
    api_base,
    body_of,
    check_locked,
    check_metadata,
    check_name,
    get_server,
    invalid,
    only_from,
    pod_of,
    positive_int,
    ref_id,
    state,
)
from tricircle.sim.compute.model import RUNNING, Interface, Server, VolumeAttachment
from tricircle.sim.compute.views import server_detail, server_summary
from tricircle.sim.http import (
    SimError,
    json_response,
    new_id,
    next_link,
    now,
    page_after,
    parse_isotime,
    parse_limit,
    query_list,
    read_json,
    sort_items,
    truthy,
)
from tricircle.sim.service import ctx, microversion

if TYPE_CHECKING:
    from tricircle.sim.pod import Pod

MAX_LIMIT = 1000

# Nova's server sort keys and how each reads off our model.
SORT_KEYS: dict[str, Callable[[Server], Any]] = {
    "access_ip_v4": lambda s: s.access_ipv4,
    "access_ip_v6": lambda s: s.access_ipv6,
    "auto_disk_config": lambda s: False,
    "availability_zone": lambda s: s.availability_zone,
    "config_drive": lambda s: s.config_drive,
    "created_at": lambda s: s.created_at,
    "display_description": lambda s: s.description,
    "display_name": lambda s: s.name,
    "host": lambda s: s.host,
    "hostname": lambda s: s.hostname,
    "image_ref": lambda s: s.image_id,
    "instance_type_id": lambda s: s.flavor.seq,
    "kernel_id": lambda s: "",
    "key_name": lambda s: s.key_name,
    "launch_index": lambda s: s.launch_index,
    "launched_at": lambda s: s.launched_at,
    "locked_by": lambda s: s.locked_by,
    "node": lambda s: s.node,
    "power_state": lambda s: s.power_state,
    "progress": lambda s: 0,
    "project_id": lambda s: s.project_id,
    "ramdisk_id": lambda s: "",
    "root_device_name": lambda s: "/dev/vda",
    "task_state": lambda s: s.task_state,
    "terminated_at": lambda s: s.terminated_at,
    "updated_at": lambda s: s.updated_at,
    "user_id": lambda s: s.user_id,
    "uuid": lambda s: s.id,
    "vm_mode": lambda s: None,
    "vm_state": lambda s: s.vm_state,
    "id": lambda s: s.seq,
}
_ADMIN_SORT_KEYS = {"host", "node"}


# -- listing ----------------------------------------------------------------------------------


def _sort_params(request: web.Request) -> list[tuple[Callable[[Server], Any], bool]]:
    keys = request.rel_url.query.getall("sort_key", [])
    dirs = request.rel_url.query.getall("sort_dir", [])
    for key in keys:
        if key not in SORT_KEYS or key == "id":
            raise SimError(
                400,
                f"Invalid input for query parameters sort_key. Value: {key}. "
                f"'{key}' is not one of {sorted(set(SORT_KEYS) - {'id'})}",
            )
        if key in _ADMIN_SORT_KEYS and not ctx(request).is_admin:
            raise SimError(403, "Only administrators can sort servers by host or node.")
    for d in dirs:
        if d not in ("asc", "desc"):
            raise SimError(
                400,
                f"Invalid input for query parameters sort_dir. Value: {d}. "
                f"'{d}' is not one of ['asc', 'desc']",
            )
    if len(dirs) > len(keys):
        raise SimError(400, "Sort direction size exceeds sort key size")
    default_dir = dirs[0] if dirs else "desc"
    dirs = dirs + [default_dir] * (len(keys) - len(dirs))
    # Nova always finishes with created_at and id so the order is total.
    for tail in ("created_at", "id"):
        if tail not in keys:
            keys.append(tail)
            dirs.append(default_dir)
    return [(SORT_KEYS[k], d == "desc") for k, d in zip(keys, dirs, strict=True)]


def _regex(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error:
        return re.compile(re.escape(value))


def _time_param(request: web.Request, name: str) -> float | None:
    value = request.rel_url.query.get(name)
    if value is None:
        return None
    ts = parse_isotime(value)
    if ts is None:
        raise SimError(
            400,
            f"Invalid input for query parameters {name}. Value: {value}. "
            f"'{value}' is not a 'date-time'",
        )
    return ts


def _filters(request: web.Request) -> tuple[list[Callable[[Server], bool]], bool]:
    """Predicates for the query, and whether deleted servers are wanted."""
    q = request.rel_url.query
    context = ctx(request)
    mv = microversion(request)
    preds: list[Callable[[Server], bool]] = []
    with_deleted = False

    all_tenants = "all_tenants" in q and (q["all_tenants"] == "" or truthy(q["all_tenants"]))
    if "all_tenants" in q and not context.is_admin:
        raise SimError(
            403,
            "Policy doesn't allow os_compute_api:servers:index:get_all_tenants to be performed.",
        )
    if all_tenants:
        project = q.get("project_id") or q.get("tenant_id")
        if project:
            preds.append(lambda s: s.project_id == project)
    else:
        preds.append(lambda s: s.project_id == context.project_id)

    if "name" in q:
        name_re = _regex(q["name"])
        preds.append(lambda s: name_re.search(s.name) is not None)
    statuses = {s.upper() for s in q.getall("status", [])}
    if statuses:
        with_deleted = bool(statuses & {"DELETED", "SOFT_DELETED"})
        preds.append(lambda s: s.status in statuses)
    if "image" in q:
        image = ref_id(q["image"], "image")
        preds.append(lambda s: s.image_id == image)
    if "flavor" in q:
        flavor = ref_id(q["flavor"], "flavor")
        preds.append(lambda s: s.flavor.id == flavor)
    if "reservation_id" in q:
        preds.append(lambda s: s.reservation_id == q["reservation_id"])
    for param, family in (("ip", "."), ("ip6", ":")):
        if param in q:
            ip_re = _regex(q[param])
            preds.append(
                lambda s, r=ip_re, f=family: any(f in ip and r.search(ip) for ip in s.ips())
            )
    since = _time_param(request, "changes-since")
    before = _time_param(request, "changes-before") if mv >= (2, 66) else None
    if since is not None and before is not None and before < since:
        raise SimError(
            400, "The value of changes-since must be less than or equal to changes-before."
        )
    if since is not None:
        with_deleted = True
        preds.append(lambda s: s.updated_at >= since)
    if before is not None:
        with_deleted = True
        preds.append(lambda s: s.updated_at <= before)
    if mv >= (2, 26):
        for param, test in (
            ("tags", lambda t, want: want <= t),
            ("tags-any", lambda t, want: bool(want & t)),
            ("not-tags", lambda t, want: not want <= t),
            ("not-tags-any", lambda t, want: not want & t),
        ):
            wanted = set(query_list(request, param))
            if wanted:
                preds.append(lambda s, w=wanted, f=test: f(set(s.tags), w))
    if mv >= (2, 73) and "locked" in q:
        locked = truthy(q["locked"])
        preds.append(lambda s: (s.locked_by is not None) == locked)
    if context.is_admin:
        admin_fields: dict[str, Callable[[Server], Any]] = {
            "user_id": lambda s: s.user_id,
            "host": lambda s: s.host,
            "node": lambda s: s.node,
            "availability_zone": lambda s: s.availability_zone,
            "vm_state": lambda s: s.vm_state,
            "task_state": lambda s: s.task_state,
            "key_name": lambda s: s.key_name,
            "uuid": lambda s: s.id,
        }
        for param, getter in admin_fields.items():
            if param in q:
                preds.append(lambda s, g=getter, v=q[param]: g(s) == v)
        if truthy(q.get("deleted")):
            with_deleted = True
            preds.append(lambda s: s.deleted)
    return preds, with_deleted


async def list_servers(request: web.Request) -> web.Response:
    detail = request.path.endswith("/detail")
    compute = state(request)
    context = ctx(request)
    preds, with_deleted = _filters(request)
    keys = _sort_params(request)
    pool: list[Server] = list(compute.servers.values())
    if with_deleted:
        pool.extend(compute.deleted_servers.values())
    matched = [s for s in pool if all(p(s) for p in preds)]
    ordered = sort_items(matched, keys)

    q = request.rel_url.query
    limit = parse_limit(q.get("limit"), MAX_LIMIT)
    marker = None
    if "marker" in q:
        marker = compute.servers.get(q["marker"]) or compute.deleted_servers.get(q["marker"])
        if marker is None:
            raise SimError(400, f"marker [{q['marker']}] not found")
    page = page_after(ordered, marker, limit, keys)

    base = api_base(request)
    if detail:
        mv = microversion(request)
        items = [server_detail(s, base, mv, context.is_admin) for s in page]
    else:
        items = [server_summary(s, base) for s in page]
    body: dict[str, Any] = {"servers": items}
    if page and len(page) == limit:
        href = next_link(request, page[-1].id, limit if "limit" in q else None)
        body["servers_links"] = [{"rel": "next", "href": href}]
    return json_response(body)


async def show_server(request: web.Request) -> web.Response:
    server = get_server(request)
    body = server_detail(server, api_base(request), microversion(request), ctx(request).is_admin)
    return json_response({"server": body})


# -- create -----------------------------------------------------------------------------------


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
        port = network.create_port(server.project_id, net_id, fixed_ips=fixed, owned_by_nova=True)
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
    return iface


def _requested_networks(
    request: web.Request, body: dict[str, Any], project_id: str
) -> list[dict[str, Any]]:
    """What the request asks to plug, as [{"uuid"|"port", "fixed_ip", "tag"}]."""
    mv = microversion(request)
    network = pod_of(request).network
    context = ctx(request)
    requested = body.get("networks")
    if requested is None and mv >= (2, 37):
        raise invalid("server", "...", "'networks' is a required property")
    if requested == "none":
        return []
    if requested is None or requested == "auto":
        candidates = network.project_networks(project_id)
        if len(candidates) > 1:
            raise SimError(
                409, "Multiple possible networks found, use a Network ID to be more specific."
            )
        if candidates:
            return [{"uuid": candidates[0]["id"]}]
        if requested == "auto":
            return [{"uuid": network.auto_network(project_id)["id"]}]
        return []
    if not isinstance(requested, list):
        raise invalid(
            "networks", requested, f"{requested!r} is not valid under any of the given schemas"
        )
    out = []
    for item in requested:
        if not isinstance(item, dict) or not ({"uuid", "port"} & item.keys()):
            raise invalid(
                "networks", requested, "Bad networks format: network uuid is not in proper format"
            )
        if item.get("port"):
            out.append({"port": item["port"], "tag": item.get("tag")})
            continue
        net = network.visible_network(item["uuid"], project_id, context.is_admin)
        if net is None:
            raise SimError(400, f"Network {item['uuid']} could not be found.")
        out.append({"uuid": net["id"], "fixed_ip": item.get("fixed_ip"), "tag": item.get("tag")})
    return out


def _boot_volume(request: web.Request, body: dict[str, Any]) -> str | None:
    """The volume a boot-from-volume request boots from, if any."""
    for bdm in body.get("block_device_mapping_v2") or []:
        if (
            isinstance(bdm, dict)
            and str(bdm.get("boot_index")) == "0"
            and bdm.get("source_type") == "volume"
        ):
            volume_id = bdm.get("uuid", "")
            volume = pod_of(request).volume.volumes.get(volume_id)
            if volume is None:
                raise SimError(
                    400, f"Block Device Mapping is Invalid: failed to get volume {volume_id}."
                )
            if volume.status != "available":
                raise SimError(
                    400,
                    f"Invalid volume: volume '{volume_id}' status must be "
                    f"'available'. Currently in '{volume.status}'",
                )
            return volume_id
    return None


def _check_quota(
    request: web.Request,
    project_id: str,
    flavor_vcpus: int,
    flavor_ram: int,
    min_count: int,
    max_count: int,
) -> int:
    """How many servers fit the quota (Nova boots as many as fit between min and max)."""
    compute = state(request)
    used = compute.usage(project_id)
    quota = compute.quota
    limits = {
        "instances": (1, quota.instances),
        "cores": (flavor_vcpus, quota.cores),
        "ram": (flavor_ram, quota.ram),
    }
    fits = max_count
    for resource, (each, limit) in limits.items():
        if limit < 0:
            continue
        room = (limit - used[resource]) // each if each else max_count
        if room < min_count:
            raise SimError(
                403,
                f"Quota exceeded for {resource}: Requested {each * min_count}, "
                f"but already used {used[resource]} of {limit} {resource}",
            )
        fits = min(fits, room)
    return fits


def _availability_zone(request: web.Request, value: Any) -> tuple[str, str | None]:
    """The zone and the forced host of an `availability_zone` request value."""
    compute = state(request)
    if value is None:
        return compute.az, None
    if not isinstance(value, str):
        raise invalid("availability_zone", value, f"{value!r} is not of type 'string'")
    zone, _, host = value.partition(":")
    host = host.split(":", 1)[0]
    if zone and zone != compute.az:
        raise SimError(400, "The requested availability zone is not available")
    if host:
        if not ctx(request).is_admin:
            raise SimError(
                403,
                "Policy doesn't allow os_compute_api:servers:create:forced_host to be performed.",
            )
        if host not in compute.hosts:
            raise SimError(400, f"Compute host {host} could not be found.")
    return compute.az, host or None


async def create_server(request: web.Request) -> web.Response:
    pod = pod_of(request)
    compute = pod.compute
    context = ctx(request)
    mv = microversion(request)
    if context.project_id is None:
        raise SimError(403, "Policy doesn't allow os_compute_api:servers:create to be performed.")
    body = body_of(await read_json(request), "server")

    if "name" not in body:
        raise invalid("server", body, "'name' is a required property")
    name = check_name(body["name"])
    if "flavorRef" not in body:
        raise invalid("server", body, "'flavorRef' is a required property")
    flavor = compute.flavors.get(ref_id(body["flavorRef"], "flavorRef"))
    if flavor is None or not flavor.usable_by(context.project_id, context.is_admin):
        raise SimError(400, "Invalid flavorRef provided.")

    boot_volume = _boot_volume(request, body)
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

    networks = _requested_networks(request, body, context.project_id)
    az, forced_host = _availability_zone(request, body.get("availability_zone"))
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
    count = _check_quota(
        request, context.project_id, flavor.vcpus, flavor.ram, min_count, max_count
    )

    reservation_id = f"r-{secrets.token_hex(4)}"
    admin_pass = body.get("adminPass") or secrets.token_urlsafe(9)
    created: list[Server] = []
    for index in range(count):
        display = name if count == 1 else f"{name}-{index + 1}"
        server = Server(
            id=new_id(),
            name=display,
            project_id=context.project_id,
            user_id=context.user_id,
            flavor=flavor,
            image_id="" if boot_volume else image_id,
            availability_zone=az,
            host=forced_host or compute.hosts[index % len(compute.hosts)],
            node=forced_host or compute.hosts[index % len(compute.hosts)],
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
                _release(pod, done)
                compute.servers.pop(done.id, None)
            raise
        if boot_volume and index == 0:
            pod.volume.attach(boot_volume, server.id, "/dev/vda")
            server.volumes.append(_attachment(boot_volume, "/dev/vda", delete_on_termination=False))
        server.task_state = "spawning"
        pod.later(pod.boot_delay, lambda s=server: _finish_boot(pod, s))
        created.append(server)

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


def _attachment(
    volume_id: str, device: str, *, delete_on_termination: bool, tag: str | None = None
) -> VolumeAttachment:
    return VolumeAttachment(volume_id, device, new_id(), new_id(), tag, delete_on_termination)


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


# -- update / delete ----------------------------------------------------------------------------


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


def _release(pod: Pod, server: Server) -> None:
    """Frees what the server held: Nova-made ports go, given ports and volumes come free."""
    for iface in server.interfaces:
        pod.network.unbind_port(iface.port_id)
    server.interfaces.clear()
    for att in server.volumes:
        pod.volume.detach(att.volume_id)
    server.volumes.clear()


def delete_now(pod: Pod, server: Server) -> None:
    compute = pod.compute
    if compute.servers.pop(server.id, None) is None:
        return
    _release(pod, server)
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

"""Nova's host aggregates (admins): hosts, metadata and the AZ an aggregate gives them."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.compute.common import body_of, check_name, invalid, state
from tricircle.sim.compute.model import Aggregate
from tricircle.sim.http import SimError, isotime, json_response, now, read_json
from tricircle.sim.service import microversion, require_admin

_AZ_CHANGE = (
    "Cannot {what} host {direction} aggregate {id}. Reason: The host cannot be {done} the "
    "aggregate as the availability zone of the host would change from '{old}' to '{new}' "
    "but the host already has {count} instance(s). Changing the AZ of an existing instance "
    "is not supported by this action. Move the instances away from this host then try "
    "again. If you need to move the instances between AZs then you can use shelve_offload "
    "and unshelve to achieve this.."
)


def _aggregates(request: web.Request) -> dict[int, Aggregate]:
    return state(request).aggregates


def _view(request: web.Request, aggregate: Aggregate, *, full: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {"id": aggregate.id}
    if microversion(request) >= (2, 41):
        view["uuid"] = aggregate.uuid
    view["name"] = aggregate.name
    if full:
        view["hosts"] = list(aggregate.hosts)
        view["metadata"] = dict(aggregate.metadata)
    view.update(
        created_at=isotime(aggregate.created_at, micro=True),
        updated_at=isotime(aggregate.updated_at, micro=True) if aggregate.updated_at else None,
        deleted_at=None,
        deleted=False,
        availability_zone=aggregate.availability_zone,
    )
    return view


def _found(request: web.Request) -> Aggregate:
    require_admin(request, "os_compute_api:os-aggregates:show")
    text = request.match_info["aggregate_id"]
    aggregate = _aggregates(request).get(int(text)) if text.isdigit() else None
    if aggregate is None:
        raise SimError(404, f"Aggregate {text} could not be found.")
    return aggregate


def _named(request: web.Request, body: dict[str, Any], *, creating: bool) -> None:
    if creating and "name" not in body:
        raise invalid("aggregate", body, "'name' is a required property")
    extra = set(body) - {"name", "availability_zone"}
    if extra:
        raise invalid("aggregate", body, "Additional properties are not allowed")
    if "name" in body:
        name = check_name(body["name"])
        if any(a.name == name for a in _aggregates(request).values()):
            raise SimError(409, f"Aggregate {name} already exists.")


async def list_aggregates(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-aggregates:index")
    return json_response({"aggregates": [_view(request, a) for a in _aggregates(request).values()]})


async def create_aggregate(request: web.Request) -> web.Response:
    require_admin(request, "os_compute_api:os-aggregates:create")
    body = body_of(await read_json(request), "aggregate")
    _named(request, body, creating=True)
    compute = state(request)
    aggregate = Aggregate(next(compute.aggregate_ids), body["name"], body.get("availability_zone"))
    if aggregate.availability_zone:
        aggregate.metadata["availability_zone"] = aggregate.availability_zone
    _aggregates(request)[aggregate.id] = aggregate
    return json_response({"aggregate": _view(request, aggregate, full=False)})


async def show_aggregate(request: web.Request) -> web.Response:
    return json_response({"aggregate": _view(request, _found(request))})


async def update_aggregate(request: web.Request) -> web.Response:
    aggregate = _found(request)
    body = body_of(await read_json(request), "aggregate")
    _named(request, body, creating=False)
    aggregate.name = body.get("name", aggregate.name)
    if "availability_zone" in body:
        aggregate.availability_zone = body["availability_zone"]
        aggregate.metadata["availability_zone"] = body["availability_zone"]
    aggregate.updated_at = now()
    return json_response({"aggregate": _view(request, aggregate)})


async def delete_aggregate(request: web.Request) -> web.Response:
    aggregate = _found(request)
    if aggregate.hosts:
        raise SimError(400, f"Cannot remove aggregate {aggregate.id}: it still has hosts.")
    del _aggregates(request)[aggregate.id]
    return web.Response(status=200)


def _move_host(request: web.Request, aggregate: Aggregate, host: str, adding: bool) -> None:
    compute = state(request)
    if host not in compute.hosts:
        raise SimError(404, f"Compute host {host} could not be found.")
    if adding == (host in aggregate.hosts):
        raise SimError(
            409 if adding else 404,
            f"Aggregate {aggregate.id} already has host {host}."
            if adding
            else f"Cannot remove host {host} in aggregate {aggregate.id}",
        )
    servers = sum(1 for s in compute.servers.values() if s.host == host)
    zone = aggregate.availability_zone
    if zone and zone != compute.az and servers:
        old, new = (None, zone) if adding else (zone, None)
        what, direction, done = (
            ("add", "to", "added to") if adding else ("remove", "from", "removed from")
        )
        raise SimError(
            409,
            _AZ_CHANGE.format(
                what=what, direction=direction, done=done, id=aggregate.id, old=old, new=new,
                count=servers,
            ),
        )  # fmt: skip
    if adding:
        aggregate.hosts.append(host)
    else:
        aggregate.hosts.remove(host)


async def aggregate_action(request: web.Request) -> web.Response:
    aggregate = _found(request)
    body = await read_json(request)
    if not isinstance(body, dict) or len(body) != 1:
        raise invalid("action", body, "is not valid under any of the given schemas")
    ((name, value),) = body.items()
    if name in ("add_host", "remove_host") and isinstance(value, dict):
        _move_host(request, aggregate, str(value.get("host")), name == "add_host")
    elif name == "set_metadata" and isinstance(value, dict):
        for key, item in (value.get("metadata") or {}).items():
            if item is None:
                aggregate.metadata.pop(key, None)
            else:
                aggregate.metadata[key] = item
    else:
        raise invalid("action", body, "is not valid under any of the given schemas")
    aggregate.updated_at = now()
    return json_response({"aggregate": _view(request, aggregate)})


def add_routes(router: web.UrlDispatcher) -> None:
    base = "/compute/v2.1/os-aggregates"
    router.add_get(base, list_aggregates)
    router.add_post(base, create_aggregate)
    router.add_get(f"{base}/{{aggregate_id}}", show_aggregate)
    router.add_put(f"{base}/{{aggregate_id}}", update_aggregate)
    router.add_delete(f"{base}/{{aggregate_id}}", delete_aggregate)
    router.add_post(f"{base}/{{aggregate_id}}/action", aggregate_action)

"""Nova's server list: filters, sorting, keyset paging."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from tricircle.sim.compute import server_order
from tricircle.sim.compute.common import api_base, ref_id, state
from tricircle.sim.compute.model import Server
from tricircle.sim.compute.server_sort import SORT_KEYS, sort_spec
from tricircle.sim.compute.views import server_detail, server_summary
from tricircle.sim.http import (
    SimError,
    json_response,
    next_link,
    page_after,
    parse_isotime,
    parse_limit,
    query_list,
    sort_items,
    truthy,
)
from tricircle.sim.service import ctx, microversion

if TYPE_CHECKING:
    pass


MAX_LIMIT = 1000


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


def _filters(request: web.Request) -> tuple[list[Callable[[Server], bool]], bool, str | None]:
    """Predicates for the query, whether deleted servers are wanted, and the one project
    listed (None: every project's)."""
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
    project = context.project_id
    if all_tenants:
        project = q.get("project_id") or q.get("tenant_id") or None
    if project is not None or not all_tenants:
        preds.append(lambda s: s.project_id == project)

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
    return preds, with_deleted, project


async def list_servers(request: web.Request) -> web.Response:
    detail = request.path.endswith("/detail")
    compute = state(request)
    context = ctx(request)
    preds, with_deleted, project = _filters(request)
    spec = sort_spec(request)
    keys = [(SORT_KEYS[name], descending) for name, descending in spec]

    q = request.rel_url.query
    limit = parse_limit(q.get("limit"), MAX_LIMIT)
    marker = None
    if "marker" in q:
        marker = compute.servers.get(q["marker"]) or compute.deleted_servers.get(q["marker"])
        if marker is None:
            raise SimError(400, f"marker [{q['marker']}] not found")
    if not with_deleted and server_order.covers(spec):
        getters = [getter for getter, _ in keys]
        page = server_order.page(
            compute.servers,
            project,
            spec,
            getters,
            marker,
            limit,
            lambda s: all(p(s) for p in preds),
        )
    else:
        pool: list[Server] = list(compute.servers.values())
        if with_deleted:
            pool.extend(compute.deleted_servers.values())
        matched = [s for s in pool if all(p(s) for p in preds)]
        page = page_after(sort_items(matched, keys), marker, limit, keys)

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

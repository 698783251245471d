"""One Neutron resource collection over the store: list, show, create, update, delete."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tricircle.sim.http import (
    Context,
    SimError,
    isotime,
    json_response,
    next_link,
    now,
    page_after,
    parse_limit,
    read_json,
    sort_items,
)
from tricircle.sim.network.errors import TYPE_NAMES, network_not_found
from tricircle.sim.network.store import NetworkState
from tricircle.sim.service import ctx, pod_of


def state_of(request: web.Request) -> NetworkState:
    return pod_of(request).network


def visible(context: Context, item: dict[str, Any], kind: str) -> bool:
    if context.is_admin or item["project_id"] == context.project_id:
        return True
    return kind == "networks" and (item["shared"] or item["router:external"])


@dataclass(frozen=True)
class Collection:
    """One Neutron resource collection: list/show/create/update/delete over a dict store."""

    plural: str  # "security_groups"
    path: str  # "security-groups"
    create: Callable[[NetworkState, Context, dict[str, Any]], dict[str, Any]]
    delete: Callable[[NetworkState, dict[str, Any]], None]
    updatable: frozenset[str]

    @property
    def singular(self) -> str:
        return self.plural[:-1]

    def store(self, request: web.Request) -> dict[str, dict[str, Any]]:
        return getattr(state_of(request), self.plural)

    def get(self, request: web.Request) -> dict[str, Any]:
        ident = request.match_info["id"]
        item = self.store(request).get(ident)
        if item is None or not visible(ctx(request), item, self.plural):
            name = TYPE_NAMES[self.plural]
            label = " ".join(
                w.lower() for w in name.replace("SecurityGroup", "Security group ").split()
            )
            raise SimError(
                404,
                f"{label[0].upper()}{label[1:]} {ident} could not be found.",
                kind=f"{name}NotFound",
            )
        return item

    async def list(self, request: web.Request) -> web.Response:
        q = request.rel_url.query
        context = ctx(request)
        if self.plural == "security_groups":
            state_of(request).find_security_group(context.project_id or "", "default")
        items = [i for i in self.store(request).values() if visible(context, i, self.plural)]
        reserved = {"fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse"}
        for attr in {k for k in q if k not in reserved}:
            wanted = set(q.getall(attr))
            items = [i for i in items if attr in i and _as_query(i[attr]) & wanted]
        keys = [
            (lambda i, k=k: i.get(k), d == "desc")
            for k, d in zip(
                q.getall("sort_key", []), q.getall("sort_dir", []) or ["asc"] * 99, strict=False
            )
        ]
        keys.append((lambda i: i["id"], bool(keys) and keys[0][1]))
        ordered = sort_items(items, keys)
        limit = parse_limit(q.get("limit"), 10**9, default=10**9)
        marker = None
        if "marker" in q:
            marker = self.store(request).get(q["marker"])
            if marker is None:
                raise SimError(
                    404,
                    f"{TYPE_NAMES[self.plural]} {q['marker']} could not be found.",
                    kind=f"{TYPE_NAMES[self.plural]}NotFound",
                )
        page = page_after(ordered, marker, limit, keys)
        body: dict[str, Any] = {self.plural: [_fields(i, q.getall("fields", [])) for i in page]}
        if "limit" in q and page and len(page) == limit:
            body[f"{self.plural}_links"] = [
                {"rel": "next", "href": next_link(request, page[-1]["id"], limit)}
            ]
        return json_response(body)

    async def show(self, request: web.Request) -> web.Response:
        item = self.get(request)
        return json_response(
            {self.singular: _fields(item, request.rel_url.query.getall("fields", []))}
        )

    async def post(self, request: web.Request) -> web.Response:
        body = await read_json(request, "Body contains invalid data")
        spec = body.get(self.singular) if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise SimError(400, "Resource body required", kind="BadRequest")
        context = ctx(request)
        owner = spec.get("project_id") or spec.get("tenant_id")
        if owner and owner != context.project_id and not context.is_admin:
            raise SimError(
                403,
                "Specifying 'project_id' or 'tenant_id' other than the "
                "authenticated project in request requires admin privileges",
            )
        item = self.create(state_of(request), context, spec)
        return json_response({self.singular: item}, 201)

    async def put(self, request: web.Request) -> web.Response:
        item = self.get(request)
        body = await read_json(request, "Body contains invalid data")
        spec = body.get(self.singular) if isinstance(body, dict) else None
        if not isinstance(spec, dict):
            raise SimError(400, "Resource body required", kind="BadRequest")
        for key in spec:
            if key not in self.updatable:
                raise SimError(
                    400, f"Cannot update read-only attribute {key}", kind="HTTPBadRequest"
                )
        item.update(spec)
        item["revision_number"] += 1
        item["updated_at"] = isotime(now())
        return json_response({self.singular: item})

    async def remove(self, request: web.Request) -> web.Response:
        item = self.get(request)
        self.delete(state_of(request), item)
        return web.Response(status=204)

    def add_routes(self, router: web.UrlDispatcher) -> None:
        base = f"/network/v2.0/{self.path}"
        router.add_get(base, self.list)
        router.add_post(base, self.post)
        router.add_get(base + "/{id}", self.show)
        router.add_put(base + "/{id}", self.put)
        router.add_delete(base + "/{id}", self.remove)


def _as_query(value: Any) -> set[str]:
    if isinstance(value, bool):
        return {str(value), str(value).lower()}
    if isinstance(value, list):
        return {str(v) for v in value}
    return {str(value)}


def _fields(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in fields} if fields else item


def owner(context: Context, spec: dict[str, Any]) -> str:
    return spec.get("project_id") or spec.get("tenant_id") or context.project_id or ""


def require(spec: dict[str, Any], *names: str) -> None:
    for name in names:
        if name not in spec:
            raise SimError(
                400,
                f"Failed to parse request. Required attribute '{name}' not specified",
                kind="HTTPBadRequest",
            )


def visible_network_id(state: NetworkState, context: Context, spec: dict[str, Any]) -> str:
    """The body's `network_id`, once the caller may use that network."""
    if state.visible_network(spec["network_id"], context.project_id, context.is_admin) is None:
        raise network_not_found(spec["network_id"])
    return spec["network_id"]

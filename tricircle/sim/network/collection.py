"""One Neutron resource collection over the store: list, show, create, update, delete, with
Neutron's body checks, visibility, revision numbers and `If-Match` constraints."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tricircle.sim.http import Context, SimError, json_response, read_json
from tricircle.sim.network import listing
from tricircle.sim.network.attributes import Attributes
from tricircle.sim.network.errors import not_found
from tricircle.sim.network.standard import touch
from tricircle.sim.network.store import NetworkState
from tricircle.sim.network.validation import converted
from tricircle.sim.service import ctx, pod_of

Creator = Callable[[NetworkState, Context, dict[str, Any]], dict[str, Any]]
Updater = Callable[[NetworkState, Context, dict[str, Any], dict[str, Any]], None]
Deleter = Callable[[NetworkState, Context, dict[str, Any]], None]
Visibility = Callable[[NetworkState, Context, dict[str, Any]], bool]
# How a resource shows: (state, caller, resource, in a create's answer) -> body
Presenter = Callable[[NetworkState, Context, dict[str, Any], bool], dict[str, Any]]

_IF_MATCH = re.compile(r"^revision_number=(\d+)$")


def state_of(request: web.Request) -> NetworkState:
    return pod_of(request).network


def owned(state: NetworkState, context: Context, item: dict[str, Any]) -> bool:
    return context.is_admin or item["project_id"] == context.project_id


def plain_update(state: NetworkState, context: Context, item: dict, spec: dict) -> None:
    item.update(spec)


@dataclass(frozen=True)
class Collection:
    """One Neutron resource collection: list/show/create/update/delete over a dict store."""

    plural: str  # "security_groups": the store's dict and the list body's key
    path: str  # "security-groups"
    attributes: Attributes
    create: Creator
    delete: Deleter
    update: Updater = plain_update
    visible: Visibility = owned
    present: Presenter | None = None

    @property
    def singular(self) -> str:
        return self.attributes.resource

    def items(self, request: web.Request) -> dict[str, dict[str, Any]]:
        return getattr(state_of(request), self.plural)

    def get(self, request: web.Request, ident: str | None = None) -> dict[str, Any]:
        """The resource the path names, as the caller may see it; Neutron's 404 otherwise."""
        ident = ident or request.match_info["id"]
        item = self.items(request).get(ident)
        if item is None or not self.visible(state_of(request), ctx(request), item):
            raise not_found(self.plural, ident)
        return item

    def view(
        self, state: NetworkState, context: Context, item: dict[str, Any], created: bool = False
    ) -> dict[str, Any]:
        if self.present is not None:
            return self.present(state, context, item, created)
        return self.attributes.view(context, item)

    async def list(self, request: web.Request) -> web.Response:
        query = request.rel_url.query
        context, state = ctx(request), state_of(request)
        if self.plural == "security_groups" and context.project_id:
            state.groups.default_group(context.project_id)
        shown = [
            self.view(state, context, i)
            for i in self.items(request).values()
            if self.visible(state, context, i)
        ]
        items = listing.filtered(shown, query, self.attributes.filterable)
        keys = listing.sort_keys(query, self.attributes.known)
        limit = listing.limit_of(query)
        marker = None
        if "marker" in query and limit:  # Neutron reads a marker only with a limit
            marker = self.get(request, query["marker"])
        page, links = listing.page(request, listing.sort_items(items, keys), keys, marker, limit)
        fields = query.getall("fields", [])
        body: dict[str, Any] = {self.plural: [listing.fields_of(i, fields) for i in page]}
        if links:
            body[f"{self.plural}_links"] = links
        return json_response(body)

    async def show(self, request: web.Request) -> web.Response:
        item = self.view(state_of(request), ctx(request), self.get(request))
        fields = request.rel_url.query.getall("fields", [])
        return json_response({self.singular: listing.fields_of(item, fields)})

    async def body(self, request: web.Request) -> dict[str, Any]:
        return object_in(await read_json(request, "Body contains invalid data"), self.singular)

    async def post(self, request: web.Request) -> web.Response:
        """One resource, or several at once under the plural key (Neutron's bulk create:
        all or none)."""
        body = await read_json(request, "Body contains invalid data")
        state, context = state_of(request), ctx(request)
        if not (isinstance(body, dict) and isinstance(body.get(self.plural), list)):
            item = self._create_one(context, state, object_in(body, self.singular))
            return json_response({self.singular: self.view(state, context, item, True)}, 201)
        made: list[dict[str, Any]] = []
        try:
            for spec in body[self.plural]:
                made.append(
                    self._create_one(
                        context, state, object_in({self.singular: spec}, self.singular)
                    )
                )
        except SimError:
            for item in reversed(made):
                self.delete(state, context, item)
            raise
        views = [self.view(state, context, item, True) for item in made]
        return json_response({self.plural: views}, 201)

    def _create_one(
        self, context: Context, state: NetworkState, spec: dict[str, Any]
    ) -> dict[str, Any]:
        self.attributes.check_create(context, spec)
        owner = spec.get("project_id") or spec.get("tenant_id")
        if owner and owner != context.project_id and not context.is_admin:
            raise SimError(
                403,
                "Specifying 'project_id' or 'tenant_id' other than the "
                "authenticated project in request requires admin privileges",
                kind="HTTPForbidden",
            )
        return self.create(state, context, converted(spec))

    async def put(self, request: web.Request) -> web.Response:
        item = self.get(request)
        spec = await self.body(request)
        context = ctx(request)
        self.attributes.check_update(context, spec)
        check_revision(request, item)
        self.update(state_of(request), context, item, converted(spec))
        touch(item)
        return json_response({self.singular: self.view(state_of(request), context, item)})

    async def remove(self, request: web.Request) -> web.Response:
        item = self.get(request)
        check_revision(request, item)
        self.delete(state_of(request), ctx(request), item)
        return web.Response(status=204)

    def add_routes(self, router: web.UrlDispatcher) -> None:
        base = f"/network/v2.0/{self.path}"
        router.add_get(base, self.list)
        router.add_post(base, self.post)
        router.add_get(base + "/{id}", self.show)
        router.add_put(base + "/{id}", self.put)
        router.add_delete(base + "/{id}", self.remove)


def object_in(body: Any, key: str) -> dict[str, Any]:
    """The body's object under `key`, in Neutron's words when it is not there."""
    if not isinstance(body, dict):
        raise SimError(400, "Body contains invalid data", kind="HTTPBadRequest")
    if key not in body:
        raise SimError(400, f"Unable to find '{key}' in request body", kind="HTTPBadRequest")
    if not isinstance(body[key], dict):
        raise SimError(400, f"Object '{key}' contains invalid data", kind="HTTPBadRequest")
    return body[key]


def check_revision(request: web.Request, item: dict[str, Any]) -> None:
    """`If-Match: revision_number=N`: Neutron's 412 when the resource has moved on."""
    for condition in request.headers.getall("If-Match", []):
        match = _IF_MATCH.match(condition.strip())
        if match and int(match.group(1)) != item["revision_number"]:
            raise SimError(
                412,
                f"Constrained to {match.group(1)}, but current revision is "
                f"{item['revision_number']}",
                kind="RevisionNumberConstraintFailed",
            )


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


def usable_network(state: NetworkState, context: Context, network_id: Any) -> dict[str, Any]:
    """The network a subnet or port is made on, once the caller may use it (Neutron's 404
    for another project's private network)."""
    net = state.networks.get(network_id) if isinstance(network_id, str) else None
    if net is None or not (
        context.is_admin
        or net["project_id"] == context.project_id
        or net["shared"]
        or net["router:external"]
    ):
        raise not_found("networks", str(network_id))
    return net

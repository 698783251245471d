"""Cinder's lists: filters, sort, limit/marker/offset, `<collection>_links` and `count`."""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tricircle.sim.http import (
    SimError,
    page_after,
    parse_isotime,
    parse_limit,
    sort_items,
    truthy,
)
from tricircle.sim.service import ctx
from tricircle.sim.volume.common import T, api_root, at_least
from tricircle.sim.volume.errors import NotFound, invalid_input
from tricircle.sim.volume.validation import whole_number

MAX_LIMIT = 1000
_PAGING = ("limit", "marker", "offset", "sort", "sort_key", "sort_dir", "with_count")
_TIME_OPERATORS = ("gt", "gte", "eq", "neq", "lt", "lte")
Getter = Callable[[Any], Any]


# What every Cinder record may be sorted and filtered on.
RECORD = ("id", "created_at", "updated_at", "project_id", "status")


def attributes(*names: str, **renamed: str) -> dict[str, Getter]:
    """Getters of attributes: `names` as they are, `renamed` maps API names to attributes.
    Times count in whole seconds, as Cinder's database keeps them (ties fall to the id)."""

    def getter(attr: str) -> Getter:
        if attr.endswith("_at"):
            return lambda item: None if getattr(item, attr) is None else int(getattr(item, attr))
        return lambda item: getattr(item, attr)

    return {name: getter(attr) for name, attr in {**{n: n for n in names}, **renamed}.items()}


def constant(value: Any) -> Getter:
    """A field Cinder has and the simulator keeps at one value (e.g. group_id: None)."""
    return lambda item: value


@dataclass(frozen=True)
class Listing:
    """How one of Cinder's collections is listed."""

    collection: str  # the body key and the path: "volumes"
    kind: str  # what a missing marker is called: "Volume"
    sort_keys: Mapping[str, Getter]  # API sort keys ("name" stands for display_name)
    fields: Mapping[str, Getter]  # what may be filtered on, by admins
    user_filters: frozenset[str]  # what members may filter on (Cinder's resource_filters.json)
    strict_from: tuple[int, int] | None = (3, 31)  # from here members' unknown filters are a 400
    count_from: tuple[int, int] | None = (3, 45)  # with_count
    links_key: str = ""  # "<collection>_links" unless named otherwise
    default_sort: str = "created_at:desc"


@dataclass
class Query:
    """One list request, parsed: who sees what, the filters left, sort and paging."""

    listing: Listing
    keys: list[tuple[Getter, bool]]
    limit: int
    marker: str | None
    offset: int
    with_count: bool
    all_tenants: bool
    filters: dict[str, str] = field(default_factory=dict)


def parse(request: web.Request, listing: Listing) -> Query:
    params = dict(request.rel_url.query)
    context = ctx(request)
    limit = parse_limit(params.get("limit"), MAX_LIMIT)
    offset = whole_number(params.get("offset", "0"), "offset", 0)
    with_count = (
        listing.count_from is not None
        and at_least(request, listing.count_from)
        and truthy(params.get("with_count"))
    )
    filters = {k: v for k, v in params.items() if k not in _PAGING}
    all_tenants = context.is_admin and truthy(filters.pop("all_tenants", None))
    if not context.is_admin:
        filters.pop("all_tenants", None)
        unknown = [k for k in filters if k not in listing.user_filters]
        if unknown and listing.strict_from and at_least(request, listing.strict_from):
            raise SimError(400, f"Invalid filters {','.join(unknown)} are found in query options.")
        for key in unknown:
            del filters[key]
    return Query(
        listing,
        _sort_keys(params, listing),
        limit,
        params.get("marker"),
        offset,
        with_count,
        all_tenants,
        filters,
    )


def _sort_keys(params: dict[str, str], listing: Listing) -> list[tuple[Getter, bool]]:
    """`sort=k1:dir,k2` or the older `sort_key`/`sort_dir`; created_at and id are appended
    with the first direction, as Cinder's database layer does."""
    if "sort" in params and ("sort_key" in params or "sort_dir" in params):
        raise SimError(
            400,
            "The 'sort_key' and 'sort_dir' parameters are deprecated and cannot be used with "
            "the 'sort' parameter.",
        )
    if "sort" in params:
        pairs = [p.partition(":")[::2] for p in params["sort"].strip().split(",")]
    else:
        key, _, direction = listing.default_sort.partition(":")
        pairs = [(params.get("sort_key", key), params.get("sort_dir", direction))]
    pairs = [(k.strip(), d.strip() or "desc") for k, d in pairs]
    for key, direction in pairs:
        if direction not in ("asc", "desc"):
            raise invalid_input("Unknown sort direction, must be 'desc' or 'asc'.")
        if key not in listing.sort_keys:
            raise invalid_input("Invalid sort key")
    names = [k for k, _ in pairs]
    pairs += [(k, pairs[0][1]) for k in ("created_at", "id") if k not in names]
    return [(listing.sort_keys[k], d == "desc") for k, d in pairs]


# -- scope and filters --


def in_scope(request: web.Request, query: Query, items: Iterable[T]) -> list[T]:
    """The caller's project's items; everyone's for an admin asking for all_tenants."""
    project = ctx(request).project_id
    return [i for i in items if query.all_tenants or i.project_id == project]


def matches(item: Any, query: Query, *, strict_bool: bool = True) -> bool:
    """Cinder's exact-match filters; an admin's filter on an unknown field matches nothing."""
    for key, wanted in query.filters.items():
        getter = query.listing.fields.get(key)
        if getter is None or not _match(key, getter(item), wanted, strict_bool):
            return False
    return True


def _match(key: str, value: Any, wanted: str, strict_bool: bool) -> bool:
    if isinstance(value, dict):
        pairs = _literal(wanted)
        return isinstance(pairs, dict) and all(value.get(k) == v for k, v in pairs.items())
    if isinstance(value, bool):
        return value == _boolean(key, wanted, strict_bool)
    if key in ("created_at", "updated_at") and ":" in wanted:
        return _in_time_range(key, value, wanted)
    literal = _literal(wanted)
    return str(value) == str(literal if isinstance(literal, str | int | float) else wanted)


def _literal(text: str) -> Any:
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def _boolean(key: str, text: str, strict: bool) -> bool:
    """From 3.2 only true/false-like words; before, anything but 'false' was true."""
    if not strict:
        return text not in ("False", "false", "FALSE")
    lowered = text.lower()
    if lowered in ("1", "t", "true", "on", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "off", "n", "no"):
        return False
    raise invalid_input(f"'{key} = {text}'")


def _in_time_range(key: str, value: float | None, wanted: str) -> bool:
    """`created_at=gte:2024-01-01T00:00:00,lt:...` (3.60)."""
    for unit in wanted.split(","):
        operator, _, text = unit.partition(":")
        if operator not in _TIME_OPERATORS:
            raise SimError(400, f"Invalid {operator} operator")
        bound = parse_isotime(text)
        if bound is None:
            raise SimError(400, f"Invalid {text} value")
        if value is None or not _compare(operator, value, bound):
            return False
    return True


def _compare(operator: str, value: float, bound: float) -> bool:
    return {
        "gt": value > bound,
        "gte": value >= bound,
        "eq": value == bound,
        "neq": value != bound,
        "lt": value < bound,
        "lte": value <= bound,
    }[operator]


# -- the page and its links --


def select(
    request: web.Request, query: Query, candidates: Iterable[Any], *, strict_bool: bool = True
) -> tuple[list[Any], dict[str, Any]]:
    """Of what the caller may see, the page the query asks for, and what the body says besides
    (links, count).  The marker must be one of `candidates`, matching the filters or not."""
    seen = list(candidates)
    found = [item for item in seen if matches(item, query, strict_bool=strict_bool)]
    ordered = sort_items(found, query.keys)
    marker = None
    if query.marker is not None:
        marker = next((item for item in seen if item.id == query.marker), None)
        if marker is None:
            raise NotFound(query.listing.kind, query.marker)
    shown = page_after(ordered, marker, query.offset + query.limit, query.keys)[query.offset :]
    extra: dict[str, Any] = {}
    total = len(ordered) if query.with_count else len(shown)
    if shown and query.limit <= total:
        extra[query.listing.links_key or f"{query.listing.collection}_links"] = [
            {"href": next_href(request, shown[-1].id), "rel": "next"}
        ]
    if query.with_count:
        extra["count"] = len(ordered)
    return shown, extra


def listed(
    request: web.Request, listing: Listing, items: Iterable[Any], *, strict_bool: bool = True
) -> tuple[list[Any], dict[str, Any]]:
    """The usual list: the caller's project's items (or all, for all_tenants), filtered,
    sorted and paged."""
    query = parse(request, listing)
    return select(request, query, in_scope(request, query, items), strict_bool=strict_bool)


def next_href(request: web.Request, marker: str) -> str:
    """The same list from after `marker`: the request's parameters with the marker last."""
    params = [(k, v) for k, v in request.rel_url.query.items() if k != "marker"]
    path = request.path.split("/volume/v3/", 1)[1]
    if "project_id" in request.match_info:
        path = path.split("/", 1)[1]
    return f"{api_root(request)}/{path}?{urlencode([*params, ('marker', marker)])}"

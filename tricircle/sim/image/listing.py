"""GET /v2/images: who sees what in a list, Glance's filters (operators on names, ids, states,
formats and times; ranges on size), its two sort syntaxes, limit/marker and the `next` link."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

from tricircle.sim.http import (
    Context,
    SimError,
    json_response,
    page_after,
    parse_isotime,
    parse_limit,
    sort_items,
)
from tricircle.sim.image.access import state_of
from tricircle.sim.image.model import Image
from tricircle.sim.image.store import ImageState
from tricircle.sim.service import ctx

MAX_LIMIT = 1000  # api_limit_max
DEFAULT_LIMIT = 25  # limit_param_default
SORT_KEYS = (
    "name",
    "status",
    "container_format",
    "disk_format",
    "size",
    "id",
    "created_at",
    "updated_at",
)
MEMBER_STATUSES = ("pending", "accepted", "rejected", "all")
LIST_VISIBILITIES = ("community", "public", "private", "shared", "all")
# Filters whose value may carry an operator (`in:a,b`, `gte:<time>`).
_WITH_OPERATOR = ("name", "id", "status", "container_format", "disk_format")
_TIMES = ("created_at", "updated_at")
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "eq": lambda a, b: a == b,
    "neq": lambda a, b: a != b,
    "gt": lambda a, b: a > b,
    "gte": lambda a, b: a >= b,
    "lt": lambda a, b: a < b,
    "lte": lambda a, b: a <= b,
}
# Other image columns a filter compares for equality.
_COLUMNS = (
    "owner",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "min_disk",
    "min_ram",
    "size",
    "virtual_size",
)
_NOT_FILTERS = ("limit", "marker", "sort", "sort_key", "sort_dir", "member_status", "tag")

Predicate = Callable[[Image], bool]
SortKey = tuple[Callable[[Image], Any], bool]


def _listed(state: ImageState, image: Image, context: Context, member_status: str) -> bool:
    """Glance's list query: its own, public and community images, and shared ones whose
    membership has the asked status (accepted unless told)."""
    if context.is_admin or image.visibility in ("public", "community"):
        return True
    if image.owner == context.project_id:
        return True
    member = state.membership(image, context.project_id)
    return (
        image.visibility == "shared"
        and member is not None
        and member_status in ("all", member.status)
    )


def _split_operator(value: str) -> tuple[str, str]:
    """`gte:2024-01-01T00:00:00Z` -> (gte, time); a bare ISO time keeps its colons."""
    left, sep, right = value.partition(":")
    if not sep or parse_isotime(value) is not None:
        return "eq", value
    return left, right


def _in_values(text: str) -> list[str]:
    """The values of `in:`: comma separated, double quotes around values holding commas."""
    return [q or p for q, p in re.findall(r'"((?:[^"\\]|\\.)*)",?|([^,]+),?', text)]


def _operator_filter(key: str, value: str) -> Predicate:
    op, operand = _split_operator(value)
    if op == "in":
        wanted = set(_in_values(operand))
        return lambda i: getattr(i, key) in wanted
    if op != "eq":
        raise SimError(400, f"Unable to filter by unknown operator '{op}'.")
    return lambda i: getattr(i, key) == operand


def _time_filter(key: str, value: str) -> Predicate:
    op, operand = _split_operator(value)
    when = parse_isotime(operand)
    if when is None:
        raise SimError(400, f'Bad "{key}" query filter format. Use ISO 8601 DateTime notation.')
    compare = _COMPARE.get(op)
    if compare is None:
        raise SimError(400, "Unable to filter on a unknown operator.")
    return lambda i: compare(int(getattr(i, key)), int(when))


def _range_filter(key: str, value: str) -> Predicate:
    try:
        bound = int(value)
    except ValueError:
        raise SimError(400, "Unable to filter on a range with a non-numeric value.") from None
    attr = key[:-4]
    if key.endswith("_min"):
        return lambda i: getattr(i, attr, None) is not None and getattr(i, attr) >= bound
    return lambda i: getattr(i, attr, None) is not None and getattr(i, attr) <= bound


def _bool_filter(key: str, value: str) -> Predicate:
    if value not in ("true", "false"):
        raise SimError(
            400, f"Invalid value '{value}' for '{key}' filter. Valid values are 'true' or 'false'."
        )
    return lambda i: getattr(i, key) == (value == "true")


def _filters(request: web.Request, context: Context) -> list[Predicate]:
    q = request.rel_url.query
    preds: list[Predicate] = []
    visibility = q.get("visibility")
    if visibility is not None:
        if visibility not in LIST_VISIBILITIES:
            raise SimError(400, f"Invalid visibility value: {visibility}")
        if visibility != "all":
            preds.append(lambda i: i.visibility == visibility)
    else:
        # community images are listed only when asked for, but for their owner
        preds.append(lambda i: i.visibility != "community" or i.owner == context.project_id)
    if "changes-since" in q:
        raise SimError(400, 'The "changes-since" filter is no longer available on v2.')
    hidden = q.get("os_hidden", "false").lower()
    preds.append(_bool_filter("os_hidden", hidden))
    tags = [t.strip() for t in q.getall("tag", [])]
    if tags:
        preds.append(lambda i: set(tags) <= set(i.tags))
    for key, value in q.items():
        if key in (*_NOT_FILTERS, "visibility", "os_hidden"):
            continue
        if key in _WITH_OPERATOR:
            preds.append(_operator_filter(key, value))
        elif key in _TIMES:
            preds.append(_time_filter(key, value))
        elif key.endswith(("_min", "_max")):
            preds.append(_range_filter(key, value))
        elif key == "protected":
            preds.append(_bool_filter(key, value))
        elif key in _COLUMNS:
            preds.append(lambda i, k=key, v=value: str(getattr(i, k)) == v)
        else:  # an additional property, compared as the string it is stored as
            preds.append(lambda i, k=key, v=value: k in i.properties and str(i.properties[k]) == v)
    return preds


def _sort_keys(request: web.Request) -> list[SortKey]:
    q = request.rel_url.query
    keys: list[str] = []
    dirs: list[str] = []
    if "sort" in q:
        if "sort_key" in q or "sort_dir" in q:
            raise SimError(400, "Old and new sorting syntax cannot be combined")
        for part in q["sort"].strip().split(","):
            key, _, direction = part.partition(":")
            keys.append(_sort_key(key.strip()))
            dirs.append(_sort_dir(direction.strip() or "desc"))
    else:
        keys = [_sort_key(k.strip()) for k in q.getall("sort_key", [])]
        dirs = [_sort_dir(d.strip()) for d in q.getall("sort_dir", [])]
        if len(dirs) > 1 and len(dirs) != len(keys):
            raise SimError(400, "Number of sort dirs does not match the number of sort keys")
    keys = keys or ["created_at"]
    default = dirs[0] if len(dirs) == 1 else "desc"
    dirs = dirs if len(dirs) > 1 else [default] * len(keys)
    for tie in ("created_at", "id"):  # Glance makes the order total
        if tie not in keys:
            keys.append(tie)
            dirs.append(default)
    return [(lambda i, k=k: getattr(i, k), d == "desc") for k, d in zip(keys, dirs, strict=True)]


def _sort_key(key: str) -> str:
    if key not in SORT_KEYS:
        raise SimError(
            400,
            f"Invalid sort key: {key}. It must be one of the following: {', '.join(SORT_KEYS)}.",
        )
    return key


def _sort_dir(direction: str) -> str:
    if direction not in ("asc", "desc"):
        raise SimError(400, f"Invalid sort direction: {direction}")
    return direction


async def list_images(request: web.Request) -> web.Response:
    state = state_of(request)
    context = ctx(request)
    q = request.rel_url.query
    member_status = q.get("member_status", "accepted")
    if member_status not in MEMBER_STATUSES:
        raise SimError(400, f"Invalid status: {member_status}")
    limit = min(parse_limit(q.get("limit"), MAX_LIMIT, DEFAULT_LIMIT), MAX_LIMIT)
    keys = _sort_keys(request)
    preds = _filters(request, context)
    marker = None
    if "marker" in q:
        marker = state.visible(q["marker"], context)
        if marker is None and q["marker"] in state.images:
            raise SimError(403, f"Forbidding request, image {q['marker']} not visible")
        if marker is None:
            raise SimError(400, f"No image found with ID {q['marker']}")
    images = [
        i
        for i in state.images.values()
        if _listed(state, i, context, member_status) and all(p(i) for p in preds)
    ]
    page = page_after(sort_items(images, keys), marker, limit, keys)
    params = {k: v for k, v in q.items() if k != "marker"}  # Glance keeps one value a key
    body: dict[str, Any] = {
        "images": [i.view() for i in page],
        "first": f"/v2/images?{urlencode(params)}" if params else "/v2/images",
        "schema": "/v2/schemas/images",
    }
    if page and len(page) == limit:
        body["next"] = f"/v2/images?{urlencode({**params, 'marker': page[-1].id})}"
    return json_response(body)

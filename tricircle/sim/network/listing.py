"""Neutron's list queries: attribute filters (repeated values OR'ed), tag filters, `fields`,
sort keys, and limit/marker/page_reverse paging with `<collection>_links`."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from multidict import MultiDict, MultiDictProxy

from tricircle.sim.http import SimError, sort_items
from tricircle.sim.network.validation import BOOLEANS, to_boolean

TAG_FILTERS = ("tags", "tags-any", "not-tags", "not-tags-any")
PAGING = ("fields", "sort_key", "sort_dir", "limit", "marker", "page_reverse")

Key = tuple[Callable[[dict[str, Any]], Any], bool]


def bad_request(message: str) -> SimError:
    return SimError(400, message, kind="HTTPBadRequest")


def filtered(
    items: Iterable[dict[str, Any]], query: MultiDictProxy[str], filterable: frozenset[str]
) -> list[dict[str, Any]]:
    """The items every filter of the query lets through."""
    names = [k for k in dict.fromkeys(query) if k not in PAGING and k not in TAG_FILTERS]
    invalid = [k for k in names if k not in filterable]
    if invalid:
        raise bad_request(f"{invalid} is invalid attribute for filtering")
    tests = [_attribute_test(k, query.getall(k)) for k in names]
    tests += [_tag_test(k, query.getall(k)) for k in TAG_FILTERS if k in query]
    return [i for i in items if all(test(i) for test in tests)]


def _attribute_test(name: str, values: list[str]) -> Callable[[dict[str, Any]], bool]:
    if name in BOOLEANS:
        truths = {to_boolean(v) for v in values}
        return lambda item: item.get(name) in truths
    wanted = set(values)

    def test(item: dict[str, Any]) -> bool:
        value = item.get(name)
        if name == "fixed_ips":  # ?fixed_ips=ip_address=10.0.0.5, subnet_id=, ip_address_substr=
            return any(_fixed_ip_matches(ip, w) for ip in value or [] for w in wanted)
        return bool(_as_text(value) & wanted)

    return test


def _fixed_ip_matches(ip: dict[str, str], wanted: str) -> bool:
    key, _, text = wanted.partition("=")
    if key == "ip_address_substr":
        return text in ip["ip_address"]
    return ip.get(key) == text


def _as_text(value: Any) -> set[str]:
    if isinstance(value, list):
        return {str(v) for v in value}
    return {"" if value is None else str(value)}


def _tag_test(name: str, values: list[str]) -> Callable[[dict[str, Any]], bool]:
    tags = {t for v in values for t in v.split(",") if t}
    if name == "tags":
        return lambda item: tags <= set(item["tags"])
    if name == "tags-any":
        return lambda item: bool(tags & set(item["tags"]))
    if name == "not-tags":
        return lambda item: not tags <= set(item["tags"])
    return lambda item: not tags & set(item["tags"])


def sort_keys(query: MultiDictProxy[str], sortable: frozenset[str]) -> list[Key]:
    """The query's sort keys, then the id (Neutron pages by id last)."""
    keys = [k for k in query.getall("sort_key", []) if k]
    dirs = [d for d in query.getall("sort_dir", []) if d]
    if len(keys) != len(dirs):
        raise bad_request("The number of sort_keys and sort_dirs must be same")
    absent = [k for k in keys if k not in sortable]
    if absent:
        raise bad_request(f"{absent} is invalid attribute for sort_keys")
    invalid = [d for d in dirs if d not in ("asc", "desc")]
    if invalid:
        raise bad_request(
            f"{invalid} is invalid value for sort_dirs, valid value is 'asc' and 'desc'"
        )
    out: list[Key] = [
        (lambda i, k=k: i.get(k), d == "desc") for k, d in zip(keys, dirs, strict=True)
    ]
    if "id" not in keys:
        out.append((lambda i: i["id"], bool(out) and out[0][1]))
    return out


def limit_of(query: MultiDictProxy[str]) -> int:
    raw = query.get("limit", "0")
    try:
        limit = int(raw)
    except ValueError:
        limit = -1
    if limit < 0:
        raise SimError(
            400,
            f"Bad limit request: Limit must be an integer 0 or greater and not '{raw}'.",
            kind="BadRequest",
        )
    return limit


def page(
    request: web.Request,
    ordered: list[dict[str, Any]],
    keys: list[Key],
    marker: dict[str, Any] | None,
    limit: int,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """One page of `ordered` after (or, with page_reverse, before) the marker, and its links."""
    reverse = request.rel_url.query.get("page_reverse", "False").lower() == "true"
    if marker is not None:
        before, after = _around(ordered, marker, keys)
        ordered = ordered[:before] if reverse else ordered[after:]
    if not limit:
        return ordered, []
    items = ordered[-limit:] if reverse else ordered[:limit]
    links = []
    if not (len(items) < limit and not reverse):
        links.append({"rel": "next", "href": _link(request, items[-1:], reverse=False)})
    if not (len(items) < limit and reverse):
        links.append({"rel": "previous", "href": _link(request, items[:1], reverse=True)})
    return items, links


def _link(request: web.Request, edge: list[dict[str, Any]], *, reverse: bool) -> str:
    params: MultiDict[str] = MultiDict(
        (k, v) for k, v in request.rel_url.query.items() if k not in ("marker", "page_reverse")
    )
    if edge:
        params["marker"] = edge[0]["id"]
    if reverse:
        params["page_reverse"] = "True"
    return f"{request.url.with_query(None)}?{urlencode(list(params.items()))}"


def _around(
    ordered: list[dict[str, Any]], marker: dict[str, Any], keys: list[Key]
) -> tuple[int, int]:
    """Where the items before and after the marker start; one the filters left out counts
    where it would sort (Neutron pages by the marker's sort values, not its place)."""
    for n, item in enumerate(ordered):
        if item["id"] == marker["id"]:
            return n, n + 1
    placed = sort_items([*ordered, marker], keys)
    at = next(n for n, item in enumerate(placed) if item is marker)
    return at, at


def fields_of(item: dict[str, Any], fields: list[str]) -> dict[str, Any]:
    return {k: v for k, v in item.items() if k in fields} if fields else item

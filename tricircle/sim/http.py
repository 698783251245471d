"""Helpers shared by every simulated service: errors, JSON, request ids, paging, sorting."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import msgspec
from aiohttp import web

_encoder = msgspec.json.Encoder()
_decoder = msgspec.json.Decoder()

# Header names are matched case-insensitively by aiohttp; keep OpenStack's spelling on the wire.
REQUEST_ID = "x-openstack-request-id"
# The reason phrases webob puts in Keystone's and Glance's error bodies.
STATUS_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    413: "Request Entity Too Large",
    415: "Unsupported Media Type",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


class SimError(Exception):
    """An API error; the service's middleware renders it in that service's error format."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        kind: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.kind = kind  # Neutron's exception type name ("NetworkNotFound"), when it matters
        self.headers = dict(headers or {})


def json_response(
    body: Any, status: int = 200, headers: Mapping[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=_encoder.encode(body),
        status=status,
        headers=headers,
        content_type="application/json",
    )


async def read_json(request: web.Request, message: str = "Malformed request body") -> Any:
    """The request body as JSON; a 400 with the service's wording when it is not JSON."""
    raw = await request.read()
    if not raw:
        raise SimError(400, message)
    try:
        return _decoder.decode(raw)
    # the services' JSON parsers refuse bad UTF-8 and runaway nesting as malformed too
    except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
        raise SimError(400, message) from None


def new_id() -> str:
    return str(uuid.uuid4())


def new_request_id() -> str:
    return f"req-{uuid.uuid4()}"


def isotime(ts: float, *, micro: bool = False) -> str:
    """`2024-05-01T10:00:00Z` (Nova, Glance) or `...00.000000Z` with microseconds (Keystone)."""
    dt = datetime.fromtimestamp(ts, UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else "%Y-%m-%dT%H:%M:%SZ")


_ISO_RE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"(Z|[+-]\d{2}:?\d{2})?$"
)


def parse_isotime(value: str) -> float | None:
    """Seconds since the epoch for an ISO 8601 time (naive means UTC), None when malformed."""
    m = _ISO_RE.match(value.strip())
    if not m:
        return None
    text = value.strip().replace(" ", "T").replace("Z", "+00:00")
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    return dt.timestamp()


def now() -> float:
    return time.time()


@web.middleware
async def request_id_middleware(request: web.Request, handler: Callable) -> web.StreamResponse:
    """Every response carries `x-openstack-request-id`, errors included."""
    rid = new_request_id()
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID] = rid
        raise
    response.headers[REQUEST_ID] = rid
    return response


def public(handler: Callable) -> Callable:
    """Marks a handler that needs no token (version discovery)."""
    handler.sim_public = True  # type: ignore[attr-defined]
    return handler


def is_public(request: web.Request) -> bool:
    route = request.match_info.route
    return bool(getattr(route.handler, "sim_public", False))


# -- microversions ---------------------------------------------------------------------------

Version = tuple[int, int]

_VERSION_RE = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")


def version_str(v: Version) -> str:
    return f"{v[0]}.{v[1]}"


def parse_version(text: str) -> Version:
    m = _VERSION_RE.match(text)
    if not m:
        raise SimError(
            400,
            f"API Version String {text} is of invalid format. Must be of format MajorNum.MinorNum.",
        )
    return int(m.group(1)), int(m.group(2))


@dataclass(frozen=True)
class Microversions:
    """A service's microversion range and how it names itself in the headers."""

    service: str  # "compute", "volume"
    min: Version
    max: Version
    legacy_header: str | None = None  # "X-OpenStack-Nova-API-Version"

    def negotiate(self, request: web.Request) -> Version:
        requested = self._requested(request)
        if requested is None:
            return self.min
        if requested == "latest":
            return self.max
        version = parse_version(requested)
        if not self.min <= version <= self.max:
            raise SimError(
                406,
                f"Version {requested} is not supported by the API. Minimum is "
                f"{version_str(self.min)} and maximum is {version_str(self.max)}.",
            )
        return version

    def _requested(self, request: web.Request) -> str | None:
        header = request.headers.get("OpenStack-API-Version")
        if header:
            for item in header.split(","):
                parts = item.strip().split(None, 1)
                if len(parts) == 2 and parts[0].lower() == self.service:
                    return parts[1].strip()
        if self.legacy_header:
            legacy = request.headers.get(self.legacy_header)
            if legacy:
                return legacy.strip()
        return None

    def headers(self, version: Version) -> dict[str, str]:
        text = version_str(version)
        out = {"OpenStack-API-Version": f"{self.service} {text}"}
        vary = ["OpenStack-API-Version"]
        if self.legacy_header:
            out[self.legacy_header] = text
            vary.append(self.legacy_header)
        out["Vary"] = ", ".join(vary)
        return out


# -- lists: filtering helpers, sorting, paging -------------------------------------------------


def null_first(value: Any) -> tuple[int, Any]:
    # SQL databases order NULLs before values in ascending order (MySQL, SQLite); mirror that.
    # Text compares as the services' MariaDB/MySQL tables collate it: case-insensitively.
    if isinstance(value, str):
        return (1, value.casefold())
    return (0, "") if value is None else (1, value)


def sort_items(items: list[Any], keys: Sequence[tuple[Callable[[Any], Any], bool]]) -> list[Any]:
    """Stable multi-key sort; each key is (getter, descending)."""
    out = list(items)
    for getter, descending in reversed(keys):
        out.sort(key=lambda item, g=getter: null_first(g(item)), reverse=descending)
    return out


def page_after(
    ordered: list[Any],
    marker: Any | None,
    limit: int,
    keys: Sequence[tuple[Callable[[Any], Any], bool]],
) -> list[Any]:
    """The `limit` items after `marker` in `ordered` (keyset semantics: the marker item need not
    match the filters, it only fixes a position in the order)."""
    start = 0
    if marker is not None:
        try:
            start = next(i for i, item in enumerate(ordered) if item is marker) + 1
        except StopIteration:
            placed = sort_items([*ordered, marker], keys)
            start = next(i for i, item in enumerate(placed) if item is marker)
    return ordered[start : start + limit]


def parse_limit(value: str | None, max_limit: int, default: int | None = None) -> int:
    """`limit` query parameter, capped at the service's maximum (Nova/Glance wording)."""
    if value is None:
        return default if default is not None else max_limit
    try:
        limit = int(value)
    except ValueError:
        raise SimError(400, "limit param must be an integer") from None
    if limit < 0:
        raise SimError(400, "limit param must be positive")
    return min(limit, max_limit)


def next_link(request: web.Request, marker: str, limit: int | None = None) -> str:
    """The request's own URL with `marker` (and `limit`) replaced: what `rel: next` points to."""
    query = [(k, v) for k, v in request.rel_url.query.items() if k not in ("marker", "limit")]
    if limit is not None:
        query.append(("limit", str(limit)))
    query.append(("marker", marker))
    return str(request.url.with_query(query))


def query_list(request: web.Request, name: str) -> list[str]:
    """All values of a repeated query parameter, comma lists split (`tags=a,b&tags=c`)."""
    out: list[str] = []
    for value in request.rel_url.query.getall(name, []):
        out.extend(v for v in value.split(",") if v)
    return out


def truthy(value: str | None) -> bool:
    return value is not None and value.lower() not in ("0", "false", "f", "no", "n", "off")


def base_url(request: web.Request) -> str:
    """Scheme and host the client used, so links point back through any proxy."""
    return f"{request.scheme}://{request.host}"


@dataclass
class Context:
    """Who is calling, from a validated Keystone token."""

    user_id: str
    project_id: str | None
    roles: frozenset[str] = field(default_factory=frozenset)
    token: str = ""

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles

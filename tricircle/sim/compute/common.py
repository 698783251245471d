"""Lookups and validation shared by the compute handlers."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.compute.model import ComputeState, Server
from tricircle.sim.http import SimError, base_url
from tricircle.sim.service import ctx, pod_of


def state(request: web.Request) -> ComputeState:
    return pod_of(request).compute


def api_base(request: web.Request) -> str:
    return f"{base_url(request)}/compute/v2.1"


def get_server(request: web.Request, server_id: str | None = None) -> Server:
    """The server named in the path, if the caller may see it (404 otherwise, as Nova)."""
    server_id = server_id or request.match_info["server_id"]
    server = state(request).servers.get(server_id)
    context = ctx(request)
    if server is None or (server.project_id != context.project_id and not context.is_admin):
        raise SimError(404, f"Instance {server_id} could not be found.")
    return server


def check_locked(request: web.Request, server: Server) -> None:
    # Nova lets the admin act on a locked server; owners are refused.
    if server.locked_by is not None and not ctx(request).is_admin:
        raise SimError(409, f"Instance {server.id} is locked")


def invalid(field: str, value: Any, reason: str) -> SimError:
    """A JSON-schema failure worded like Nova's validator."""
    return SimError(400, f"Invalid input for field/attribute {field}. Value: {value}. {reason}")


def body_of(body: Any, key: str) -> dict[str, Any]:
    if not isinstance(body, dict) or not isinstance(body.get(key), dict):
        raise invalid(key, body, f"'{key}' is a required property")
    return body[key]


def check_name(value: Any, field: str = "name") -> str:
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string'")
    if not value or len(value) > 255:
        raise invalid(field, value, f"{value!r} is too {'short' if not value else 'long'}")
    if value != value.strip():
        raise invalid(field, value, f"{value!r} does not match '^(?! )[^\\x00-\\x1f]*(?<! )$'")
    return value


def check_metadata(value: Any, field: str = "metadata") -> dict[str, str]:
    if not isinstance(value, dict):
        raise invalid(field, value, f"{value!r} is not of type 'object'")
    for k, v in value.items():
        if not 1 <= len(k) <= 255:
            raise invalid(
                field, value, f"Additional properties are not allowed ({k!r} was unexpected)"
            )
        if not isinstance(v, str) or len(v) > 255:
            raise invalid(f"{field}/{k}", v, f"{v!r} is not of type 'string'")
    return dict(value)


def positive_int(value: Any, field: str) -> int:
    if isinstance(value, bool) or not (
        isinstance(value, int) or (isinstance(value, str) and value.isdigit())
    ):
        raise invalid(field, value, f"{value!r} is not of type 'integer', 'string'")
    number = int(value)
    if number < 1:
        raise invalid(field, value, f"{value!r} is less than the minimum of 1")
    return number


def ref_id(value: Any, field: str) -> str:
    """Nova accepts ids or URLs ending with the id for flavorRef and imageRef."""
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    if not isinstance(value, str):
        raise invalid(field, value, f"{value!r} is not of type 'string', 'integer'")
    return value.rstrip("/").rsplit("/", 1)[-1]


def only_from(mv: tuple[int, int], minimum: tuple[int, int], field: str) -> None:
    """A request key that the requested microversion does not know yet."""
    if mv < minimum:
        raise SimError(
            400,
            "Invalid input for field/attribute server. Value: ... . "
            f"Additional properties are not allowed ('{field}' was unexpected)",
        )

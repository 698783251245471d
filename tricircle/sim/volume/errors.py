"""Cinder's error bodies and the exceptions its handlers raise most."""

from __future__ import annotations

from aiohttp import web

from tricircle.openstack_errors import nova_fault
from tricircle.sim.http import SimError, json_response
from tricircle.sim.volume.validation import is_uuid

# What Cinder answers when a request is not understood at all (webob's HTTPBadRequest).
NOT_UNDERSTOOD = (
    "The server could not comply with the request since it is either malformed or otherwise "
    "incorrect."
)


def render_cinder_fault(request: web.Request, err: SimError) -> web.Response:
    """wsgi.Fault: `{"badRequest": {"code": 400, "message": ...}}`, Nova's shape; over-quota
    answers also say when to retry, and a refused version is echoed back."""
    body = nova_fault(err.status, err.message)
    headers = dict(err.headers)
    if "Retry-After" in headers:
        body["overLimit"]["retryAfter"] = headers["Retry-After"]
    if err.status == 406:
        asked = request.headers.get("OpenStack-API-Version", "")
        headers.update({"OpenStack-API-Version": asked, "Vary": "OpenStack-API-Version"})
    return json_response(body, err.status, headers)


class NotFound(SimError):
    """`Volume <id> could not be found.` and its kin."""

    def __init__(self, kind: str, ident: str) -> None:
        super().__init__(404, f"{kind} {ident} could not be found.")


def type_not_found(ref: str) -> SimError:
    """Cinder looks a type up by id when the reference looks like one, else by name."""
    if is_uuid(ref):
        return NotFound("Volume type", ref)
    return SimError(404, f"Volume type with name {ref} could not be found.")


def invalid_volume(reason: str) -> SimError:
    return SimError(400, f"Invalid volume: {reason}")


def invalid_input(reason: str) -> SimError:
    return SimError(400, f"Invalid input received: {reason}")


def over_quota(kind: str, message: str) -> SimError:
    """A QuotaError: 413, named after the exception class as Cinder's fault wrapper names it."""
    return SimError(413, f"{kind}: {message}", headers={"Retry-After": "0"})


def either(statuses: tuple[str, ...]) -> str:
    """Cinder's build_or_str: 'available or in-use'."""
    return " or ".join(statuses)

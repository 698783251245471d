"""Glance's error bodies (webob's error pages) and the refusals its handlers share."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import STATUS_TITLES, SimError, json_response

_TITLES = {**STATUS_TITLES, 416: "Request Range Not Satisfiable"}


def render_glance_error(request: web.Request, err: SimError) -> web.Response:
    """Glance answers with webob's error pages: JSON when asked for, plain text otherwise."""
    title = _TITLES.get(err.status, "Error")
    code = f"{err.status} {title}"
    message = err.message if err.kind == _WORDED else f"{err.message}<br /><br />\n\n\n"
    if "application/json" in request.headers.get("Accept", ""):
        body = {"message": message, "code": code, "title": title}
        return json_response(body, err.status, err.headers)
    return web.Response(
        text=f"{code}\n\n{message.replace('<br /><br />', '')}\n\n   ",
        status=err.status,
        headers=err.headers,
        content_type="text/plain",
    )


# webob's own explanation when Glance raises an error without one.
NOT_FOUND = "The resource could not be found."
# webob's explanation of a status, which it puts before a detail Glance gives instead of one
_EXPLANATIONS = {
    403: "Access was denied to this resource.",
    409: "There was a conflict when trying to complete your request.",
}
_WORDED = "worded"  # a SimError kind: the message is webob's whole text already


def detailed(status: int, detail: str) -> SimError:
    """An error Glance raised with a detail rather than an explanation."""
    text = f"{_EXPLANATIONS[status]}<br /><br />\n{detail}\n\n"
    return SimError(status, text, kind=_WORDED)


def unsupported_media_type(content_type: str, headers: dict[str, str] | None = None) -> SimError:
    """webob's own 415, naming the request's media type."""
    text = f"The request media type {content_type} is not supported by this server.\n<br /><br />\n"
    return SimError(415, text, kind=_WORDED, headers=headers)


def not_authorized(action: str) -> SimError:
    """A policy rule refused: oslo.policy's wording through Glance's Forbidden."""
    return SimError(403, f"You are not authorized to complete {action} action.")


def read_only(key: str) -> SimError:
    return SimError(403, f"Attribute '{key}' is read-only.")


def reserved(key: str) -> SimError:
    return SimError(403, f"Attribute '{key}' is reserved.")


def no_image(image_id: str) -> SimError:
    return SimError(404, f"No image found with ID {image_id}")


def image_not_found(image_id: str) -> SimError:
    """How the tag and member handlers word it."""
    return SimError(404, f"Image {image_id} not found.")

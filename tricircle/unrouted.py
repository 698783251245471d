"""Nova's answer to a call no route of its takes (an unknown path, or a known one with a
method it does not take): the web framework's plain 404, not a Nova fault, as JSON, HTML
or text as the Accept header asks."""

from __future__ import annotations

import json
import re

from aiohttp import web

_MESSAGE = "The resource could not be found."
# APIs Nova removed (nova-network, cells v1, ...): their routes stay and answer 410
_REMOVED = re.compile(
    r"^/(os-cells|os-cloudpipe|os-fping|os-floating-ips-bulk|os-floating-ip-dns"
    r"|os-security-group-default-rules)(/.*)?$|^/os-fixed-ips/.+$|^/os-agents$"
)
GONE = "This resource is no longer available. No forwarding address is given."


def removed(path: str) -> bool:
    """Whether `path` (below the version, e.g. "/os-cells") is an API Nova removed."""
    return _REMOVED.match(path) is not None


_HTML = (
    "<html>\n <head>\n  <title>404 Not Found</title>\n </head>\n <body>\n"
    f"  <h1>404 Not Found</h1>\n  {_MESSAGE}<br /><br />\n\n\n\n </body>\n</html>"
)


def _preferred(accept: str | None) -> str | None:
    """The first of text/html and application/json the Accept header takes, by its q order
    (a missing header takes both)."""
    if accept is None:
        return "text/html"
    ranges: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        q = next((p[2:] for p in params if p.startswith("q=")), "1")
        try:
            ranges.append((-float(q), index, media.lower()))
        except ValueError:
            continue
    for quality, _, media in sorted(ranges):
        for offer in ("text/html", "application/json"):
            kind = offer.split("/")[0]
            if quality < 0 and media in (offer, f"{kind}/*", "*/*"):
                return offer
    return None


def not_found_response(request: web.Request) -> web.Response:
    match _preferred(request.headers.get("Accept")):
        case "text/html":
            return web.Response(status=404, text=_HTML, content_type="text/html")
        case "application/json":
            message = f"{_MESSAGE}<br /><br />\n\n\n"
            body = {"message": message, "code": "404 Not Found", "title": "Not Found"}
            return web.Response(status=404, text=json.dumps(body), content_type="application/json")
    return web.Response(status=404, text=f"404 Not Found\n\n{_MESSAGE}\n\n   ")

"""``/os-console-auth-tokens/{token}``: the pod that issued the token answers.

A console token is made by the pod of the server whose console was asked for (remote
consoles are routed there), and only that pod knows it; Nova looks in each cell the
same way. Any other pod's answer is Nova's own refusal (400 below 2.31, 403, 404).
"""

from __future__ import annotations

from aiohttp import web

from tricircle.kit.calls import relay
from tricircle.kit.fanout import ask_each
from tricircle.web.errors import not_found
from tricircle.web.services import services_of

routes = web.RouteTableDef()


@routes.get("/v2.1/os-console-auth-tokens/{token}")
async def console_token(request: web.Request) -> web.Response:
    path = f"/os-console-auth-tokens/{request.match_info['token']}"
    pods = [p for p in (await services_of(request).directory.pods()).values() if p.enabled]
    answers = [(p, a) for p, a in await ask_each(request, pods, path) if a is not None]
    # the token's pod first, then a refusal every pod gives (400, 403), then a 404
    answers.sort(key=lambda found: (not found[1].ok, found[1].status == 404))
    if answers:
        return relay(request, *answers[0])
    raise not_found("Token not found")

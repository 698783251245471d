"""A project's limits over the pods it may use: until the top owns quotas, each pod's
maximum is the smallest any pod allows and usage is summed (Nova and Cinder write
``/limits`` the same way: ``total*Used`` counts, the rest maxima, -1 unlimited)."""

from __future__ import annotations

from aiohttp import web

from tricircle.kit.calls import relay
from tricircle.kit.fanout import ask_each
from tricircle.kit.placement import usable_pods
from tricircle.web.errors import ApiError
from tricircle.web.http import json_response
from tricircle.web.services import context_of, services_of


def smallest_limit(have: int | None, value: int) -> int:
    """The smaller of two quota limits, -1 (unlimited) being larger than any number."""
    if have is None or have < 0:
        return value
    return have if value < 0 else min(have, value)


def _merged(absolutes: list[dict[str, int]]) -> dict[str, int]:
    merged: dict[str, int] = {}
    for absolute in absolutes:
        for name, value in absolute.items():
            if name.startswith("total") and name.endswith("Used"):
                merged[name] = merged.get(name, 0) + value
            else:
                merged[name] = smallest_limit(merged.get(name), value)
    return merged


async def pods_limits(request: web.Request) -> web.Response:
    services, context = services_of(request), context_of(request)
    pods = [p for p in await usable_pods(services, context.project_id) if p.enabled]
    absolutes = []
    for pod, answer in await ask_each(request, pods, "/limits", params=request.query):
        if answer is not None and answer.status in (400, 403, 404):
            return relay(request, pod, answer)  # the client's call is wrong in every pod
        if answer is not None and answer.ok:
            absolutes.append(answer.json()["limits"]["absolute"])
    if not absolutes:
        raise ApiError(503, "No pod could report limits.")
    return json_response({"limits": {"rate": [], "absolute": _merged(absolutes)}})

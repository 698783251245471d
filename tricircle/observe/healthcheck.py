"""``/healthcheck`` as oslo.middleware's healthcheck answers it, for load balancers and admins.

200 "OK" while this process can reach its database (204 to HEAD), 503 with the reason
otherwise. A caller asking for JSON with an admin token also gets every pod's admin
state and the health this process observes; anyone else only the verdict.
"""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web
from sqlalchemy import text

from tricircle.pods.directory import PodInfo
from tricircle.web.http import json_response, public
from tricircle.web.services import Services, services_of

LOG = logging.getLogger(__name__)
# a load balancer's check must answer before the balancer gives up on it
DATABASE_TIMEOUT = 5.0


async def database_problem(services: Services) -> str | None:
    """None while the database answers, else why not (without its URL or password)."""
    try:
        async with asyncio.timeout(DATABASE_TIMEOUT):
            async with services.db.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except TimeoutError:
        return f"The database did not answer within {DATABASE_TIMEOUT:g} s."
    except Exception as exc:
        LOG.warning("healthcheck: the database cannot be reached: %r", exc)
        return "The database cannot be reached."
    return None


def pod_report(services: Services, pod: PodInfo) -> dict[str, object]:
    health = services.pods.health
    return {
        "id": pod.id,
        "name": pod.name,
        "az_name": pod.az_name,
        "region_name": pod.region_name,
        "admin_state": pod.state,
        "health": "down" if health.is_down(pod.id) else "up",
        "reason": health.reason(pod.id),
    }


@public
async def healthcheck(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    problem = await database_problem(services)
    reason = problem or "OK"
    status = 503 if problem else (204 if request.method == "HEAD" else 200)
    if request.method == "HEAD":
        return web.Response(status=status)
    if "application/json" not in request.headers.get("Accept", ""):
        return web.Response(status=status, text=reason)
    caller = await services.caller(request.headers.get("X-Auth-Token"))
    if caller is None or not caller.is_admin:
        return json_response({"reasons": [reason]}, status=status)
    pods = sorted((await services.directory.pods()).values(), key=lambda pod: pod.name)
    return json_response(
        {
            "detailed": True,
            "reasons": [
                {"reason": reason, "class": "DatabaseCheck", "details": services.db.backend}
            ],
            "pods": [pod_report(services, pod) for pod in pods],
        },
        status=status,
    )

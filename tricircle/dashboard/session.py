"""The dashboard's session: a Keystone token in a cookie, nothing else kept anywhere."""

from __future__ import annotations

import aiohttp
from aiohttp import web

from tricircle.web.services import Services

COOKIE = "tricircle_dashboard_token"


class LoginRefused(Exception):
    """What to tell the person at the login form."""


async def keystone_login(
    services: Services, user: str, password: str, project: str, domain: str
) -> str:
    """A project-scoped token of an administrator, or LoginRefused saying why not."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"name": domain}, "password": password}
                },
            },
            "scope": {"project": {"name": project, "domain": {"name": domain}}},
        }
    }
    url = f"{services.service_auth.auth_url}/auth/tokens"
    try:
        async with services.http.post(url, json=body) as answer:
            if answer.status in (401, 403, 404):
                raise LoginRefused("Keystone did not accept these credentials.")
            if answer.status != 201:
                raise LoginRefused(f"Keystone answered {answer.status}.")
            token = answer.headers["X-Subject-Token"]
    except aiohttp.ClientError as exc:
        raise LoginRefused("Keystone cannot be reached.") from exc
    context = await services.caller(token)
    if context is None or not services.policy.allows("admin_api", context):
        raise LoginRefused("Only administrators may use the dashboard.")
    return token


def keep_token(response: web.StreamResponse, request: web.Request, token: str) -> None:
    # HttpOnly: no script reads it; Strict: no other site's form can post with it
    response.set_cookie(
        COOKIE,
        token,
        path="/dashboard",
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def forget_token(response: web.StreamResponse) -> None:
    response.del_cookie(COOKIE, path="/dashboard")

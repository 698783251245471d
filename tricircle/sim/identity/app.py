"""The Keystone application: version documents and the route table."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import json_response, public, request_id_middleware
from tricircle.sim.identity import assignments, directory, entities, tokens
from tricircle.sim.identity.access import IDENTITY
from tricircle.sim.identity.errors import keystone_errors
from tricircle.sim.identity.store import IdentityStore
from tricircle.sim.identity.views import base


def _version_doc(root: str) -> dict[str, Any]:
    return {
        "id": "v3.14",
        "status": "stable",
        "updated": "2020-04-07T00:00:00Z",
        "links": [{"rel": "self", "href": f"{root}/v3/"}],
        "media-types": [
            {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
        ],
    }


@public
async def versions(request: web.Request) -> web.Response:
    return json_response({"versions": {"values": [_version_doc(base(request))]}}, 300)


@public
async def version_v3(request: web.Request) -> web.Response:
    return json_response({"version": _version_doc(base(request))})


def add_routes(app: web.Application) -> None:
    r = app.router
    r.add_get("/", versions)
    r.add_get("/v3", version_v3)
    r.add_get("/v3/", version_v3)
    r.add_post("/v3/auth/tokens", tokens.issue_token)
    r.add_get("/v3/auth/tokens", tokens.validate_token, allow_head=False)
    r.add_route("HEAD", "/v3/auth/tokens", tokens.check_token)
    r.add_delete("/v3/auth/tokens", tokens.revoke_token)
    r.add_get("/v3/auth/catalog", tokens.auth_catalog)
    r.add_get("/v3/auth/projects", tokens.auth_projects)
    r.add_get("/v3/regions", directory.list_regions)
    r.add_get("/v3/services", directory.list_services)
    r.add_get("/v3/endpoints", directory.list_endpoints)
    r.add_get("/v3/{kind:projects|users|roles|domains}", directory.list_entities)
    r.add_get("/v3/{kind:projects|users|roles|domains}/{id}", directory.show_entity)
    r.add_post("/v3/projects", entities.create_project)
    r.add_post("/v3/users", entities.create_user)
    r.add_delete("/v3/projects/{id}", entities.delete_project)
    r.add_delete("/v3/users/{id}", entities.delete_user)
    r.add_get("/v3/role_assignments", assignments.list_assignments)
    for target in ("/v3/{target:projects|domains}/{target_id}", "/v3/system"):
        roles = f"{target}/users/{{user_id}}/roles"
        r.add_get(roles, assignments.list_roles)
        r.add_put(f"{roles}/{{role_id}}", assignments.grant)
        r.add_get(f"{roles}/{{role_id}}", assignments.check)
        r.add_delete(f"{roles}/{{role_id}}", assignments.revoke)


def build_app(store: IdentityStore) -> web.Application:
    app = web.Application(middlewares=[request_id_middleware, keystone_errors])
    app[IDENTITY] = store
    add_routes(app)
    return app

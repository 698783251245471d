"""Keystone's identity admin calls that change the directory: create and delete projects and
users, as Keystone v3 answers them."""

from __future__ import annotations

import uuid
from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response, read_json
from tricircle.sim.identity.access import require_admin, store_of
from tricircle.sim.identity.model import Project, User
from tricircle.sim.identity.store import IdentityStore
from tricircle.sim.identity.views import project_view, user_view


def _entity(body: Any, kind: str) -> dict[str, Any]:
    """The `kind` object of a create body, with a name, as Keystone's schema demands."""
    entity = body.get(kind) if isinstance(body, dict) else None
    if not isinstance(entity, dict):
        raise SimError(400, f"Invalid input for field '{kind}': '{kind}' is a required property")
    name = entity.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 64:
        raise SimError(400, f"Invalid input for field 'name': {name!r} is not a valid name")
    return entity


def _domain_id(request: web.Request, entity: dict[str, Any]) -> str:
    domain_id = entity.get("domain_id", "default")
    if domain_id not in store_of(request).domains:
        raise SimError(400, f"Could not find domain: {domain_id}.")
    return domain_id


async def _creation(request: web.Request, kind: str) -> tuple[IdentityStore, dict[str, Any], str]:
    """The store, the `kind` object of the body and its domain, for an admin's create."""
    require_admin(request)
    entity = _entity(await read_json(request), kind)
    return store_of(request), entity, _domain_id(request, entity)


async def create_project(request: web.Request) -> web.Response:
    store, entity, domain_id = await _creation(request, "project")
    if store.find_project(entity["name"], domain_id) is not None:
        raise SimError(
            409,
            "Conflict occurred attempting to store project - it is not permitted to have two "
            f"projects with the same name in the same domain : {entity['name']}.",
        )
    project = Project(
        uuid.uuid4().hex,
        entity["name"],
        domain_id,
        enabled=bool(entity.get("enabled", True)),
        description=str(entity.get("description") or ""),
    )
    store.projects[project.id] = project
    return json_response({"project": project_view(request, project)}, 201)


async def create_user(request: web.Request) -> web.Response:
    store, entity, domain_id = await _creation(request, "user")
    if store.find_user(entity["name"], domain_id) is not None:
        raise SimError(
            409,
            "Conflict occurred attempting to store user - Duplicate entry found with name "
            f"{entity['name']} at domain ID {domain_id}.",
        )
    project_id = entity.get("default_project_id")
    if project_id is not None and project_id not in store.projects:
        raise SimError(400, f"Could not find project: {project_id}.")
    user = User(
        uuid.uuid4().hex,
        entity["name"],
        domain_id,
        str(entity.get("password") or ""),
        default_project_id=project_id,
        enabled=bool(entity.get("enabled", True)),
    )
    store.users[user.id] = user
    return json_response({"user": user_view(request, user)}, 201)


async def delete_project(request: web.Request) -> web.Response:
    require_admin(request)
    store, project_id = store_of(request), request.match_info["id"]
    if project_id not in store.projects:
        raise SimError(404, f"Could not find project: {project_id}.")
    store.delete_project(project_id)
    return web.Response(status=204)


async def delete_user(request: web.Request) -> web.Response:
    require_admin(request)
    store, user_id = store_of(request), request.match_info["id"]
    if user_id not in store.users:
        raise SimError(404, f"Could not find user: {user_id}.")
    store.delete_user(user_id)
    return web.Response(status=204)

"""``/os-keypairs``: kept per user at the top, imported into a pod when a server boots there."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.copies import KEYPAIRS, keypair_routing_id
from tricircle.gateway.compute.keys import InvalidKey, fingerprint, generate
from tricircle.gateway.compute.quotas import keypair_counter, over_quota
from tricircle.kit.calls import version_of
from tricircle.kit.copies import drop_copies
from tricircle.kit.links import next_link
from tricircle.kit.microversions import Version
from tricircle.quota.gate import reserved
from tricircle.quota.resources import COMPUTE
from tricircle.top.keypairs import KeypairExists, KeypairStore
from tricircle.top.models import Keypair
from tricircle.web.errors import bad_request, conflict, not_found
from tricircle.web.http import json_response, query_int, read_json
from tricircle.web.services import context_of, services_of
from tricircle.web.validation import string, wrapped

LOG = logging.getLogger(__name__)
routes = web.RouteTableDef()

CREATE = wrapped(
    "keypair",
    {
        "name": string(255, 1),
        "public_key": string(65535),
        "type": {"enum": ["ssh", "x509"]},
        "user_id": string(64, 1),
    },
    ("name",),
)


def _owner(request: web.Request, asked: str | None) -> str:
    context = context_of(request)
    if asked is None or asked == context.user_id:
        return context.user_id
    if version_of(request) < Version(2, 10):
        raise bad_request("user_id is not supported before microversion 2.10")
    services_of(request).policy.authorize("compute:keypairs:other_user", context)
    return asked


def _name_is_safe(name: str, version: Version) -> bool:
    allowed = set("-_ ") | ({"@", "."} if version >= Version(2, 92) else set())
    return name.strip() == name and all(c.isalnum() or c in allowed for c in name)


def keypair_view(request: web.Request, keypair: Keypair, *, full: bool) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": keypair.name,
        "public_key": keypair.public_key,
        "fingerprint": keypair.fingerprint,
    }
    if version_of(request) >= Version(2, 2):
        view["type"] = keypair.type
    if full:
        view.update(
            user_id=keypair.user_id,
            created_at=keypair.created_at.isoformat(),
            deleted=False,
            deleted_at=None,
            updated_at=None,
            id=abs(hash((keypair.user_id, keypair.name))) % 2**31,
        )
    return view


@routes.get("/v2.1/os-keypairs")
async def list_keypairs(request: web.Request) -> web.Response:
    services = services_of(request)
    user = _owner(request, request.query.get("user_id"))
    paged = version_of(request) >= Version(2, 35)
    limit = query_int(request, "limit", default=None) if paged else None
    marker = request.query.get("marker") if paged else None
    if marker is not None and await KeypairStore(services.db).get(user, marker) is None:
        raise bad_request(f"marker [{marker}] not found")
    found = await KeypairStore(services.db).of_user(user, limit=limit, marker=marker)
    body: dict[str, Any] = {
        "keypairs": [{"keypair": keypair_view(request, k, full=False)} for k in found]
    }
    if limit is not None and len(found) == limit and found:
        body["keypairs_links"] = next_link(request, "os-keypairs", found[-1].name)
    return json_response(body)


@routes.post("/v2.1/os-keypairs")
async def create_keypair(request: web.Request) -> web.Response:
    services = services_of(request)
    version = version_of(request)
    body = await read_json(request)
    CREATE.validate(body)
    wanted = body["keypair"]
    if "type" in wanted and version < Version(2, 2):
        raise bad_request("Invalid input for field/attribute keypair. 'type' is not supported")
    user = _owner(request, wanted.get("user_id"))
    name, key_type = wanted["name"], wanted.get("type", "ssh")
    if not _name_is_safe(name, version):
        raise bad_request("Keypair data is invalid: Keypair name contains unsafe characters")
    private_key = None
    public_key = wanted.get("public_key")
    if public_key is None:
        if version >= Version(2, 92):
            raise bad_request(
                "Invalid input for field/attribute keypair. 'public_key' is a required property"
            )
        public_key, private_key = await asyncio.to_thread(generate)
    try:
        print_ = fingerprint(public_key, key_type)
    except InvalidKey:
        raise bad_request("Keypair data is invalid: failed to generate fingerprint") from None
    # the user's key pairs are counted under the project's quota lock: racing creates
    # cannot both take the last one
    quota = {"key_pairs": 1}
    counter = keypair_counter(user)
    async with reserved(request, COMPUTE, quota, over_quota, counter=counter, user_id=user):
        try:
            keypair = await KeypairStore(services.db).create(
                user_id=user, name=name, type=key_type, public_key=public_key, fingerprint=print_
            )
        except KeypairExists:
            raise conflict(f"Key pair '{name}' already exists.") from None
    view = keypair_view(request, keypair, full=False)
    view["user_id"] = user
    if private_key is not None:
        view["private_key"] = private_key
    return json_response({"keypair": view}, status=201 if version >= Version(2, 2) else 200)


@routes.get("/v2.1/os-keypairs/{name}")
async def show_keypair(request: web.Request) -> web.Response:
    services = services_of(request)
    user = _owner(request, request.query.get("user_id"))
    keypair = await KeypairStore(services.db).get(user, request.match_info["name"])
    if keypair is None:
        raise not_found(f"Keypair {request.match_info['name']} not found for user {user}")
    return json_response({"keypair": keypair_view(request, keypair, full=True)})


@routes.delete("/v2.1/os-keypairs/{name}")
async def delete_keypair(request: web.Request) -> web.Response:
    services = services_of(request)
    user = _owner(request, request.query.get("user_id"))
    name = request.match_info["name"]
    if not await KeypairStore(services.db).delete(user, name):
        raise not_found(f"Keypair {name} not found for user {user}")
    await drop_copies(request, KEYPAIRS, keypair_routing_id(user, name))
    return web.Response(status=204 if version_of(request) >= Version(2, 2) else 202)

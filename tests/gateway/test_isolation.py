"""Tenant isolation on every route the gateway serves.

Two tenants are made through Keystone's identity admin API: alice of project alpha owns a
server, a key pair, a private flavor and a volume; bob of project beta and four kinds of
caller then try every route of the gateway's router (new routes join by themselves) with
alpha's ids. What the real services answer: no token or an expired one 401; a token without
a project scope 403; bob 403 from the admin API and a 4xx for anything of alpha's, and no
answer that shows him one of alpha's ids. Afterwards alpha's resources are as they were and
still reachable by alice: bob's calls changed nothing and dropped no route.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import web

from tests.gateway.harness import IMAGE_ID, Client, Gateway
from tests.gateway.scopes import DOMAIN, token_with_scope
from tricircle.sim.identity.model import Scope

PASSWORD = "isolation-pw"
ANY_METHOD = ("GET", "POST", "PUT", "DELETE")


@dataclass
class Tenant:
    project_id: str
    client: Client


@dataclass
class Alpha:
    """alice's resources: the ids nobody else may reach or see."""

    tenant: Tenant
    server_id: str
    keypair: str
    flavor_id: str
    volume_id: str

    def ids(self) -> tuple[str, ...]:
        return (self.server_id, self.keypair, self.flavor_id, self.volume_id)


def routes(app: web.Application) -> Iterator[tuple[str, str, bool]]:
    """(method, path template, public) of every route, sub-applications included."""
    for resource in app.router.resources():
        info = resource.get_info()
        if "app" in info:
            yield from routes(info["app"])
            continue
        for route in resource:
            if route.method == "HEAD":
                continue
            public = getattr(route.handler, "public", False)
            for method in ANY_METHOD if route.method == "*" else (route.method,):
                yield method, resource.canonical, public


def concrete(template: str, method: str, alpha: Alpha, gateway: Gateway) -> str:
    """The path with alpha's ids (and harmless values) in its placeholders."""
    values = {
        "server_id": alpha.server_id,
        "flavor_id": alpha.flavor_id,
        "name": alpha.keypair,
        "id": alpha.volume_id,
        "project_id": alpha.tenant.project_id,
        "target": alpha.tenant.project_id,
        "image_id": IMAGE_ID,
        "pod_id": next(iter(gateway.sim.pods)),
        "tail": {"POST": "action", "DELETE": "metadata/k"}.get(method, "metadata"),
    }
    path = template
    while "{" in path:
        start, end = path.index("{"), path.index("}")
        name = path[start + 1 : end].split(":")[0]
        path = path[:start] + values.get(name, "1") + path[end + 1 :]
    return path


def body_for(path: str, method: str) -> Any:
    """A request a tenant could mean: writes that would change alpha's things if let through."""
    if method not in ("POST", "PUT"):
        return None
    if path.endswith("/action"):
        if "/flavors/" in path:
            return {"addTenantAccess": {"tenant": "intruder"}}
        return {"os-stop": None} if "/servers/" in path else {"os-extend": {"new_size": 9}}
    if path.endswith("/metadata"):
        return {"metadata": {"pwned": "yes"}}
    if "/servers/" in path:
        return {"server": {"name": "pwned"}}
    if "/volumes/" in path:
        return {"volume": {"name": "pwned"}}
    return {}


async def _tenant(gateway: Gateway, admin: Client, name: str) -> Tenant:
    """A project and its member, made as an operator would: with Keystone's admin API."""
    identity = gateway.sim.identity_url
    headers = {"X-Auth-Token": admin.token}

    async def call(method: str, path: str, json: Any = None) -> Any:
        async with admin.http.request(method, identity + path, json=json, headers=headers) as reply:
            assert reply.status in (200, 201, 204), await reply.text()
            return await reply.json() if reply.status != 204 else None

    project = (await call("POST", "/projects", {"project": {"name": f"{name}-project"}}))["project"]
    user = (await call("POST", "/users", {"user": {"name": name, "password": PASSWORD}}))["user"]
    member = (await call("GET", "/roles?name=member"))["roles"][0]["id"]
    await call("PUT", f"/projects/{project['id']}/users/{user['id']}/roles/{member}")
    return Tenant(project["id"], await gateway.client(name, project["name"], PASSWORD))


async def _alpha(gateway: Gateway, admin: Client, alice: Tenant) -> Alpha:
    flavor = {"name": "alpha-only", "ram": 64, "vcpus": 1, "disk": 1, "id": "alpha-only"}
    flavor["os-flavor-access:is_public"] = False
    assert (await admin.post("/compute/v2.1/flavors", {"flavor": flavor})).status == 200
    access = {"addTenantAccess": {"tenant": alice.project_id}}
    assert (await admin.post("/compute/v2.1/flavors/alpha-only/action", access)).status == 200
    keypair = await alice.client.post(
        "/compute/v2.1/os-keypairs", {"keypair": {"name": "alice-key"}}
    )
    assert keypair.status == 200, keypair.body
    server = {
        "name": "alpha-vm",
        "flavorRef": "alpha-only",
        "imageRef": IMAGE_ID,
        "networks": "none",
        "key_name": "alice-key",
        "metadata": {"owner": "alice"},
    }
    created = await alice.client.post("/compute/v2.1/servers", {"server": server})
    assert created.status == 202, created.body
    volume = await alice.client.post(
        "/volume/v3/volumes", {"volume": {"size": 1, "name": "alpha-vol"}}
    )
    assert volume.status == 202, volume.body
    return Alpha(
        alice, created.body["server"]["id"], "alice-key", "alpha-only", volume.body["volume"]["id"]
    )


async def _alphas_view(alpha: Alpha, admin: Client) -> dict[str, Any]:
    """What alice (and the admin, for the flavor's access list) see of alpha's things."""
    alice = alpha.tenant.client
    server = await alice.get(f"/compute/v2.1/servers/{alpha.server_id}")
    volume = await alice.get(f"/volume/v3/volumes/{alpha.volume_id}")
    keypair = await alice.get(f"/compute/v2.1/os-keypairs/{alpha.keypair}")
    access = await admin.get(f"/compute/v2.1/flavors/{alpha.flavor_id}/os-flavor-access")
    listed = await alice.get("/compute/v2.1/servers")
    assert server.status == volume.status == keypair.status == access.status == 200
    return {
        "server": {k: server.body["server"][k] for k in ("name", "metadata", "key_name")},
        "volume": {k: volume.body["volume"][k] for k in ("name", "size", "metadata")},
        "keypair": keypair.body["keypair"]["public_key"],
        "access": access.body["flavor_access"],
        "listed": [s["id"] for s in listed.body["servers"]],
    }


def _leaks(reply_body: Any, alpha: Alpha) -> list[str]:
    text = str(reply_body)
    return [value for value in alpha.ids() if value in text]


async def _try_everything(
    gateway: Gateway, caller: Client, alpha: Alpha
) -> list[tuple[str, str, int, Any]]:
    answers = []
    for method, template, public in routes(gateway.app):
        path = concrete(template, method, alpha, gateway)
        reply = await caller.call(method, path, json=body_for(path, method))
        assert reply.status < 500, (method, path, reply.status, reply.body)
        if not public:
            answers.append((method, path, reply.status, reply.body))
    return answers


@pytest.fixture
async def alpha(gateway: Gateway, admin: Client) -> Alpha:
    alice = await _tenant(gateway, admin, "alice")
    return await _alpha(gateway, admin, alice)


async def test_no_token_and_an_expired_token_are_401_everywhere(gateway, alpha) -> None:
    store = gateway.sim.identity
    alice_id = store.find_user("alice", "default").id  # type: ignore[union-attr]
    expired = store.issue(alice_id, alpha.tenant.project_id, ["password"], time.time() - 1)
    for token in ("", expired.id):
        caller = Client(alpha.tenant.client.http, gateway.url, token)
        for method, path, status, body in await _try_everything(gateway, caller, alpha):
            assert status == 401, (method, path, status, body)


async def test_a_domain_scoped_token_is_403_everywhere(gateway, alpha) -> None:
    store = gateway.sim.identity
    alice_id = store.find_user("alice", "default").id  # type: ignore[union-attr]
    store.grant(alice_id, Scope(domain_id="default"), store.create_role("member"))
    token = await token_with_scope(alpha.tenant.client.http, gateway.sim, "alice", PASSWORD, DOMAIN)
    caller = Client(alpha.tenant.client.http, gateway.url, token)
    for method, path, status, body in await _try_everything(gateway, caller, alpha):
        assert status == 403, (method, path, status, body)


async def test_another_tenant_reaches_and_sees_nothing_of_alphas(gateway, admin, alpha) -> None:
    before = await _alphas_view(alpha, admin)
    bob = await _tenant(gateway, admin, "bob")
    for method, path, status, body in await _try_everything(gateway, bob.client, alpha):
        if path.startswith("/v1.0/"):
            assert status == 403, (method, path, status, body)
        elif any(value in path for value in alpha.ids()):
            assert 400 <= status < 500, (method, path, status, body)
        else:
            assert not _leaks(body, alpha), (method, path, status, body)
    assert await _alphas_view(alpha, admin) == before


async def test_another_projects_id_in_the_path_is_refused(gateway, admin, alpha) -> None:
    bob = await _tenant(gateway, admin, "bob")
    served = [
        (method, path, status)
        for method, path, status, _ in await _try_everything(gateway, bob.client, alpha)
        if alpha.tenant.project_id in path and status < 400 and not _everyones(path)
    ]
    assert served == []


def _everyones(path: str) -> bool:
    """What Nova shows any caller whatever the project in the path: the default quotas
    (os_compute_api:os-quota-sets:defaults is "@")."""
    return path.startswith("/compute/") and path.endswith("/defaults")

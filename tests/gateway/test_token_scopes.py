"""Project APIs refuse tokens without a project scope, as Nova does; the admin API's policy
decides for itself."""

from __future__ import annotations

import pytest

from tests.gateway.harness import PASSWORD, Client
from tests.gateway.scopes import DOMAIN, SYSTEM, UNSCOPED, grant_everywhere, token_with_scope
from tests.gateway.test_servers import SERVERS, boot

PROJECT_CALLS = (
    ("GET", SERVERS),
    ("GET", f"{SERVERS}/detail"),
    ("GET", "/compute/v2.1/flavors"),
    ("GET", "/compute/v2.1/os-keypairs"),
    ("GET", "/compute/v2.1/os-availability-zone"),
    ("GET", "/image/v2/images"),
)


@pytest.mark.parametrize("scope", [UNSCOPED, DOMAIN, SYSTEM], ids=["unscoped", "domain", "system"])
async def test_project_apis_refuse_a_token_without_project_scope(gateway, demo, scope) -> None:
    server = await demo.post(SERVERS, boot("mine"))
    assert server.status == 202
    grant_everywhere(gateway.sim, "other", "member")
    token = await token_with_scope(demo.http, gateway.sim, "other", PASSWORD, scope)
    stranger = Client(demo.http, gateway.url, token)
    server_id = server.body["server"]["id"]
    for method, path in (*PROJECT_CALLS, ("GET", f"{SERVERS}/{server_id}")):
        reply = await stranger.call(method, path)
        assert reply.status == 403, (path, reply.body)
        fault = reply.body.get("forbidden", reply.body)  # Nova's fault, or Glance's error
        assert fault["code"] == 403 and "scoped to a project" in fault["message"]
    deleted = await stranger.delete(f"{SERVERS}/{server_id}")
    assert deleted.status == 403
    assert (await demo.get(f"{SERVERS}/{server_id}")).status == 200


async def test_admin_api_lets_its_policy_judge_any_scope(gateway, admin) -> None:
    grant_everywhere(gateway.sim, "admin", "admin")
    grant_everywhere(gateway.sim, "demo", "member")
    for user, password, allowed in (("admin", "admin", True), ("demo", PASSWORD, False)):
        for scope in (DOMAIN, SYSTEM):
            token = await token_with_scope(admin.http, gateway.sim, user, password, scope)
            reply = await Client(admin.http, gateway.url, token).get("/v1.0/pods")
            assert reply.status == (200 if allowed else 403), (user, scope, reply.body)

"""When Keystone will not serve the gateway itself, callers get 503, never a 401 that would
tell them their good token is bad."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.gateway.harness import Client, Gateway
from tests.identity.test_tokens import forbid_validation
from tricircle.db.engine import Database
from tricircle.sim import SimCloud


async def _answers_503_everywhere(gateway, token: str) -> None:
    caller = Client(gateway.http, gateway.url, token)
    nova = await caller.get("/compute/v2.1/servers")
    assert nova.status == 503 and nova.body["serviceUnavailable"]["code"] == 503
    admin_api = await caller.get("/v1.0/pods")
    assert admin_api.status == 503 and admin_api.body["error"]["code"] == 503


@pytest.fixture
async def misconfigured(
    sim: SimCloud, sqlite_url: str, sqlite_db: Database
) -> AsyncIterator[Gateway]:
    gateway = Gateway(sim, sqlite_url)
    gateway.conf.set_override("password", "wrong", "identity")
    await gateway.start()
    yield gateway
    await gateway.stop()


async def test_wrong_service_credentials_are_503(misconfigured) -> None:
    demo = await misconfigured.client("demo")
    await _answers_503_everywhere(misconfigured, demo.token)


async def test_a_service_user_keystone_forbids_to_validate_is_503(gateway, demo) -> None:
    forbid_validation(gateway.sim)
    await _answers_503_everywhere(gateway, demo.token)

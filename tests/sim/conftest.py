"""Fixtures: a running SimCloud with one pod, and a small JSON client that logs in."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from tricircle.sim import Pod, SimCloud


class Api:
    """Tiny HTTP helper: remembers a token and returns (status, headers, json-or-text)."""

    def __init__(self, session: aiohttp.ClientSession, cloud: SimCloud) -> None:
        self.session = session
        self.cloud = cloud
        self.token: str | None = None

    async def login(self, user: str = "admin", password: str = "admin",
                    project: str | None = "admin") -> dict[str, Any]:
        auth: dict[str, Any] = {"identity": {"methods": ["password"], "password": {"user": {
            "name": user, "domain": {"id": "default"}, "password": password}}}}
        if project:
            auth["scope"] = {"project": {"name": project, "domain": {"id": "default"}}}
        status, headers, body = await self.call("POST", self.cloud.identity_url + "/auth/tokens",
                                                {"auth": auth})
        assert status == 201, body
        self.token = headers["X-Subject-Token"]
        return body

    async def call(self, method: str, url: str, body: Any = None,
                   headers: dict[str, str] | None = None) -> tuple[int, Any, Any]:
        hdrs = {"Accept": "application/json", **(headers or {})}
        if self.token:
            hdrs.setdefault("X-Auth-Token", self.token)
        async with self.session.request(method, url, json=body, headers=hdrs) as resp:
            text = await resp.text()
            data: Any = text
            if resp.content_type == "application/json" and text:
                data = await resp.json()
            return resp.status, resp.headers, data


@pytest.fixture
async def cloud() -> AsyncIterator[SimCloud]:
    sim = SimCloud(boot_delay=0)
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()


@pytest.fixture
async def pod(cloud: SimCloud) -> Pod:
    pod = await cloud.add_pod("pod1", az="az1")
    pod.add_image("cirros", id="11111111-1111-1111-1111-111111111111")
    return pod


@pytest.fixture
async def api(cloud: SimCloud) -> AsyncIterator[Api]:
    async with aiohttp.ClientSession() as session:
        client = Api(session, cloud)
        await client.login()
        yield client


@pytest.fixture
def user_in_demo(cloud: SimCloud) -> str:
    cloud.identity.create_user("demo", "secret", project="demo", roles=["member"])
    return "demo"

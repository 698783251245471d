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


class Cinder:
    """Calls to a pod's Cinder at a microversion (the newest unless told), for volume tests."""

    def __init__(self, api: Api, pod: Pod, version: str = "3.71") -> None:
        self.api = api
        self.pod = pod
        self.version = version

    async def call(self, method: str, path: str, body: Any = None,
                   version: str | None = None) -> tuple[int, Any]:
        headers = {"OpenStack-API-Version": f"volume {version or self.version}"}
        status, _, data = await self.api.call(method, self.pod.url("volumev3") + path, body,
                                              headers)
        return status, data

    async def ok(self, method: str, path: str, body: Any = None,
                 version: str | None = None) -> Any:
        """The body of a call that must succeed."""
        status, data = await self.call(method, path, body, version)
        assert 200 <= status < 300, (method, path, status, data)
        return data

    async def volume(self, **spec: Any) -> dict[str, Any]:
        """A new volume (1 GiB unless told), as the create answered it."""
        return (await self.ok("POST", "/volumes", {"volume": {"size": 1, **spec}}))["volume"]

    async def show(self, volume_id: str) -> dict[str, Any]:
        return (await self.ok("GET", f"/volumes/{volume_id}"))["volume"]

    async def act(self, volume_id: str, action: str, args: Any = None,
                  version: str | None = None) -> tuple[int, Any]:
        body = {action: {} if args is None else args}
        return await self.call("POST", f"/volumes/{volume_id}/action", body, version)

    async def snapshot(self, volume_id: str, **spec: Any) -> dict[str, Any]:
        body = {"snapshot": {"volume_id": volume_id, **spec}}
        return (await self.ok("POST", "/snapshots", body))["snapshot"]

    @staticmethod
    def fault(data: Any) -> tuple[int, str]:
        """(code, message) of a Cinder fault body."""
        (fault,) = data.values()
        return fault["code"], fault["message"]


@pytest.fixture
def cinder(api: Api, pod: Pod) -> Cinder:
    """The admin's Cinder on pod1."""
    return Cinder(api, pod)


@pytest.fixture
async def member(api: Api, pod: Pod, user_in_demo: str) -> Cinder:
    """The Cinder of `demo`, a member of project demo, on pod1."""
    demo = Api(api.session, api.cloud)
    await demo.login("demo", "secret", "demo")
    return Cinder(demo, pod)


@pytest.fixture
def cinder_on(api: Api) -> Any:
    """The admin's Cinder on another pod: cinder_on(pod)."""
    return lambda other: Cinder(api, other)

"""A gateway in front of simulated pods, in the test's own event loop."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web

from tests.leaks import WATCH
from tricircle.config import load_config
from tricircle.gateway.app import create_app
from tricircle.sim import SimCloud
from tricircle.web.services import SERVICES, Services

TOP_REGION = "CentralRegion"
IMAGE_ID = "5b6a4b1e-3c2d-4e8f-9a0b-1c2d3e4f5a6b"
PASSWORD = "harness-Secret-7f3a"  # distinctive: the leak watch looks for it


@dataclass
class Reply:
    status: int
    body: Any
    headers: Any


@dataclass
class Client:
    """Speaks to the gateway as one Keystone user."""

    http: aiohttp.ClientSession
    base: str
    token: str
    headers: dict[str, str] = field(default_factory=dict)

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: bytes | None = None,
        headers: dict[str, str] | None = None,
        params: Any = None,
    ) -> Reply:
        sent = {"X-Auth-Token": self.token, **self.headers, **(headers or {})}
        async with self.http.request(
            method, self.base + path, json=json, data=data, headers=sent, params=params
        ) as response:
            raw = await response.read()
            WATCH.check(raw.decode(errors="replace"), f"the answer to {method} {path}")
            try:
                body = await response.json(content_type=None) if raw else None
            except ValueError:
                body = raw
            return Reply(response.status, body, response.headers)

    async def get(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("GET", path, **kwargs)

    async def post(self, path: str, json: Any = None, **kwargs: Any) -> Reply:
        return await self.call("POST", path, json=json, **kwargs)

    async def put(self, path: str, json: Any = None, **kwargs: Any) -> Reply:
        return await self.call("PUT", path, json=json, **kwargs)

    async def delete(self, path: str, **kwargs: Any) -> Reply:
        return await self.call("DELETE", path, **kwargs)


async def keystone_token(
    http: aiohttp.ClientSession, identity_url: str, user: str, password: str, project: str
) -> str:
    scope = {"project": {"name": project, "domain": {"id": "default"}}}
    return await scoped_token(http, identity_url, user, password, scope)


async def scoped_token(
    http: aiohttp.ClientSession, identity_url: str, user: str, password: str, scope: Any
) -> str:
    """A token of `user` with any Keystone scope (a scope object, or "unscoped")."""
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": user, "domain": {"id": "default"}, "password": password}
                },
            },
            "scope": scope,
        }
    }
    async with http.post(f"{identity_url}/auth/tokens", json=body) as response:
        assert response.status == 201, await response.text()
        return response.headers["X-Subject-Token"]


class Gateway:
    """The gateway's URL, a client per user, and the cloud behind it."""

    def __init__(self, sim: SimCloud, database_url: str) -> None:
        self.sim = sim
        self.conf = load_config()
        self.conf.set_override("connection", database_url, "database")
        self.conf.set_override("auth_url", sim.identity_url, "identity")
        self.conf.set_override("password", "tricircle", "identity")
        self.conf.set_override("region_name", TOP_REGION, "identity")
        # pods found down and back within a fraction of a second, not the default seconds
        self.conf.set_override("probe_interval", 0.5, "pods")
        self.conf.set_override("probe_timeout", 1.0, "pods")
        self.app = create_app(self.conf, run_jobs=True)
        self._runner = web.AppRunner(self.app, access_log=None)
        self.url = ""
        self.http: aiohttp.ClientSession | None = None

    @property
    def services(self) -> Services:
        return self.app[SERVICES]

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}"
        self.sim.set_region_endpoints(
            TOP_REGION,
            {
                "compute": f"{self.url}/compute/v2.1",
                "image": f"{self.url}/image",
                "block-storage": f"{self.url}/volume/v3",
                "volumev3": f"{self.url}/volume/v3",
                "network": f"{self.url}/network",
            },
        )
        self.http = aiohttp.ClientSession()

    async def stop(self) -> None:
        if self.http is not None:
            await self.http.close()
        await self._runner.cleanup()

    async def client(
        self, user: str, project: str | None = None, password: str = PASSWORD
    ) -> Client:
        assert self.http is not None
        if user == "admin":
            password = "admin"
        token = await keystone_token(
            self.http, self.sim.identity_url, user, password, project or user
        )
        return Client(self.http, self.url, token)

    async def sim_project(self, name: str) -> str:
        project = self.sim.identity.find_project(name, "default")
        assert project is not None
        return project.id

    async def add_pod(self, admin: Client, name: str, az: str) -> dict[str, Any]:
        pod = await self.sim.add_pod(name, az=az)
        pod.add_image(name="cirros", id=IMAGE_ID)
        reply = await admin.post(
            "/v1.0/pods", {"pod": {"name": name, "region_name": name, "az_name": az}}
        )
        assert reply.status == 201, reply.body
        return reply.body["pod"]

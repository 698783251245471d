"""What a contract scenario runs against: a Keystone, a region in it, and two users.

A target is the same for a real pod region, a simulated pod and the gateway's top
region: the scenario logs in, takes endpoints from the catalog and speaks plain HTTP.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import aiohttp

# The compute microversion the scenarios ask for, unless a step says otherwise:
# the newest both the real pods (2.103) and the simulator (2.96) serve.
COMPUTE_MV = "2.96"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    project_name: str


@dataclass(frozen=True)
class Target:
    name: str  # real, sim or gateway: picks the xfail marks and names the report
    identity_url: str
    region: str
    admin: Credentials
    demo: Credentials


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any

    def __repr__(self) -> str:  # what a failed assert shows
        return f"Reply({self.status}, {json.dumps(self.body)[:600] if self.body else ''})"


@dataclass
class Client:
    """A logged-in user of a target: call(service_type, method, path, ...) -> Reply."""

    http: aiohttp.ClientSession
    target: Target
    token: str = ""
    endpoints: dict[str, str] = field(default_factory=dict)

    async def login(self, creds: Credentials) -> Client:
        auth = {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": creds.username,
                        "domain": {"id": "default"},
                        "password": creds.password,
                    }
                },
            },
            "scope": {"project": {"name": creds.project_name, "domain": {"id": "default"}}},
        }
        url = self.target.identity_url + "/auth/tokens"
        async with self.http.post(url, json={"auth": auth}) as resp:
            assert resp.status == 201, await resp.text()
            self.token = resp.headers["X-Subject-Token"]
            catalog = (await resp.json())["token"]["catalog"]
        for service in catalog:
            for ep in service["endpoints"]:
                if ep["interface"] == "public" and ep["region_id"] == self.target.region:
                    self.endpoints[service["type"]] = ep["url"].rstrip("/")
        return self

    async def call(
        self,
        service: str,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: dict[str, str] | None = None,
        data: bytes | str | None = None,
        mv: str | None = COMPUTE_MV,
    ) -> Reply:
        """One request; `body` goes as JSON, `data` as is; compute gets microversion `mv`."""
        hdrs = {"X-Auth-Token": self.token, "Accept": "application/json"}
        if service == "compute" and mv:
            hdrs["OpenStack-API-Version"] = f"compute {mv}"
        hdrs.update(headers or {})
        url = self.endpoints[service] + path
        kwargs: dict[str, Any] = {"json": body} if data is None else {"data": data}
        async with self.http.request(method, url, headers=hdrs, **kwargs) as resp:
            text = await resp.text()
            try:
                parsed: Any = json.loads(text) if text else None
            except ValueError:
                parsed = text
            return Reply(resp.status, dict(resp.headers), parsed)

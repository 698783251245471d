"""Talking to pods: one pooled async HTTP client for every pod's services."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
from multidict import CIMultiDictProxy

from tricircle.pods.directory import PodInfo


class PodUnavailable(Exception):
    """The pod did not answer: refused, reset, or too slow."""

    def __init__(self, pod: PodInfo, reason: str) -> None:
        super().__init__(f"Pod {pod.name} ({pod.region_name}) is unavailable: {reason}")
        self.pod = pod


class MissingEndpoint(Exception):
    def __init__(self, pod: PodInfo, service: str) -> None:
        super().__init__(f"Pod {pod.name} has no {service} endpoint.")
        self.pod = pod


@dataclass(slots=True)
class PodResponse:
    status: int
    headers: CIMultiDictProxy[str]
    body: bytes

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        return msgspec.json.decode(self.body) if self.body else None


class PodClient:
    def __init__(self, http: aiohttp.ClientSession, *, timeout: float = 60.0) -> None:
        self._http = http
        self._timeout = aiohttp.ClientTimeout(total=timeout)  # built once, not per call

    def endpoint(self, pod: PodInfo, service: str, project_id: str | None = None) -> str:
        url = pod.endpoints.get(service)
        if not url:
            raise MissingEndpoint(pod, service)
        if project_id is not None:
            # Keystone catalogs may template the project into the URL (Cinder's classic form)
            url = url.replace("$(project_id)s", project_id).replace("%(project_id)s", project_id)
        return url.rstrip("/")

    async def request(
        self,
        pod: PodInfo,
        service: str,
        method: str,
        path: str,
        *,
        token: str,
        project_id: str | None = None,
        headers: Mapping[str, str] | None = None,
        params: Any = None,
        body: bytes | None = None,
        json: Any = None,
        timeout: float | None = None,
    ) -> PodResponse:
        url = self.endpoint(pod, service, project_id) + path
        sent = {"X-Auth-Token": token, "Accept": "application/json"}
        if headers:
            sent.update(headers)
        if json is not None:
            body = msgspec.json.encode(json)
        if body is not None:
            sent.setdefault("Content-Type", "application/json")
        limit = aiohttp.ClientTimeout(total=timeout) if timeout else self._timeout
        try:
            async with self._http.request(
                method, url, headers=sent, params=params, data=body, timeout=limit
            ) as response:
                return PodResponse(response.status, response.headers, await response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise PodUnavailable(
                pod, type(exc).__name__ + (f": {exc}" if str(exc) else "")
            ) from exc

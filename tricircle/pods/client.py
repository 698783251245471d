"""Talking to pods: one pooled async HTTP client for every pod's services.

Every call's outcome feeds the pods' observed health, whatever the service.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
from multidict import CIMultiDictProxy

from tricircle.observe import trace
from tricircle.observe.metrics import (
    POD_ERRORS,
    POD_REQUESTS,
    POD_SECONDS,
    POD_TIMEOUTS,
    status_class,
)
from tricircle.pods.catalog import endpoint_of
from tricircle.pods.directory import PodInfo
from tricircle.pods.health import PodHealth

LOG = logging.getLogger(__name__)


class PodUnavailable(Exception):
    """The pod did not answer: refused, reset, or too slow; or it answered that it cannot.

    `sent` is False when the pod surely did not act on the request (no connection, a
    read, or an answer saying it is unavailable), so it may go to another pod;
    otherwise the pod may have acted on it.
    """

    def __init__(self, pod: PodInfo, reason: str, *, sent: bool = True) -> None:
        super().__init__(f"Pod {pod.name} in {pod.az_name} {reason}.")
        self.pod = pod
        self.reason = reason
        self.sent = sent


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
    def __init__(
        self, http: aiohttp.ClientSession, health: PodHealth, *, timeout: float = 60.0
    ) -> None:
        self._http = http
        self.health = health
        self._timeout = aiohttp.ClientTimeout(total=timeout)  # built once, not per call

    def endpoint(self, pod: PodInfo, service: str, project_id: str | None = None) -> str:
        url = endpoint_of(pod, service)
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
        started = time.monotonic()
        try:
            async with self._http.request(
                method, url, headers=sent, params=params, data=body, timeout=limit
            ) as response:
                answer = PodResponse(response.status, response.headers, await response.read())
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure = _unavailable(pod, exc, limit.total, acts=method not in _READS)
            LOG.warning("%s %s to pod %s failed: %r", method, path, pod.name, exc)
            _observe_failure(pod, service, method, exc, time.monotonic() - started)
            self.health.failed(pod, failure.reason)
            raise failure from exc
        _observe_answer(pod, service, method, path, answer, time.monotonic() - started)
        if is_trouble(answer.status):
            self.health.failed(pod, f"answered {answer.status}")
        else:
            self.health.answered(pod)
        return answer


_READS = ("GET", "HEAD")


def _observe_answer(
    pod: PodInfo, service: str, method: str, path: str, answer: PodResponse, seconds: float
) -> None:
    pod_request_id = answer.headers.get("x-openstack-request-id")
    # the pod's own id, so an operator can follow the call into the pod's logs
    LOG.debug(
        "%s %s %s answered %d in %.1f ms, request id %s",
        pod.name, method, path, answer.status, seconds * 1000, pod_request_id,
    )  # fmt: skip
    trace.pod_called(pod.name, pod_request_id)
    POD_REQUESTS.labels(pod.name, service, method, status_class(answer.status)).inc()
    POD_SECONDS.labels(pod.name, service).observe(seconds)
    if is_trouble(answer.status):
        POD_ERRORS.labels(pod.name, service, "server_error").inc()


def _observe_failure(
    pod: PodInfo, service: str, method: str, exc: Exception, seconds: float
) -> None:
    trace.pod_called(pod.name, None)
    POD_REQUESTS.labels(pod.name, service, method, "error").inc()
    POD_SECONDS.labels(pod.name, service).observe(seconds)
    kind = _failure_kind(exc)
    POD_ERRORS.labels(pod.name, service, kind).inc()
    if kind == "timeout":
        POD_TIMEOUTS.labels(pod.name, service).inc()


def _failure_kind(exc: Exception) -> str:
    if isinstance(exc, aiohttp.ClientConnectorError):
        return "unreachable"
    if isinstance(exc, TimeoutError):
        return "timeout"
    return "disconnected"


def is_trouble(status: int) -> bool:
    """An answer that speaks of the pod's trouble rather than of the call
    (501 is a call the pod does not implement)."""
    return status >= 500 and status != 501


def not_accepted(status: int) -> bool:
    """An answer by which the pod says it did not take the request on."""
    return status in (502, 503, 504)


def _unavailable(
    pod: PodInfo, exc: Exception, timeout: float | None, *, acts: bool
) -> PodUnavailable:
    """The failure in the user's terms; the exception itself goes to the log."""
    kind = _failure_kind(exc)
    if kind == "unreachable":
        return PodUnavailable(pod, "could not be reached", sent=False)
    if kind == "timeout":
        return PodUnavailable(pod, f"did not answer within {timeout:g} s", sent=acts)
    return PodUnavailable(pod, "broke off the connection", sent=acts)

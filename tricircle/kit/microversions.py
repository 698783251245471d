"""Microversions: what the gateway advertises for a service and what a request asks for.

The gateway can only promise what every enabled pod supports, so its range is
the intersection of the pods' ranges (read from their version documents when a
pod is registered, see tricircle/pods/discovery.py).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from aiohttp import web

from tricircle.kit.service import Microversioned
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, bad_request

_VERSION = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")
HEADER = "OpenStack-API-Version"


class Version(NamedTuple):
    major: int
    minor: int

    @classmethod
    def parse(cls, text: str) -> Version:
        match = _VERSION.match(text.strip())
        if not match:
            raise ValueError(text)
        return cls(int(match.group(1)), int(match.group(2)))

    def __str__(self) -> str:
        return f"{self.major}.{self.minor}"


class VersionRange(NamedTuple):
    min: Version
    max: Version

    def __contains__(self, version: object) -> bool:
        return isinstance(version, Version) and self.min <= version <= self.max


def common_range(pods: Iterable[PodInfo], service: Microversioned) -> VersionRange:
    """The versions every enabled pod that reported its range supports."""
    base = Version.parse(service.base)
    low, high = base, None
    for pod in pods:
        capability = pod.capabilities.get(service.name) if pod.enabled else None
        if not capability:
            continue
        try:
            pod_max = Version.parse(capability["max_version"])
            pod_min = Version.parse(capability.get("min_version") or service.base)
        except ValueError:
            continue
        low = max(low, pod_min)
        high = pod_max if high is None else min(high, pod_max)
    return VersionRange(low, high if high is not None and high >= low else low)


def requested(request: web.Request, service: Microversioned) -> str | None:
    """The version text the client asked for, from the standard header or a legacy one."""
    header = request.headers.get(HEADER)
    if header:
        for part in header.split(","):
            words = part.split()
            if len(words) == 2 and words[0].lower() == service.name:
                return words[1]
        return None
    return request.headers.get(service.legacy_header) if service.legacy_header else None


def negotiate(asked: str | None, supported: VersionRange) -> Version:
    if asked is None:
        return supported.min
    if asked.strip().lower() == "latest":
        return supported.max
    try:
        version = Version.parse(asked)
    except ValueError:
        raise bad_request(
            f"API Version String {asked} is of invalid format. Must be of format MajorNum.MinorNum."
        ) from None
    if version not in supported:
        raise ApiError(
            406,
            f"Version {version} is not supported by the API. Minimum is {supported.min} "
            f"and maximum is {supported.max}.",
        )
    return version


@lru_cache(maxsize=256)
def version_headers(service: Microversioned, version: Version) -> dict[str, str]:
    """The headers naming `version`, for a pod call or a response (shared: copy, don't change)."""
    headers = {HEADER: f"{service.name} {version}"}
    if service.legacy_header:
        headers[service.legacy_header] = str(version)
    return headers


@lru_cache(maxsize=256)
def response_headers(service: Microversioned, version: Version) -> dict[str, str]:
    """Shared between responses: callers copy it, never change it."""
    vary = ", ".join(version_headers(service, version))
    return {**version_headers(service, version), "Vary": vary}

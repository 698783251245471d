"""Compute microversions: what the gateway advertises and what a request asks for.

The gateway can only promise what every enabled pod supports, so its range is
the intersection of the pods' ranges.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from typing import NamedTuple

from aiohttp import web

from tricircle.pods.directory import PodInfo
from tricircle.web.errors import ApiError, bad_request

_VERSION = re.compile(r"^([1-9]\d*)\.([1-9]\d*|0)$")
HEADER = "OpenStack-API-Version"
LEGACY_HEADER = "X-OpenStack-Nova-API-Version"
SERVICE = "compute"


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


BASE = Version(2, 1)


class VersionRange(NamedTuple):
    min: Version
    max: Version

    def __contains__(self, version: object) -> bool:
        return isinstance(version, Version) and self.min <= version <= self.max


def common_range(pods: Iterable[PodInfo], service: str = SERVICE) -> VersionRange:
    """The versions every enabled pod that reported its range supports."""
    low, high = BASE, None
    for pod in pods:
        capability = pod.capabilities.get(service) if pod.enabled else None
        if not capability:
            continue
        try:
            pod_max = Version.parse(capability["max_version"])
            pod_min = Version.parse(capability.get("min_version") or str(BASE))
        except ValueError:
            continue
        low = max(low, pod_min)
        high = pod_max if high is None else min(high, pod_max)
    return VersionRange(low, high if high is not None and high >= low else low)


def requested(request: web.Request) -> str | None:
    """The version text the client asked for, from the new header or Nova's legacy one."""
    header = request.headers.get(HEADER)
    if header:
        for part in header.split(","):
            words = part.split()
            if len(words) == 2 and words[0].lower() == SERVICE:
                return words[1]
        return None
    return request.headers.get(LEGACY_HEADER)


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
def response_headers(version: Version) -> dict[str, str]:
    """Shared between responses: callers copy it, never change it."""
    return {
        HEADER: f"{SERVICE} {version}",
        LEGACY_HEADER: str(version),
        "Vary": f"{HEADER}, {LEGACY_HEADER}",
    }

"""What the gateway needs to know of one OpenStack service to stand in front of it."""

from __future__ import annotations

from dataclasses import dataclass

from aiohttp import web

from tricircle.web.errors import ErrorFormat


@dataclass(frozen=True)
class Microversioned:
    """How a service's microversions travel: ``OpenStack-API-Version: <name> X.Y``."""

    name: str  # "compute", "volume"
    base: str  # the version a request gets when it asks for none ("2.1", "3.0")
    legacy_header: str | None = None  # Nova's X-OpenStack-Nova-API-Version


@dataclass(frozen=True)
class OpenStackService:
    name: str  # the gateway's path prefix (/compute, /volume) and its key in pods/catalog.py
    version_path: str  # the versioned root under the prefix: "/v2.1", "/v3"
    error_format: ErrorFormat
    microversions: Microversioned | None = None

    def top_root(self, request: web.Request) -> str:
        """Where clients reach this service at the gateway (links point there)."""
        return f"{request.scheme}://{request.host}/{self.name}"


# The sub-application of a facade carries its service under this key.
SERVICE = web.AppKey("openstack_service", OpenStackService)


def service_of(request: web.Request) -> OpenStackService:
    return request.app[SERVICE]

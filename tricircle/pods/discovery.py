"""What a pod can do, read from its services' version documents."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import aiohttp

from tricircle.pods.catalog import SERVICE_TYPES

# The version suffix of an endpoint ("/v2.1", "/v3/<project>", "/v2.0") — its root lies above.
_VERSION_SUFFIX = re.compile(r"/v\d+(\.\d+)?(/[^/]*)?/?$")
# The microversioned services: the version whose document gives their range, and where
# that document is public (Nova's under its version, Cinder's only at its root).
MICROVERSIONED = {"compute": ("v2.1", "/v2.1/"), "volume": ("v3", "/")}


@lru_cache(maxsize=4096)  # every relayed answer needs its pod's root
def service_root(endpoint: str) -> str:
    return _VERSION_SUFFIX.sub("", endpoint.rstrip("/"))


def _range_of(document: Any, version_id: str) -> dict[str, str] | None:
    """Nova answers ``{"version": {...}}``, Cinder ``{"versions": [{...}]}``."""
    if not isinstance(document, dict):
        return None
    found = document.get("version")
    if not isinstance(found, dict):
        listed = document.get("versions")
        candidates = listed if isinstance(listed, list) else []
        found = next(
            (
                v
                for v in candidates
                if isinstance(v, dict) and v.get("id", "").startswith(version_id)
            ),
            None,
        )
    if not isinstance(found, dict) or not found.get("version"):
        return None
    return {"min_version": found.get("min_version") or "", "max_version": found["version"]}


async def probe_capabilities(
    http: aiohttp.ClientSession, endpoints: dict[str, str], timeout: float = 5.0
) -> dict[str, Any]:
    """The microversion range of each microversioned service (compute, volume)."""
    found: dict[str, Any] = {}
    for service, (version_id, document_path) in MICROVERSIONED.items():
        endpoint = next((endpoints[t] for t in SERVICE_TYPES[service] if t in endpoints), None)
        if endpoint is None:
            continue
        try:
            async with http.get(
                service_root(endpoint) + document_path,
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                if response.status not in (200, 300):
                    continue
                document = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            continue
        versions = _range_of(document, version_id)
        if versions is not None:
            found[service] = versions
    return found

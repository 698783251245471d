"""What a pod can do, read from its services' version documents."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import aiohttp

# The version suffix of an endpoint ("/v2.1", "/v3/<project>", "/v2.0") — its root lies above.
_VERSION_SUFFIX = re.compile(r"/v\d+(\.\d+)?(/[^/]*)?/?$")


@lru_cache(maxsize=4096)  # every relayed answer needs its pod's root
def service_root(endpoint: str) -> str:
    return _VERSION_SUFFIX.sub("", endpoint.rstrip("/"))


async def probe_capabilities(
    http: aiohttp.ClientSession, endpoints: dict[str, str], timeout: float = 5.0
) -> dict[str, Any]:
    """The microversion range of each microversioned service (compute, volumev3)."""
    found: dict[str, Any] = {}
    for service in ("compute", "volumev3"):
        if service not in endpoints:
            continue
        try:
            async with http.get(
                endpoints[service].rstrip("/") + "/",
                timeout=aiohttp.ClientTimeout(total=timeout),
            ) as response:
                if response.status != 200:
                    continue
                document = await response.json(content_type=None)
        except (aiohttp.ClientError, TimeoutError, ValueError):
            continue
        version = document.get("version") if isinstance(document, dict) else None
        if isinstance(version, dict) and version.get("version"):
            found[service] = {
                "min_version": version.get("min_version") or "",
                "max_version": version["version"],
            }
    return found

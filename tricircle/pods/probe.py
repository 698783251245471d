"""The health probe: a pod answers when the root of any of its services answers."""

from __future__ import annotations

import aiohttp

from tricircle.pods.catalog import SERVICE_TYPES, endpoint_of
from tricircle.pods.directory import PodInfo
from tricircle.pods.discovery import service_root
from tricircle.pods.health import Probe


def version_root_probe(http: aiohttp.ClientSession, timeout: float) -> Probe:
    limit = aiohttp.ClientTimeout(total=timeout)

    async def probe(pod: PodInfo) -> str | None:
        endpoint = next(filter(None, (endpoint_of(pod, s) for s in SERVICE_TYPES)), None)
        if endpoint is None:
            return "it has no endpoint"
        try:
            async with http.get(service_root(endpoint) + "/", timeout=limit) as answer:
                return None if answer.status < 500 else f"its API answered {answer.status}"
        except TimeoutError:
            return f"it did not answer within {timeout:g} s"
        except aiohttp.ClientError:
            return "it could not be reached"

    return probe

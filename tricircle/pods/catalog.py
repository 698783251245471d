"""Which endpoint of a pod serves which service: Keystone lists a service under several types."""

from __future__ import annotations

from tricircle.pods.directory import PodInfo

# service -> the catalog types it may be listed under, the preferred first
SERVICE_TYPES: dict[str, tuple[str, ...]] = {
    "compute": ("compute",),
    "volume": ("block-storage", "volumev3"),
    "network": ("network",),
    "image": ("image",),
}
CATALOG_TYPES = tuple(t for types in SERVICE_TYPES.values() for t in types)


def endpoint_of(pod: PodInfo, service: str) -> str | None:
    """The pod's endpoint of `service` ("compute", "volume", ...), or None."""
    for catalog_type in SERVICE_TYPES.get(service, (service,)):
        url = pod.endpoints.get(catalog_type)
        if url:
            return url
    return None

"""The top Glance and the pods' Glances, as the gateway's service user reaches them.

Copies are the gateway's work, not the tenant's: they are made with the service user's
(admin) token, owned by the top image's owner, through each Glance's REST API only.
Used alike by the gateway (a boot waiting for its image) and by the job worker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aiohttp
import msgspec
from oslo_config import cfg

from tricircle.identity.service_auth import ServiceAuth
from tricircle.kit.central import Central, configured
from tricircle.pods.client import PodClient, PodResponse
from tricircle.pods.directory import PodDirectory, PodInfo
from tricircle.pods.registry import PodRegistry

PATCH = "application/openstack-images-v2.1-json-patch"
# what Glance computes or keeps itself: never written to a copy
READ_ONLY = frozenset(
    {
        "id",
        "status",
        "size",
        "virtual_size",
        "checksum",
        "os_hash_algo",
        "os_hash_value",
        "created_at",
        "updated_at",
        "self",
        "file",
        "schema",
        "locations",
        "direct_url",
        "stores",
    }
)
# Glance's own attributes: always there, replaced but never removed
BASE = frozenset(
    {
        "name",
        "owner",
        "visibility",
        "protected",
        "os_hidden",
        "disk_format",
        "container_format",
        "min_disk",
        "min_ram",
        "tags",
    }
)
_RESERVED_PREFIX = "os_glance_"  # Glance's own namespace: refused in any write


class GlanceRefused(Exception):
    """A Glance answered a call of the gateway's own with an error it cannot retry."""

    def __init__(self, where: str, what: str, answer: PodResponse) -> None:
        super().__init__(f"{where} refused to {what}: {answer.status} {answer.body[:300]!r}")
        self.answer = answer


@dataclass(frozen=True)
class Glance:
    """Where one Glance is, for streaming its images' bytes: its root and a name for
    messages ("the top Glance", "pod pod1")."""

    name: str
    root: str

    def file_url(self, image_id: str) -> str:
        return f"{self.root}/v2/images/{image_id}/file"


@dataclass(frozen=True)
class Glances:
    central: Central
    http: aiohttp.ClientSession
    pods: PodClient
    auth: ServiceAuth
    directory: PodDirectory
    registry: PodRegistry

    @property
    def top(self) -> Glance:
        return Glance("the top Glance", self.central.root)

    def of_pod(self, pod: PodInfo) -> Glance:
        return Glance(f"pod {pod.name}", self.pods.endpoint(pod, "image"))

    async def top_call(self, method: str, path: str, *, json: Any = None) -> PodResponse:
        return await self.central.call(
            self.http, method, path, token=await self.auth.token(), json=json
        )

    async def top_image(self, image_id: str) -> dict[str, Any] | None:
        """The top's image as admins see it; None once it is gone."""
        answer = await self.top_call("GET", f"/v2/images/{image_id}")
        if answer.status == 404:
            return None
        if not answer.ok:
            raise GlanceRefused("the top Glance", f"show image {image_id}", answer)
        return answer.json()

    async def top_members(self, image_id: str) -> list[dict[str, Any]]:
        answer = await self.top_call("GET", f"/v2/images/{image_id}/members")
        if answer.status in (403, 404):  # not shared (Glance refuses members of the others)
            return []
        if not answer.ok:
            raise GlanceRefused("the top Glance", f"list members of {image_id}", answer)
        return answer.json()["members"]

    async def pod_call(
        self,
        pod: PodInfo,
        method: str,
        path: str,
        *,
        json: Any = None,
        patch: list[dict[str, Any]] | None = None,
    ) -> PodResponse:
        token = await self.auth.token()
        if patch is not None:
            body, headers = msgspec.json.encode(patch), {"Content-Type": PATCH}
            return await self.pods.request(
                pod, "image", method, path, token=token, body=body, headers=headers
            )
        return await self.pods.request(pod, "image", method, path, token=token, json=json)

    async def pod_image(self, pod: PodInfo, image_id: str) -> dict[str, Any] | None:
        answer = await self.pod_call(pod, "GET", f"/v2/images/{image_id}")
        if answer.status == 404:
            return None
        if not answer.ok:
            raise GlanceRefused(f"pod {pod.name}", f"show image {image_id}", answer)
        return answer.json()

    async def pod_members(self, pod: PodInfo, image_id: str) -> list[dict[str, Any]]:
        answer = await self.pod_call(pod, "GET", f"/v2/images/{image_id}/members")
        if answer.status in (403, 404):
            return []
        if not answer.ok:
            raise GlanceRefused(f"pod {pod.name}", f"list members of {image_id}", answer)
        return answer.json()["members"]

    async def pod_create(self, pod: PodInfo, image: dict[str, Any]) -> None:
        """A queued image in the pod, as `image` is (same id, owner, properties)."""
        answer = await self.pod_call(pod, "POST", "/v2/images", json=writable(image))
        if not answer.ok:
            raise GlanceRefused(f"pod {pod.name}", f"create image {image['id']}", answer)

    async def pod_delete(self, pod: PodInfo, image: dict[str, Any]) -> None:
        """Deletes the pod's image (a protected one is unprotected first); gone is done."""
        path = f"/v2/images/{image['id']}"
        if image.get("protected"):
            op = [{"op": "replace", "path": "/protected", "value": False}]
            await self.pod_call(pod, "PATCH", path, patch=op)
        answer = await self.pod_call(pod, "DELETE", path)
        if not answer.ok and answer.status != 404:
            raise GlanceRefused(f"pod {pod.name}", f"delete image {image['id']}", answer)

    async def pod_action(self, pod: PodInfo, image_id: str, action: str) -> None:
        """deactivate or reactivate the pod's image."""
        answer = await self.pod_call(pod, "POST", f"/v2/images/{image_id}/actions/{action}")
        if not answer.ok:
            raise GlanceRefused(f"pod {pod.name}", f"{action} image {image_id}", answer)


def writable(image: dict[str, Any]) -> dict[str, Any]:
    """What of `image` a create may set: everything but what Glance computes itself."""
    return {
        k: v
        for k, v in image.items()
        if k not in READ_ONLY and not k.startswith(_RESERVED_PREFIX) and v is not None
    } | {"id": image["id"]}


def same_bytes(one: dict[str, Any], other: dict[str, Any]) -> bool:
    """Whether two Glances' images hold the same data, by the hash both computed (md5 when
    their Glances hash with different algorithms)."""
    if one.get("os_hash_algo") and one.get("os_hash_algo") == other.get("os_hash_algo"):
        return one.get("os_hash_value") == other.get("os_hash_value") and bool(
            one.get("os_hash_value")
        )
    return bool(one.get("checksum")) and one.get("checksum") == other.get("checksum")


def configured_glances(
    conf: cfg.ConfigOpts,
    http: aiohttp.ClientSession,
    pods: PodClient,
    auth: ServiceAuth,
    directory: PodDirectory,
    registry: PodRegistry,
) -> Glances | None:
    """The Glances of a deployment with a top Glance; None without one."""
    central = configured(conf, "image")
    if central is None:
        return None
    return Glances(central, http, pods, auth, directory, registry)

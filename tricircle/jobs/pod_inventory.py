"""What the pods hold, for the reconciler and the delete cleanup (a jobs `PodInventory`).

Servers and volumes the gateway creates carry the metadata mark ``tricircle=managed``;
a pod's own, created there directly, are never touched. One `Kind` per resource type
says where its list and its objects live in the pod; the listing follows the pod's
``next`` links, so a pod whose page size is smaller than ours loses nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from tricircle.db.models import Pod
from tricircle.identity.service_auth import ServiceAuth
from tricircle.jobs.policy import PermanentError, RetryableError
from tricircle.jobs.reconciler import BottomObject
from tricircle.listing.sort_index import sort_values
from tricircle.pods.catalog import endpoint_of
from tricircle.pods.client import PodClient, PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.pods.mark import MARK_KEY, MARK_VALUE

_PAGE = 1000


@dataclass(frozen=True)
class Kind:
    service: str  # the pod's service that holds it
    collection: str  # "servers"
    singular: str  # "server"
    headers: dict[str, str]  # the version the gateway reads it in
    created_field: str  # "created", "created_at"
    project_field: str
    deleting: tuple[str, str]  # (field, value) while the pod deletes it
    indexed: bool = False  # its routes keep sort values (tricircle.listing.sort_index)


KINDS = {
    "server": Kind(
        "compute",
        "servers",
        "server",
        {"OpenStack-API-Version": "compute 2.1", "X-OpenStack-Nova-API-Version": "2.1"},
        "created",
        "tenant_id",
        ("OS-EXT-STS:task_state", "deleting"),
        indexed=True,
    ),
    "volume": Kind(
        "volume",
        "volumes",
        "volume",
        {"OpenStack-API-Version": "volume 3.0"},
        "created_at",
        "os-vol-tenant-attr:tenant_id",
        ("status", "deleting"),
    ),
}


def _created(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment.astimezone(dt.UTC).replace(tzinfo=None) if moment.tzinfo else moment


def _next_marker(body: dict[str, Any], collection: str) -> str | None:
    for link in body.get(f"{collection}_links") or []:
        if link.get("rel") == "next":
            return dict(parse_qsl(urlsplit(link["href"]).query)).get("marker")
    return None


class PodsInventory:
    def __init__(self, pods: PodClient, service_auth: ServiceAuth) -> None:
        self._pods = pods
        self._auth = service_auth

    async def list_marked(self, pod: Pod, resource_type: str) -> Sequence[BottomObject]:
        kind = _kind(resource_type)
        info = PodInfo.of(pod)
        if endpoint_of(info, kind.service) is None:
            return []  # a pod without the service holds none of its objects
        found: list[BottomObject] = []
        marker: str | None = None
        while True:
            params = {"all_tenants": "1", "limit": str(_PAGE)}
            if marker:
                params["marker"] = marker
            answer = await self._call(info, kind, "GET", f"/{kind.collection}/detail", params)
            if not answer.ok:
                raise RetryableError(
                    f"pod {pod.name} listed {kind.collection} with {answer.status}"
                )
            body = answer.json()
            for item in body[kind.collection]:
                if (item.get("metadata") or {}).get(MARK_KEY) == MARK_VALUE:
                    found.append(
                        BottomObject(
                            bottom_id=item["id"],
                            top_id=item["id"],
                            project_id=item.get(kind.project_field),
                            created_at=_created(item.get(kind.created_field)),
                            sort_values=sort_values(item) if kind.indexed else {},
                        )
                    )
            marker = _next_marker(body, kind.collection)
            if marker is None:
                return found

    async def exists(self, pod: Pod, resource_type: str, bottom_id: str) -> bool:
        kind = _kind(resource_type)
        shown = await self._call(PodInfo.of(pod), kind, "GET", f"/{kind.collection}/{bottom_id}")
        if shown.status == 404:
            return False
        if not shown.ok:
            raise RetryableError(f"pod {pod.name} showed {kind.singular} with {shown.status}")
        return True

    async def delete(self, pod: Pod, resource_type: str, bottom_id: str) -> None:
        """Deletes the object and returns once the pod no longer has it (Nova and Cinder
        delete asynchronously)."""
        kind = _kind(resource_type)
        info = PodInfo.of(pod)
        path = f"/{kind.collection}/{bottom_id}"
        shown = await self._call(info, kind, "GET", path)
        if shown.status == 404:
            return
        field, value = kind.deleting
        if (shown.json() or {}).get(kind.singular, {}).get(field) != value:
            deleted = await self._call(info, kind, "DELETE", path)
            if deleted.status not in (202, 204, 404, 409):
                raise RetryableError(f"pod {pod.name} answered {deleted.status} to the delete")
        raise RetryableError(f"{kind.singular} {bottom_id} is still being deleted", retry_after=1.0)

    async def _call(
        self,
        pod: PodInfo,
        kind: Kind,
        method: str,
        path: str,
        params: dict[str, str] | None = None,
    ) -> PodResponse:
        try:
            return await self._pods.request(
                pod,
                kind.service,
                method,
                path,
                token=await self._auth.token(),
                headers=kind.headers,
                params=params,
            )
        except PodUnavailable as exc:
            raise RetryableError(str(exc)) from exc


def _kind(resource_type: str) -> Kind:
    if resource_type not in KINDS:
        raise PermanentError(f"no inventory of {resource_type}")
    return KINDS[resource_type]

"""What the pods hold, for the reconciler and the delete cleanup (a jobs `PodInventory`).

Servers the gateway creates carry the metadata mark ``tricircle=managed``; a
pod's own servers, created there directly, are never touched.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from tricircle.db.models import Pod
from tricircle.identity.service_auth import ServiceAuth
from tricircle.jobs.policy import PermanentError, RetryableError
from tricircle.jobs.reconciler import BottomObject
from tricircle.pods.client import PodClient, PodResponse, PodUnavailable
from tricircle.pods.directory import PodInfo
from tricircle.pods.mark import MARK_KEY, MARK_VALUE

_PAGE = 1000
_ADMIN_HEADERS = {"OpenStack-API-Version": "compute 2.1", "X-OpenStack-Nova-API-Version": "2.1"}


def _created(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    return (
        dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        .astimezone(dt.UTC)
        .replace(tzinfo=None)
    )


class PodsInventory:
    def __init__(self, pods: PodClient, service_auth: ServiceAuth) -> None:
        self._pods = pods
        self._auth = service_auth

    async def list_marked(self, pod: Pod, resource_type: str) -> Sequence[BottomObject]:
        if resource_type != "server":
            raise PermanentError(f"no inventory of {resource_type} yet")
        info = PodInfo.of(pod)
        found: list[BottomObject] = []
        marker: str | None = None
        while True:
            params = {"all_tenants": "1", "limit": str(_PAGE)}
            if marker:
                params["marker"] = marker
            answer = await self._call(info, "GET", "/servers/detail", params)
            if not answer.ok:
                raise RetryableError(f"pod {pod.name} listed servers with {answer.status}")
            servers = answer.json()["servers"]
            for server in servers:
                if (server.get("metadata") or {}).get(MARK_KEY) == MARK_VALUE:
                    found.append(
                        BottomObject(
                            bottom_id=server["id"],
                            top_id=server["id"],
                            project_id=server.get("tenant_id"),
                            created_at=_created(server.get("created")),
                        )
                    )
            if len(servers) < _PAGE:
                return found
            marker = servers[-1]["id"]

    async def delete(self, pod: Pod, resource_type: str, bottom_id: str) -> None:
        """Deletes the server and returns once the pod no longer has it (Nova deletes async)."""
        if resource_type != "server":
            raise PermanentError(f"no inventory of {resource_type} yet")
        info = PodInfo.of(pod)
        path = f"/servers/{bottom_id}"
        shown = await self._call(info, "GET", path)
        if shown.status == 404:
            return
        task_state = (shown.json() or {}).get("server", {}).get("OS-EXT-STS:task_state")
        if task_state != "deleting":
            deleted = await self._call(info, "DELETE", path)
            if deleted.status not in (204, 404, 409):
                raise RetryableError(f"pod {pod.name} answered {deleted.status} to the delete")
        raise RetryableError(f"server {bottom_id} is still being deleted", retry_after=1.0)

    async def _call(
        self, pod: PodInfo, method: str, path: str, params: dict[str, str] | None = None
    ) -> PodResponse:
        try:
            return await self._pods.request(
                pod,
                "compute",
                method,
                path,
                token=await self._auth.token(),
                headers=_ADMIN_HEADERS,
                params=params,
            )
        except PodUnavailable as exc:
            raise RetryableError(str(exc)) from exc

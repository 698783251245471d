"""Copies kept in line with the top: what the top's image is now (its properties, tags,
visibility, members, status, or its absence) is what every copy shows.

One job per image reads it as it is now, so changes queued while it waited collapse into
one run; the reconciler runs it for every image with copies, repairing pod-side drift.
"""

from __future__ import annotations

from typing import Any

from oslo_config import cfg

from tricircle.db.engine import Database
from tricircle.images.copies import CopyStore
from tricircle.images.glances import BASE, GlanceRefused, Glances, writable
from tricircle.images.models import ACTIVE
from tricircle.jobs.policy import RetryableError
from tricircle.jobs.queue import enqueue
from tricircle.pods.directory import PodInfo

SYNC = "image_sync"  # resource: (image, top image id)
RECONCILE = "image_reconcile"  # periodic: every image with copies synced again
# an image property asking for copies in every pod its owner may use
EAGER_PROPERTY = "tricircle_copy_eagerly"
_SETTLING = ("queued", "saving", "uploading", "importing")


async def request_sync(db: Database, image_id: str, project_id: str | None) -> None:
    async with db.session.begin() as session:
        await enqueue(session, SYNC, "image", image_id, project_id=project_id)


def patch_for(top: dict[str, Any], copy: dict[str, Any]) -> list[dict[str, Any]]:
    """The JSON patch that makes `copy`'s attributes, properties and tags the top's."""
    wanted, shown = writable(top), writable(copy)
    ops: list[dict[str, Any]] = []
    for key, value in wanted.items():
        if key == "id" or shown.get(key) == value:
            continue
        ops.append({"op": "replace" if key in copy else "add", "path": f"/{key}", "value": value})
    extra = shown.keys() - wanted.keys() - BASE  # properties the top's image does not have
    ops.extend({"op": "remove", "path": f"/{key}"} for key in sorted(extra))
    return ops


class ImageSync:
    def __init__(self, glances: Glances, copies: CopyStore, conf: cfg.ConfigOpts) -> None:
        self.glances = glances
        self.copies = copies
        self.conf = conf

    async def converge(self, image_id: str) -> dict[str, Any]:
        top = await self.glances.top_image(image_id)
        mirrored = removed = 0
        for copy in await self.copies.of_image(image_id):
            pod = await self.glances.directory.get(copy.pod_id)
            if pod is None:
                continue
            if top is None:
                here = await self.glances.pod_image(pod, image_id)
                if here is not None:
                    await self.glances.pod_delete(pod, here)
                await self.copies.forget(image_id, pod.id)
                removed += 1
            elif copy.state == ACTIVE:
                await self.mirror(pod, top)
                mirrored += 1
        eager = await self._copy_eagerly(top) if top is not None else 0
        return {"mirrored": mirrored, "removed": removed, "requested": eager}

    async def mirror(self, pod: PodInfo, top: dict[str, Any]) -> None:
        """The pod's copy shows what the top's image shows; a copy lost in the pod is
        forgotten (made again on its next use)."""
        here = await self.glances.pod_image(pod, top["id"])
        if here is None:
            await self.copies.forget(top["id"], pod.id)
            return
        ops = patch_for(top, here)
        if ops:
            answer = await self.glances.pod_call(pod, "PATCH", f"/v2/images/{top['id']}", patch=ops)
            if not answer.ok:
                raise GlanceRefused(f"pod {pod.name}", f"update image {top['id']}", answer)
        await self._members(pod, top["id"])
        if top["status"] == "deactivated" and here["status"] == "active":
            await self.glances.pod_action(pod, top["id"], "deactivate")
        elif top["status"] == "active" and here["status"] == "deactivated":
            await self.glances.pod_action(pod, top["id"], "reactivate")

    async def _members(self, pod: PodInfo, image_id: str) -> None:
        wanted = {m["member_id"]: m["status"] for m in await self.glances.top_members(image_id)}
        shown = {m["member_id"]: m["status"] for m in await self.glances.pod_members(pod, image_id)}
        base = f"/v2/images/{image_id}/members"
        calls = [("DELETE", f"{base}/{m}", None) for m in shown.keys() - wanted.keys()]
        calls += [("POST", base, {"member": m}) for m in wanted.keys() - shown.keys()]
        calls += [
            ("PUT", f"{base}/{m}", {"status": status})
            for m, status in wanted.items()
            if status != shown.get(m, "pending")
        ]
        for method, path, body in calls:
            answer = await self.glances.pod_call(pod, method, path, json=body)
            if not answer.ok and not (method == "DELETE" and answer.status == 404):
                raise GlanceRefused(f"pod {pod.name}", f"{method} {path}", answer)

    async def _copy_eagerly(self, top: dict[str, Any]) -> int:
        """Copies asked for in every pod the owner may use, where a rule says so."""
        wanted = self.conf.central.image_copy_eagerly or str(
            top.get(EAGER_PROPERTY, "")
        ).lower() in ("true", "yes", "1")
        if not wanted or top["status"] in _SETTLING:
            if wanted:  # the data is still on its way: look again later
                raise RetryableError(f"image {top['id']} is {top['status']} at the top", 5.0)
            return 0
        if top["status"] != "active":
            return 0
        have = {c.pod_id for c in await self.copies.of_image(top["id"])}
        usable = await self.glances.registry.usable(top.get("owner") or "", None)
        sharing = set(self.conf.central.pods_using_top_glance)  # they need no copy
        missing = [pod.id for pod in usable if pod.id not in have and pod.name not in sharing]
        for pod_id in missing:
            await self.copies.request(top["id"], pod_id, top.get("owner"))
        return len(missing)

    async def reconcile(self) -> dict[str, Any]:
        synced = 0
        for image_id in await self.copies.image_ids():
            await request_sync(self.copies.db, image_id, None)
            synced += 1
        return {"queued": synced}

"""A pod's image brought up to the top: a server's snapshot, made in its pod, or an image
an admin adopts. The top's image takes the pod's id and attributes; its bytes stream up
and are checked by hash; then every pod that holds the same bytes keeps its image as the
top image's copy."""

from __future__ import annotations

from typing import Any

from tricircle.db.engine import Database
from tricircle.images.copies import CopyStore
from tricircle.images.glances import GlanceRefused, Glances, same_bytes, writable
from tricircle.images.sync import request_sync
from tricircle.images.transfer import TransferFailed, stream
from tricircle.jobs.policy import PermanentError, RetryableError
from tricircle.jobs.queue import enqueue
from tricircle.pods.directory import PodInfo

UPLOAD = "image_upload"  # resource: (image, id); payload: source pod, pods holding it


async def request_upload(
    db: Database, image_id: str, source: str, holders: list[str], project_id: str | None
) -> None:
    async with db.session.begin() as session:
        payload = {"source": source, "holders": holders}
        await enqueue(session, UPLOAD, "image", image_id, project_id=project_id, payload=payload)


async def register_at_top(glances: Glances, image: dict[str, Any]) -> None:
    """A queued top image as the pod's `image` is (same id, owner, attributes)."""
    answer = await glances.top_call("POST", "/v2/images", json=writable(image))
    if not answer.ok:
        raise GlanceRefused("the top Glance", f"register image {image['id']}", answer)


class Uploader:
    def __init__(self, glances: Glances, copies: CopyStore) -> None:
        self.glances = glances
        self.copies = copies

    async def upload(self, image_id: str, source_id: str, holders: list[str]) -> dict[str, Any]:
        try:
            return await self._upload(image_id, source_id, holders)
        except PermanentError:
            # the top's image this registered never gets its bytes: it goes, as Nova
            # deletes a failed snapshot's image
            top = await self.glances.top_image(image_id)
            if top is not None and top["status"] == "queued":
                await self.glances.top_call("DELETE", f"/v2/images/{image_id}")
            raise

    async def _upload(self, image_id: str, source_id: str, holders: list[str]) -> dict[str, Any]:
        source = await self.glances.directory.get(source_id)
        if source is None:
            raise PermanentError(f"pod {source_id} is gone")
        here = await self.glances.pod_image(source, image_id)
        if here is None:
            raise PermanentError(f"image {image_id} is gone from pod {source.name}")
        if here["status"] in ("queued", "saving", "uploading", "importing"):
            raise RetryableError(f"image {image_id} is {here['status']} in pod {source.name}", 2.0)
        top = await self.glances.top_image(image_id)
        if top is None:
            await register_at_top(self.glances, here)
            top = {"status": "queued"}
        sent = 0
        if top["status"] == "queued":
            sent = await self._send(source, image_id)
            top = await self.glances.top_image(image_id) or {}
        if not same_bytes(top, here):
            raise PermanentError(
                f"the top's image {image_id} holds other data than pod {source.name}'s"
            )
        for pod_id in holders:
            await self.copies.done(image_id, pod_id, top.get("size"), create=True)
        await request_sync(self.copies.db, image_id, top.get("owner"))
        return {"copied": sent, "copies": len(holders)}

    async def _send(self, source: PodInfo, image_id: str) -> int:
        try:
            return await stream(
                self.glances.http,
                await self.glances.auth.token(),
                image_id,
                self.glances.of_pod(source),
                self.glances.top,
                stall=self.glances.central.timeout,
            )
        except TransferFailed as exc:
            if exc.retry:
                raise RetryableError(str(exc)) from exc
            raise PermanentError(str(exc)) from exc

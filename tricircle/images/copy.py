"""A pod's copy of a top image: made under the same id with the top's attributes, its bytes
streamed from the top and checked against the top's hash before the copy is ever used.

The job can run again at any point: a copy already whole is recognised by its hash, an
upload cut short (the worker died, a Glance went away) is sent again from the first byte,
and bytes that are not the top's are never used.
"""

from __future__ import annotations

from typing import Any

from tricircle.images.copies import CopyStore
from tricircle.images.glances import Glance, Glances, same_bytes
from tricircle.images.models import ACTIVE
from tricircle.images.sync import ImageSync
from tricircle.images.transfer import TransferFailed, stream
from tricircle.jobs.policy import PermanentError, RetryableError
from tricircle.pods.directory import PodInfo

# statuses a pod's image passes while an upload or import is writing it
_BEING_WRITTEN = ("saving", "uploading", "importing")


class Copier:
    def __init__(self, glances: Glances, copies: CopyStore, sync: ImageSync) -> None:
        self.glances = glances
        self.copies = copies
        self.sync = sync

    async def copy(self, image_id: str, pod_id: str, attempt: int = 1) -> dict[str, Any]:
        """Makes `pod_id`'s copy; attempts after the first read the bytes from a pod that
        holds an active copy, if one does, in turn with the top (whose store may be what
        fails)."""
        pod = await self.glances.directory.get(pod_id)
        top = await self.glances.top_image(image_id)
        if pod is None or top is None:  # nothing to copy, or nowhere to: nothing to keep
            await self.copies.forget(image_id, pod_id)
            return {"copied": 0, "gone": "pod" if pod is None else "image"}
        if top["status"] not in ("active", "deactivated"):
            raise RetryableError(f"image {image_id} is {top['status']} at the top", 5.0)
        here = await self.glances.pod_image(pod, image_id)
        if here is None:
            await self.glances.pod_create(pod, top)
            here = {"status": "queued"}
        copied: int | None = None
        if here["status"] in _BEING_WRITTEN:  # an earlier attempt's upload is ending
            raise RetryableError(f"image {image_id} is {here['status']} in pod {pod.name}", 2.0)
        if here["status"] == "queued":
            copied = await self._send(pod, top, await self._source(image_id, pod.id, attempt))
            here = await self.glances.pod_image(pod, image_id) or {}
        if not same_bytes(here, top):
            await self._refuse(pod, here, top, sent_now=copied is not None)
        # members and status as the top's before anyone boots from it
        await self.sync.mirror(pod, top)
        if not await self.copies.done(image_id, pod.id, top.get("size")):
            await self.glances.pod_delete(pod, here)  # the image went while it was copied
            return {"copied": copied or 0, "gone": "image"}
        return {"copied": copied or 0}

    async def _source(self, image_id: str, target_id: str, attempt: int) -> Glance:
        """The top's Glance on the first attempt; then the top and the pods holding an
        active copy take turns. Whatever the source, the bytes are checked against the
        top's hash."""
        sources = [self.glances.top]
        for copy in await self.copies.of_image(image_id):
            pod = await self.glances.directory.get(copy.pod_id)
            if copy.state == ACTIVE and copy.pod_id != target_id and pod is not None:
                sources.append(self.glances.of_pod(pod))
        return sources[(attempt - 1) % len(sources)]

    async def _send(self, pod: PodInfo, top: dict[str, Any], source: Glance) -> int:
        image_id = top["id"]
        await self.copies.started(image_id, pod.id, top.get("size"))

        async def progress(sent: int) -> None:
            await self.copies.progress(image_id, pod.id, sent)

        try:
            return await stream(
                self.glances.http,
                await self.glances.auth.token(),
                image_id,
                source,
                self.glances.of_pod(pod),
                progress=progress,
                stall=self.glances.central.timeout,
            )
        except TransferFailed as exc:
            if exc.retry:
                raise RetryableError(str(exc)) from exc
            raise PermanentError(str(exc)) from exc

    async def _refuse(
        self, pod: PodInfo, here: dict[str, Any], top: dict[str, Any], *, sent_now: bool
    ) -> None:
        """The pod's image under this id holds other bytes than the top's: it is never
        used (bytes the gateway just sent are deactivated; a pod's own image is left as it
        is), and the copy fails."""
        if sent_now and here.get("status") == "active":
            await self.glances.pod_action(pod, top["id"], "deactivate")
        reason = (
            f"pod {pod.name} holds image {top['id']} with other data than the top's "
            f"({here.get('os_hash_algo')} {here.get('os_hash_value')}, "
            f"top: {top.get('os_hash_algo')} {top.get('os_hash_value')})"
        )
        raise PermanentError(reason)

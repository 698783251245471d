"""Images that already exist in pods, adopted into the top registry.

The same id in several pods with the same bytes becomes one top image with a copy in each;
an id whose pods hold different bytes (or whose bytes differ from the top's image of that
id) is a conflict, and nothing is changed.
"""

from __future__ import annotations

from typing import Any

from tricircle.images.copies import CopyStore
from tricircle.images.glances import Glances, same_bytes
from tricircle.images.upload import register_at_top, request_upload
from tricircle.pods.directory import PodInfo


class AdoptionRefused(Exception):
    """Nothing to adopt (`found` False), or a conflict; nothing was changed."""

    def __init__(self, message: str, *, found: bool = True) -> None:
        super().__init__(message)
        self.found = found


async def adopt(
    glances: Glances, copies: CopyStore, image_id: str, pods: list[PodInfo]
) -> list[PodInfo]:
    """Registers `image_id` at the top from the pods that hold it active; its bytes go up by
    job, then each of them holds a copy. The pods that hold it."""
    held: list[tuple[PodInfo, dict[str, Any]]] = []
    for pod in pods:
        image = await glances.pod_image(pod, image_id)
        if image is not None and image["status"] == "active":
            held.append((pod, image))
    if not held:
        raise AdoptionRefused(f"No pod holds an active image {image_id}.", found=False)
    source, first = held[0]
    differing = [pod.name for pod, image in held if not same_bytes(image, first)]
    if differing:
        raise AdoptionRefused(
            f"Image {image_id} holds different data in pod {source.name} and in "
            f"{', '.join(differing)}: adopt it from one pod at a time, after deciding which."
        )
    top = await glances.top_image(image_id)
    if top is None:
        await register_at_top(glances, first)
    elif top["status"] != "queued" and not same_bytes(top, first):
        raise AdoptionRefused(
            f"The top's image {image_id} holds other data than pod {source.name}'s."
        )
    holders = [pod.id for pod, _ in held]
    await request_upload(copies.db, image_id, source.id, holders, first.get("owner"))
    return [pod for pod, _ in held]

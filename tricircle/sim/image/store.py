"""One pod's Glance state: images, their members, the ids Glance keeps as deleted rows, the
store of their bytes and the pod's image_size_cap."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import Context, new_id
from tricircle.sim.image.blobs import BlobStore
from tricircle.sim.image.model import Digest, Image, Member

# Glance's default image_size_cap: 1 TiB.
DEFAULT_SIZE_CAP = 1024**4


def staged(image_id: str) -> str:
    """The staging area's name for an image's bytes (glance-direct import)."""
    return f"{image_id}.staged"


def _digest_of(data: bytes) -> Digest:
    return Digest(len(data), hashlib.md5(data).hexdigest(), hashlib.sha512(data).hexdigest())


@dataclass
class ImageState:
    images: dict[str, Image] = field(default_factory=dict)
    # image id -> member project id -> membership
    members: dict[str, dict[str, Member]] = field(default_factory=dict)
    # Glance keeps a deleted image's row: its id can never be used again.
    deleted: set[str] = field(default_factory=set)
    # image id -> what PUT .../stage received, until the import takes it
    staging: dict[str, Digest] = field(default_factory=dict)
    size_cap: int = DEFAULT_SIZE_CAP
    blobs: BlobStore = field(default_factory=BlobStore)
    tasks: set[asyncio.Task[None]] = field(default_factory=set)  # web-downloads running

    def add(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        owner: str | None = None,
        visibility: str = "public",
        status: str = "active",
        disk_format: str | None = "qcow2",
        container_format: str | None = "bare",
        min_disk: int = 0,
        min_ram: int = 0,
        protected: bool = False,
        tags: list[str] | None = None,
        properties: dict[str, Any] | None = None,
        data: bytes | None = b"",
    ) -> Image:
        """Seeds an image directly (active with empty data by default)."""
        image = Image(
            id or new_id(),
            name,
            owner,
            visibility,
            "queued",
            disk_format,
            container_format,
            min_disk,
            min_ram,
            protected,
            tags=list(tags or []),
            properties=dict(properties or {}),
        )
        if status == "active" and data is not None:
            # empty data needs no file: hundreds of seeded pods make no directories
            digest = self.blobs.put(image.id, data) if data else _digest_of(data)
            image.activate(digest, digest.size or None)
        else:
            image.status = status
        self.images[image.id] = image
        return image

    def can_see(self, image: Image, context: Context) -> bool:
        """Glance's is_image_visible: a shared image is seen by its members in any status."""
        return (
            context.is_admin
            or image.owner is None
            or image.visibility in ("public", "community")
            or image.owner == context.project_id
            or (
                image.visibility == "shared"
                and context.project_id in self.members.get(image.id, {})
            )
        )

    def visible(self, image_id: str, context: Context) -> Image | None:
        image = self.images.get(image_id)
        if image is None or not self.can_see(image, context):
            return None
        return image

    def membership(self, image: Image, project_id: str | None) -> Member | None:
        return self.members.get(image.id, {}).get(project_id or "")

    def remove(self, image: Image) -> None:
        del self.images[image.id]
        self.members.pop(image.id, None)
        self.staging.pop(image.id, None)
        self.deleted.add(image.id)
        self.blobs.discard(image.id)
        self.blobs.discard(staged(image.id))

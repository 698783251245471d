"""Each copy's record: started, progress, done or failed; read by a waiting create and the
admin API, written by the copy job."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update

from tricircle.db.base import utcnow
from tricircle.db.engine import Database
from tricircle.images.models import ACTIVE, COPYING, FAILED, ImageCopy
from tricircle.jobs.queue import enqueue

COPY = "image_copy"  # resource: (image, "<image id>@<pod id>")


def copy_resource(image_id: str, pod_id: str) -> str:
    return f"{image_id}@{pod_id}"


def parse_copy_resource(resource_id: str) -> tuple[str, str]:
    image_id, _, pod_id = resource_id.partition("@")
    return image_id, pod_id


class CopyStore:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, image_id: str, pod_id: str) -> ImageCopy | None:
        async with self.db.session() as session:
            return await session.get(ImageCopy, (image_id, pod_id))

    async def of_image(self, image_id: str) -> Sequence[ImageCopy]:
        async with self.db.session() as session:
            query = select(ImageCopy).where(ImageCopy.image_id == image_id)
            return (await session.scalars(query.order_by(ImageCopy.pod_id))).all()

    async def image_ids(self) -> Sequence[str]:
        async with self.db.session() as session:
            return (await session.scalars(select(ImageCopy.image_id).distinct())).all()

    async def request(
        self, image_id: str, pod_id: str, project_id: str | None, size: int | None = None
    ) -> ImageCopy:
        """The copy's record (a new one starts as copying) and its job queued, in one
        transaction; a copy already active or under way is left as it is."""
        async with self.db.session.begin() as session:
            copy = await session.get(ImageCopy, (image_id, pod_id))
            if copy is None:
                copy = ImageCopy(
                    image_id=image_id, pod_id=pod_id, state=COPYING, copied_bytes=0, size=size
                )
                session.add(copy)
            elif copy.state == FAILED:  # asked again: another try
                copy.state, copy.last_error = COPYING, None
            if copy.state == COPYING:
                resource = copy_resource(image_id, pod_id)
                await enqueue(
                    session, COPY, "image", resource, project_id=project_id, replace=False
                )
            return copy

    async def started(self, image_id: str, pod_id: str, size: int | None) -> None:
        """Bytes start flowing (again, after a crash: from the first byte)."""
        await self._set(image_id, pod_id, state=COPYING, copied_bytes=0, size=size, last_error=None)

    async def progress(self, image_id: str, pod_id: str, copied: int) -> None:
        await self._set(image_id, pod_id, copied_bytes=copied)

    async def done(
        self, image_id: str, pod_id: str, size: int | None, *, create: bool = False
    ) -> bool:
        """The pod holds the top's bytes: from now on the copy is used. False when the
        copy has no record (dropped while it was made) and `create` is not asked."""
        async with self.db.session.begin() as session:
            copy = await session.get(ImageCopy, (image_id, pod_id))
            if copy is None:
                if not create:
                    return False
                copy = ImageCopy(image_id=image_id, pod_id=pod_id)
                session.add(copy)
            copy.state, copy.size, copy.copied_bytes = ACTIVE, size, size or 0
            copy.last_error, copy.updated_at = None, utcnow()
            return True

    async def failed(self, image_id: str, pod_id: str, reason: str) -> None:
        await self._set(image_id, pod_id, state=FAILED, last_error=reason[:2000])

    async def forget(self, image_id: str, pod_id: str | None = None) -> int:
        """Drops the record of one copy (or of every copy of the image)."""
        query = delete(ImageCopy).where(ImageCopy.image_id == image_id)
        if pod_id is not None:
            query = query.where(ImageCopy.pod_id == pod_id)
        async with self.db.session.begin() as session:
            return (await session.execute(query)).rowcount or 0

    async def _set(self, image_id: str, pod_id: str, **values: object) -> None:
        query = (
            update(ImageCopy)
            .where(ImageCopy.image_id == image_id, ImageCopy.pod_id == pod_id)
            .values(**values, updated_at=utcnow())
        )
        async with self.db.session.begin() as session:
            await session.execute(query)

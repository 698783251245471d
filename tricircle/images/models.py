"""The copies table: which pods hold a copy of which top image, and how far each got."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tricircle.db.base import Base, utcnow

COPYING = "copying"  # bytes on their way: never used
ACTIVE = "active"  # the pod's image holds the top's bytes (hash checked)
FAILED = "failed"  # the copy cannot be made as things are (last_error says why)
STATES = (COPYING, ACTIVE, FAILED)


class ImageCopy(Base):
    __tablename__ = "image_copies"

    image_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    pod_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("pods.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(16))
    copied_bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    size: Mapped[int | None] = mapped_column(BigInteger)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)

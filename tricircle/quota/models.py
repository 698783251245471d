"""The quota tables: limits, the classes' defaults, usage per pod, reservations."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from tricircle.db.base import Base, utcnow

# the user of a project-wide limit, usage or reservation
ANY_USER = ""


class QuotaLimit(Base):
    """A limit set for a project (user_id empty) or for one of its users."""

    __tablename__ = "quota_limits"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(BigInteger)


class QuotaClassLimit(Base):
    """A quota class's limit; the class "default" overrides the configured defaults."""

    __tablename__ = "quota_class_limits"

    class_name: Mapped[str] = mapped_column(String(255), primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    hard_limit: Mapped[int] = mapped_column(BigInteger)


class QuotaProject(Base):
    """One row per project and service: every reservation, commit and correction of the
    project's usage locks it first, so two gateways never both take the last unit."""

    __tablename__ = "quota_projects"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    # bumped by every write under the lock: a correction read before a commit is not applied
    version: Mapped[int] = mapped_column(BigInteger, default=0)


class QuotaUsage(Base):
    """What a project uses in one pod, as the top last knew it."""

    __tablename__ = "quota_usages"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    service: Mapped[str] = mapped_column(String(16), primary_key=True)
    resource: Mapped[str] = mapped_column(String(255), primary_key=True)
    pod_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    in_use: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class QuotaReservation(Base):
    """An amount held for a create on its way to a pod; gone once committed or released,
    rolled back by anyone once expired (its process died)."""

    __tablename__ = "quota_reservations"
    __table_args__ = (
        Index("ix_quota_reservations_project", "project_id", "service"),
        Index("ix_quota_reservations_uuid", "uuid"),
        Index("ix_quota_reservations_expires_at", "expires_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    uuid: Mapped[str] = mapped_column(String(36))
    project_id: Mapped[str] = mapped_column(String(64))
    user_id: Mapped[str] = mapped_column(String(64))
    service: Mapped[str] = mapped_column(String(16))
    resource: Mapped[str] = mapped_column(String(255))
    amount: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)

"""The tables of the pods and their routing.

Every gateway process and every worker shares these rows: the pods, which
projects may use them, and where each top-level resource lives in the pods.
The other tables live with the code that owns them (jobs, the top's registries);
`tricircle.db.schema` gathers them all.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import DateTime, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tricircle.db.base import Base, new_uuid, sort_text, utcnow


class Pod(Base):
    """One bottom OpenStack cloud: a region of the shared Keystone."""

    __tablename__ = "pods"

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_uuid)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    region_name: Mapped[str] = mapped_column(String(255), unique=True)
    az_name: Mapped[str] = mapped_column(String(255), index=True)
    state: Mapped[str] = mapped_column(String(16), default="up")
    # service type ("compute", "volumev3", "network", "image") -> endpoint URL
    endpoints: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # what the pod can do, e.g. {"compute": {"max_version": "2.96"}}
    capabilities: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


class PodBinding(Base):
    """A project may use this pod. A project without bindings may use every pod."""

    __tablename__ = "pod_bindings"

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    pod_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("pods.id", ondelete="CASCADE"), primary_key=True
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class RoutingEntry(Base):
    """Where the bottom copy of a top resource lives.

    Servers and volumes have one entry whose bottom id is the top id; resources
    the top owns (flavors, networks, ...) have one entry per pod that holds a copy.
    """

    __tablename__ = "routing_entries"
    __table_args__ = (
        UniqueConstraint("resource_type", "top_id", "pod_id", name="uq_routing_resource_pod"),
        Index("ix_routing_project_type", "project_id", "resource_type"),
        Index("ix_routing_top_id", "top_id"),
        Index("ix_routing_by_created", "project_id", "resource_type", "pod_id", "sort_created"),
        Index("ix_routing_by_name", "project_id", "resource_type", "pod_id", "sort_name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    top_id: Mapped[str] = mapped_column(String(255))
    pod_id: Mapped[str] = mapped_column(String(36), ForeignKey("pods.id", ondelete="CASCADE"))
    bottom_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    # what a list sorts by, as the pod shows it (tricircle.listing.sort_index)
    sort_created: Mapped[str | None] = mapped_column(sort_text(64))
    sort_name: Mapped[str | None] = mapped_column(sort_text(255))


class RoutingCount(Base):
    """How many entries of a type a project has in a pod, written with the entries.

    "Which pods hold this project's servers" and "how loaded is each pod" read a
    few of these rows instead of every routing entry of the project.
    """

    __tablename__ = "routing_counts"
    __table_args__ = (Index("ix_routing_counts_type_pod", "resource_type", "pod_id"),)

    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    resource_type: Mapped[str] = mapped_column(String(64), primary_key=True)
    pod_id: Mapped[str] = mapped_column(
        String(36), ForeignKey("pods.id", ondelete="CASCADE"), primary_key=True
    )
    entries: Mapped[int] = mapped_column(default=0)

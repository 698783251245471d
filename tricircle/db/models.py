"""The tables of the routing database.

Every gateway process and every worker shares these rows and nothing else, so
they hold all the state Tricircle has: the pods, which projects may use them,
and where each top-level resource lives in the pods.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def new_uuid() -> str:
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON}


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
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    project_id: Mapped[str] = mapped_column(String(64))
    resource_type: Mapped[str] = mapped_column(String(64))
    top_id: Mapped[str] = mapped_column(String(255))
    pod_id: Mapped[str] = mapped_column(String(36), ForeignKey("pods.id", ondelete="CASCADE"))
    bottom_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)


# The job tables share this metadata so migrations and test fixtures see them.
import tricircle.jobs.models  # noqa: E402, F401


class Flavor(Base):
    """The top is the flavor registry; pods get a copy (same id) when a server needs one."""

    __tablename__ = "flavors"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), unique=True)
    ram: Mapped[int] = mapped_column(Integer)
    vcpus: Mapped[int] = mapped_column(Integer)
    disk: Mapped[int] = mapped_column(Integer)
    ephemeral: Mapped[int] = mapped_column(Integer, default=0)
    swap: Mapped[int] = mapped_column(Integer, default=0)
    rxtx_factor: Mapped[float] = mapped_column(Float, default=1.0)
    is_public: Mapped[bool] = mapped_column(Boolean, default=True)
    description: Mapped[str | None] = mapped_column(Text)
    extra_specs: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)


class FlavorAccess(Base):
    """Projects that may use a private flavor."""

    __tablename__ = "flavor_access"

    flavor_id: Mapped[str] = mapped_column(
        String(255), ForeignKey("flavors.id", ondelete="CASCADE"), primary_key=True
    )
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)


class Keypair(Base):
    """A user's key pair, kept at the top and imported into a pod when a server boots there."""

    __tablename__ = "keypairs"

    user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(16), default="ssh")
    public_key: Mapped[str] = mapped_column(Text)
    fingerprint: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)

"""Glance's records: an image (its attributes and the facts of its data) and a membership."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import isotime, now

# Glance's defaults for [image_format] disk_formats and container_formats.
DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("community", "public", "private", "shared")
STATUSES = (
    "queued",
    "saving",
    "active",
    "killed",
    "deleted",
    "uploading",
    "importing",
    "pending_delete",
    "deactivated",
)
MEMBER_STATUSES = ("pending", "accepted", "rejected")
# The pod's one store, named as a Glance with `enabled_backends = fs:file` names it.
STORE = "fs"
HASH_ALGO = "sha512"


@dataclass(frozen=True)
class Digest:
    """What Glance learns of uploaded bytes while it stores them."""

    size: int
    checksum: str  # md5
    os_hash_value: str  # sha512


@dataclass
class Image:
    id: str
    name: str | None
    owner: str | None
    visibility: str = "shared"
    status: str = "queued"
    disk_format: str | None = None
    container_format: str | None = None
    min_disk: int = 0
    min_ram: int = 0
    protected: bool = False
    os_hidden: bool = False
    tags: list[str] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=dict)
    size: int | None = None
    virtual_size: int | None = None
    checksum: str | None = None
    os_hash_algo: str | None = None
    os_hash_value: str | None = None
    stored: bool = False  # the store holds its data (Glance: it has a location)
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)

    def touch(self) -> None:
        self.updated_at = now()

    def activate(self, digest: Digest, virtual_size: int | None) -> None:
        self.size = digest.size
        self.checksum = digest.checksum
        self.os_hash_algo = HASH_ALGO
        self.os_hash_value = digest.os_hash_value
        self.virtual_size = virtual_size
        self.stored = True
        self.status = "active"
        self.touch()

    def requeue(self) -> None:
        """Back to queued after a failed upload or import: Glance forgets the sizes."""
        self.status = "queued"
        self.size = None
        self.virtual_size = None
        self.touch()

    def view(self) -> dict[str, Any]:
        body: dict[str, Any] = dict(self.properties)
        body.update(
            {
                "id": self.id,
                "name": self.name,
                "status": self.status,
                "visibility": self.visibility,
                "protected": self.protected,
                "os_hidden": self.os_hidden,
                "owner": self.owner,
                "size": self.size,
                "virtual_size": self.virtual_size,
                "checksum": self.checksum,
                "os_hash_algo": self.os_hash_algo,
                "os_hash_value": self.os_hash_value,
                "disk_format": self.disk_format,
                "container_format": self.container_format,
                "min_disk": self.min_disk,
                "min_ram": self.min_ram,
                "tags": list(self.tags),
                "created_at": isotime(self.created_at),
                "updated_at": isotime(self.updated_at),
                "self": f"/v2/images/{self.id}",
                "file": f"/v2/images/{self.id}/file",
                "schema": "/v2/schemas/image",
            }
        )
        if self.stored and self.status == "active":  # a deactivated image hides its locations
            body["stores"] = STORE
        return body


@dataclass
class Member:
    image_id: str
    member_id: str  # a project id
    status: str = "pending"
    created_at: float = field(default_factory=now)
    updated_at: float = field(default_factory=now)

    def view(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "image_id": self.image_id,
            "status": self.status,
            "created_at": isotime(self.created_at),
            "updated_at": isotime(self.updated_at),
            "schema": "/v2/schemas/member",
        }

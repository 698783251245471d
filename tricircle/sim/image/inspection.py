"""What Glance's format inspector makes of uploaded bytes: their virtual size, or a refusal
when they are not the disk format the image claims.  The simulator knows qcow2 by its
header and takes anything else for raw."""

from __future__ import annotations

from tricircle.sim.http import SimError
from tricircle.sim.image.model import Image

HEAD = 512  # enough of the data to read a qcow2 header
_QCOW2_MAGIC = b"QFI\xfb"
# Disk formats the inspector cannot recognise: their data passes as whatever it looks like.
_UNINSPECTABLE = ("ami", "ari", "aki")


def virtual_size(image: Image, head: bytes, size: int) -> int | None:
    """The virtual size Glance records for data starting with `head` of `size` bytes."""
    if image.container_format != "bare":
        return None  # Glance inspects only bare containers
    if head.startswith(_QCOW2_MAGIC):
        found, virtual = "qcow2", int.from_bytes(head[24:32], "big")
    else:
        found, virtual = "raw", size
    if found == image.disk_format:
        return virtual or None
    if found == "raw" and image.disk_format in _UNINSPECTABLE:
        return None
    if image.disk_format == "raw":
        return size or None  # claimed raw: the bytes are the disk
    raise SimError(415, f"Image disk_format {image.disk_format} does not match stream data {found}")

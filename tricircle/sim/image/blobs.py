"""Image bytes on disk: one file per image in a temporary directory of the pod's own, so a
1 GiB image never sits in memory; size and hashes are computed while the bytes stream in."""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from tricircle.sim.image.model import Digest

CHUNK = 256 * 1024


class TooLarge(Exception):
    """More bytes than the pod's image_size_cap allows."""


class Intake:
    """One upload in progress: bytes go to a part file and into the hashes; only a complete
    upload replaces the blob."""

    def __init__(self, target: Path, cap: int) -> None:
        self._target = target
        self._part = target.with_name(target.name + ".part")
        self._file: BinaryIO = self._part.open("wb")
        self._cap = cap
        self._size = 0
        self._md5 = hashlib.md5()
        self._sha512 = hashlib.sha512()

    def write(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self._cap:
            raise TooLarge
        self._md5.update(chunk)
        self._sha512.update(chunk)
        self._file.write(chunk)

    def commit(self) -> Digest:
        self._file.close()
        self._part.replace(self._target)
        return Digest(self._size, self._md5.hexdigest(), self._sha512.hexdigest())

    def abort(self) -> None:
        self._file.close()
        self._part.unlink(missing_ok=True)


def _chunks(blob: BinaryIO, offset: int, length: int) -> Iterator[bytes]:
    with blob:
        blob.seek(offset)
        while length > 0:
            chunk = blob.read(min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk


class BlobStore:
    """The pod's store; its directory is made on first use and removed with the store."""

    def __init__(self) -> None:
        self._dir: tempfile.TemporaryDirectory[str] | None = None

    def path(self, name: str) -> Path:
        if self._dir is None:
            self._dir = tempfile.TemporaryDirectory(prefix="tricircle-sim-glance-")
        return Path(self._dir.name) / name

    def intake(self, name: str, cap: int) -> Intake:
        return Intake(self.path(name), cap)

    def put(self, name: str, data: bytes) -> Digest:
        intake = self.intake(name, len(data))
        intake.write(data)
        return intake.commit()

    def read(self, name: str, offset: int, length: int) -> Iterator[bytes]:
        """`length` bytes from `offset`, a chunk at a time.  The file is opened at once: a
        delete while the bytes stream out does not cut them short."""
        return _chunks(self.path(name).open("rb"), offset, length)

    def move(self, source: str, target: str) -> None:
        self.path(source).replace(self.path(target))

    def discard(self, name: str) -> None:
        if self._dir is not None:
            self.path(name).unlink(missing_ok=True)

    def close(self) -> None:
        if self._dir is not None:
            self._dir.cleanup()
            self._dir = None

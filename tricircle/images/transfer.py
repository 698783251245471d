"""An image's bytes streamed from one Glance into another, a chunk at a time.

Nothing is held but the chunk in flight: the download is read as fast as the upload takes
it. Whether the bytes arrived whole is for the caller to judge from the hash the target
Glance computed; a broken stream leaves the target's image queued again (Glance restores a
failed upload), to be sent anew.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable

import aiohttp

from tricircle.images.glances import Glance

CHUNK = 1024 * 1024
_OCTETS = "application/octet-stream"

Progress = Callable[[int], Awaitable[None]]


class TransferFailed(Exception):
    """The bytes did not arrive. `retry` says whether another attempt may go better."""

    def __init__(self, message: str, *, retry: bool) -> None:
        super().__init__(message)
        self.retry = retry


async def stream(
    http: aiohttp.ClientSession,
    token: str,
    image_id: str,
    source: Glance,
    target: Glance,
    *,
    progress: Progress | None = None,
    every: float = 1.0,
    stall: float = 60.0,
) -> int:
    """Sends `image_id`'s bytes from `source` into the queued image of the same id at
    `target`; the bytes sent. `progress`, if given, hears the count at most every `every` seconds;
    a side silent for `stall` seconds fails the transfer."""
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=stall, sock_read=stall)
    auth = {"X-Auth-Token": token}
    sent = 0
    try:
        async with http.get(source.file_url(image_id), headers=auth, timeout=timeout) as down:
            if down.status not in (200, 204):
                raise TransferFailed(
                    f"{source.name} answered {down.status} to the download of {image_id}",
                    retry=down.status >= 500,
                )

            async def chunks() -> AsyncIterator[bytes]:
                nonlocal sent
                told = time.monotonic()
                async for chunk in down.content.iter_chunked(CHUNK):
                    sent += len(chunk)
                    if progress is not None and time.monotonic() - told >= every:
                        await progress(sent)
                        told = time.monotonic()
                    yield chunk

            headers = {**auth, "Content-Type": _OCTETS}
            if down.content_length is not None:
                headers["Content-Length"] = str(down.content_length)
            async with http.put(
                target.file_url(image_id), data=chunks(), headers=headers, timeout=timeout
            ) as up:
                if up.status != 204:
                    body = (await up.read())[:300]
                    raise TransferFailed(
                        f"{target.name} answered {up.status} to the upload of {image_id}: {body!r}",
                        retry=up.status >= 500,
                    )
    except (aiohttp.ClientError, TimeoutError) as exc:
        raise TransferFailed(
            f"the copy of {image_id} from {source.name} to {target.name} broke off after "
            f"{sent} bytes: {exc or type(exc).__name__}",
            retry=True,
        ) from exc
    return sent

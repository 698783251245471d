"""The cross-pod list engine.

Every pod is asked, in parallel, for its items in one total order (the requested
sort keys, then the id), a batch at a time. A heap merges the streams; a stream
that runs dry while its pod has more is refilled with the pod's own marker.

A client's marker is an item id. Its pod is asked for the items after it
directly; every other pod is read from its start, skipping what sorts before the
marker. The last pod-local markers of every page this process served are kept
for a while, so the next page of a walk skips nothing.
"""

from __future__ import annotations

import asyncio
import heapq
import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import msgspec
from cachetools import TTLCache

from tricircle.listing.ordering import Ordering, SortKey

# Asks one pod for a page: query parameters in, (HTTP status, raw JSON body) out.
# Raises OSError or TimeoutError when the pod cannot be reached.
FetchPage = Callable[[list[tuple[str, str]]], Awaitable[tuple[int, bytes]]]


class PodFailed(Exception):
    """A pod answered a page with a server error."""


class PodRejected(Exception):
    """A pod refused the query itself (a 4xx): the client's filters are wrong everywhere."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"pod answered {status}")
        self.status = status
        self.body = body


@dataclass(slots=True)
class Source:
    pod_id: str
    fetch: FetchPage
    start_marker: str | None = None  # pod-local marker to start after
    skip_until: SortKey | None = None  # drop items that do not sort after this


@dataclass
class Item:
    key: SortKey
    id: str
    raw: bytes
    pod_id: str


@dataclass
class ListResult:
    items: list[Item]
    failed: dict[str, str] = field(default_factory=dict)  # pod id -> reason
    pod_markers: dict[str, str] = field(default_factory=dict)  # last item taken, per pod


class _Stream:
    def __init__(
        self,
        source: Source,
        ordering: Ordering,
        decode_page: msgspec.json.Decoder,
        params: list[tuple[str, str]],
        batch: int,
    ) -> None:
        self.source = source
        self._ordering = ordering
        self._decode_page = decode_page
        self._params = params
        self._batch = batch
        self._marker = self._start = source.start_marker
        self._skip_until = source.skip_until
        if self._start is not None and self._skip_until is None:
            raise ValueError("a pod-local marker needs the boundary to skip to")
        self.buffer: list[Item] = []
        self._position = 0
        self.exhausted = False

    def peek(self) -> Item | None:
        return self.buffer[self._position] if self._position < len(self.buffer) else None

    def take(self) -> Item:
        item = self.buffer[self._position]
        self._position += 1
        return item

    async def fill(self) -> None:
        """Reads pages until there is an item to offer or the pod has no more."""
        while self.peek() is None and not self.exhausted:
            params = [*self._params, ("limit", str(self._batch))]
            if self._marker is not None:
                params.append(("marker", self._marker))
            status, body = await self.source.fetch(params)
            if status == 400 and self._marker is not None and self._marker == self._start:
                # our pod-local marker is gone (deleted meanwhile): read from the start
                self._marker = self._start = None
                continue
            if 400 <= status < 500:
                raise PodRejected(status, body)
            if status != 200:
                raise PodFailed(f"answered {status}")
            page = self._decode_page.decode(body).items
            self.exhausted = len(page) < self._batch
            items = []
            for raw in page:
                key, item_id = self._ordering.key(raw)
                items.append(Item(key, item_id, bytes(raw), self.source.pod_id))
            if items:
                self._marker = items[-1].id
                self._start = None
            if self._skip_until is not None:
                boundary = self._skip_until
                items = [i for i in items if boundary < i.key]
                if items:
                    self._skip_until = None  # the pod's order is ours: no more to skip
            self.buffer, self._position = items, 0


def batch_size(limit: int, pods: int, pod_max: int) -> int:
    """Items to ask each pod for: its fair share and a margin, at least a few, at most its cap."""
    share = math.ceil(limit / max(pods, 1) * 1.1)
    return max(1, min(pod_max, max(share, min(limit, 10))))


_PAGE_DECODERS: dict[str, msgspec.json.Decoder] = {}


def _page_decoder(collection: str) -> msgspec.json.Decoder:
    if collection not in _PAGE_DECODERS:
        page = msgspec.defstruct(
            "Page", [("items", list[msgspec.Raw], [])], rename={"items": collection}
        )
        _PAGE_DECODERS[collection] = msgspec.json.Decoder(page)
    return _PAGE_DECODERS[collection]


async def merge(
    sources: Sequence[Source],
    *,
    ordering: Ordering,
    collection: str,
    params: list[tuple[str, str]],
    limit: int,
    pod_max: int = 1000,
    timeout: float,
) -> ListResult:
    """The first `limit` items of the union of `sources`, in `ordering`."""
    batch = batch_size(limit, len(sources), pod_max)
    streams = [_Stream(s, ordering, _page_decoder(collection), params, batch) for s in sources]
    result = ListResult(items=[])

    async def fill(stream: _Stream) -> bool:
        try:
            await asyncio.wait_for(stream.fill(), timeout)
        except (TimeoutError, PodFailed, OSError, msgspec.DecodeError) as exc:
            result.failed[stream.source.pod_id] = str(exc) or type(exc).__name__
            return False
        return True

    alive = await asyncio.gather(*(fill(s) for s in streams))
    heap: list[tuple[SortKey, int]] = []
    for index, stream in enumerate(streams):
        head = stream.peek() if alive[index] else None
        if head is not None:
            heap.append((head.key, index))
    heapq.heapify(heap)
    while heap and len(result.items) < limit:
        _, index = heapq.heappop(heap)
        stream = streams[index]
        item = stream.take()
        result.items.append(item)
        result.pod_markers[item.pod_id] = item.id
        if stream.peek() is None and not (stream.exhausted or await fill(stream)):
            continue
        head = stream.peek()
        if head is not None:
            heapq.heappush(heap, (head.key, index))
    return result


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a served page ended: its last item's key, and the last item taken from each pod."""

    boundary: SortKey
    pod_markers: dict[str, str]


class Cursors:
    """Cursors of pages recently served by this process, by (query, last item id)."""

    def __init__(self, maxsize: int = 10_000, ttl: float = 600.0) -> None:
        self._cache: TTLCache[tuple[Any, str], Cursor] = TTLCache(maxsize, ttl)

    def remember(self, query: Any, last: Item, pod_markers: dict[str, str]) -> None:
        self._cache[(query, last.id)] = Cursor(last.key, dict(pod_markers))

    def recall(self, query: Any, marker: str) -> Cursor | None:
        return self._cache.get((query, marker))

"""The cross-pod list engine.

Every pod is asked, in parallel, for its items in the requested order, a batch at
a time. A heap merges the streams; a stream that runs dry while its pod has more
is refilled with the pod's own marker.

The global order is (sort values, pod id, the pod's own order): equal values are
never compared by anything a pod does not show, so the order is exact whatever
hidden precision or tie-breaker each pod sorts by, as long as each pod's order
agrees with the values it shows.

A page ends at a `Position`: the last item's values and pod. The next page asks
each pod to continue after the last item it gave (a pod-local marker) when that
is known, and otherwise reads the pod from its start, dropping what does not sort
after the position. `Cursors` keeps the pod-local markers of recently served
pages so that a walk through one process never rereads a pod.
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
# Where an item sits in the global order, bar the pod's own order: (sort values, pod id).
Position = tuple[SortKey, str]


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
    start_marker: str | None = None  # pod-local marker to continue after
    after: Position | None = None  # when read from the start: drop what does not sort after


@dataclass(slots=True)
class Item:
    key: SortKey
    id: str
    raw: bytes
    pod_id: str

    @property
    def position(self) -> Position:
        return (self.key, self.pod_id)


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
        pod_max: int,
    ) -> None:
        self.source = source
        self._ordering = ordering
        self._decode_page = decode_page
        self._params = params
        self._batch = batch
        self._pod_max = pod_max
        self._marker = source.start_marker
        if self._marker is not None and source.after is None:
            raise ValueError("a pod-local marker needs the position to fall back to")
        # What a pod added since the last page may sit after our pod-local marker yet
        # before the position: it is dropped too, but what shares the position's
        # values in the marker's own pod is not.
        self._after = source.after
        self._at_start_marker = self._inclusive = self._marker is not None
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
        batch = self._batch
        while self.peek() is None and not self.exhausted:
            params = [*self._params, ("limit", str(batch))]
            if self._marker is not None:
                params.append(("marker", self._marker))
            status, body = await self.source.fetch(params)
            if status == 400 and self._at_start_marker:
                # our pod-local marker is gone (deleted meanwhile): read from the start
                self._marker, self._after = None, self.source.after
                self._at_start_marker = self._inclusive = False
                continue
            if 400 <= status < 500:
                raise PodRejected(status, body)
            if status != 200:
                raise PodFailed(f"answered {status}")
            page = self._decode_page.decode(body).items
            self.exhausted = len(page) < batch
            pod_id = self.source.pod_id
            items = []
            for raw in page:
                key, item_id = self._ordering.key(raw)
                items.append(Item(key, item_id, bytes(raw), pod_id))
            if items:
                self._marker = items[-1].id
            if self._after is not None:
                after = self._after
                if self._inclusive:
                    items = [i for i in items if not (i.key, pod_id) < after]
                else:
                    items = [i for i in items if after < (i.key, pod_id)]
                if items:
                    self._after = None  # the pod's order is ours: nothing more to skip
                else:
                    batch = min(self._pod_max, batch * 2)  # skipping: read faster
            self._at_start_marker = False
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
    """The first `limit` items of the union of `sources`, in `ordering`, then pod."""
    batch = batch_size(limit, len(sources), pod_max)
    decoder = _page_decoder(collection)
    streams = [_Stream(s, ordering, decoder, params, batch, pod_max) for s in sources]
    result = ListResult(items=[])

    async def fill(stream: _Stream) -> bool:
        try:
            await asyncio.wait_for(stream.fill(), timeout)
        except (TimeoutError, PodFailed, OSError, msgspec.DecodeError) as exc:
            result.failed[stream.source.pod_id] = str(exc) or type(exc).__name__
            return False
        return True

    alive = await asyncio.gather(*(fill(s) for s in streams))
    heap: list[tuple[SortKey, str, int]] = []
    for index, stream in enumerate(streams):
        head = stream.peek() if alive[index] else None
        if head is not None:
            heap.append((head.key, head.pod_id, index))
    heapq.heapify(heap)
    while heap and len(result.items) < limit:
        _, _, index = heapq.heappop(heap)
        stream = streams[index]
        item = stream.take()
        result.items.append(item)
        result.pod_markers[item.pod_id] = item.id
        if stream.peek() is None and not (stream.exhausted or await fill(stream)):
            continue
        head = stream.peek()
        if head is not None:
            heapq.heappush(heap, (head.key, head.pod_id, index))
    return result


@dataclass(frozen=True, slots=True)
class Cursor:
    """Where a served page ended, and the last item taken from each pod over the whole walk."""

    position: Position
    pod_markers: dict[str, str]


class Cursors:
    """Cursors of pages recently served by this process, by (query, last item id)."""

    def __init__(self, maxsize: int = 10_000, ttl: float = 600.0) -> None:
        self._cache: TTLCache[tuple[Any, str], Cursor] = TTLCache(maxsize, ttl)

    def remember(self, query: Any, last: Item, pod_markers: dict[str, str]) -> None:
        self._cache[(query, last.id)] = Cursor(last.position, dict(pod_markers))

    def recall(self, query: Any, marker: str) -> Cursor | None:
        return self._cache.get((query, marker))

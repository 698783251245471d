"""Sort orders over items of several pods, with mixed directions and missing values."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import msgspec


@dataclass(frozen=True, slots=True)
class SortField:
    field: str  # the key in the item's JSON ("created", "name", "OS-EXT-STS:vm_state", ...)
    descending: bool


class SortKey:
    """Comparable sort values of one item; None sorts before any value (SQL ``NULLS FIRST``)."""

    __slots__ = ("descending", "values")

    def __init__(self, values: tuple[Any, ...], descending: tuple[bool, ...]) -> None:
        self.values = values
        self.descending = descending

    def __lt__(self, other: SortKey) -> bool:
        for mine, theirs, desc in zip(self.values, other.values, self.descending, strict=True):
            if mine == theirs:
                continue
            if mine is None:
                return not desc
            if theirs is None:
                return desc
            return mine > theirs if desc else mine < theirs
        return False

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SortKey) and self.values == other.values

    def __hash__(self) -> int:
        return hash(self.values)

    def __repr__(self) -> str:
        return f"SortKey{self.values!r}"


@dataclass(frozen=True)
class Ordering:
    """The requested fields; the item id is read alongside but does not take part.

    Ties are not broken by the id: a pod may order equal values by what it does not
    show (Nova sorts by the full-precision ``created_at`` it prints in seconds), so
    the engine breaks them by pod, then by the pod's own order.
    """

    fields: tuple[SortField, ...]
    id_field: str = "id"
    # how the pods' databases compare text: MariaDB and MySQL (the usual OpenStack
    # database) ignore case, so a pod's pages come in that order and the merge must agree
    case_insensitive: bool = True

    @cached_property
    def _names(self) -> tuple[str, ...]:
        """Each JSON field read once: the sort keys, then the id (which may be one of them)."""
        return tuple(dict.fromkeys([*(f.field for f in self.fields), self.id_field]))

    @cached_property
    def _decoder(self) -> msgspec.json.Decoder:
        names = self._names
        # Only the sort keys of an item are decoded; the rest stays raw bytes.
        view = msgspec.defstruct(
            "SortView",
            [(f"k{i}", Any, None) for i in range(len(names))],
            rename={f"k{i}": name for i, name in enumerate(names)},
        )
        return msgspec.json.Decoder(view)

    @cached_property
    def _slots(self) -> tuple[tuple[str, ...], str]:
        index = {name: f"k{i}" for i, name in enumerate(self._names)}
        return tuple(index[f.field] for f in self.fields), index[self.id_field]

    @cached_property
    def _descending(self) -> tuple[bool, ...]:
        return tuple(f.descending for f in self.fields)

    def key(self, raw: bytes) -> tuple[SortKey, str]:
        """The sort key of one raw JSON item, and its id."""
        view = self._decoder.decode(raw)
        keys, id_slot = self._slots
        values = tuple(getattr(view, slot) for slot in keys)
        return SortKey(self._comparable(values), self._descending), getattr(view, id_slot)

    def key_of(self, item: dict[str, Any]) -> SortKey:
        values = tuple(item.get(f.field) for f in self.fields)
        return SortKey(self._comparable(values), self._descending)

    def _comparable(self, values: tuple[Any, ...]) -> tuple[Any, ...]:
        # JSON mixes bools, numbers and strings in one field seldom, but never let that raise
        found = (v if v is None or isinstance(v, (int, float, str)) else str(v) for v in values)
        if not self.case_insensitive:
            return tuple(found)
        return tuple(v.casefold() if isinstance(v, str) else v for v in found)

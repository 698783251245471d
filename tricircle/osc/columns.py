"""Turning the admin API's objects into cliff's (columns, values) shapes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from osc_lib.cli import format_columns


def listing(items: Iterable[dict[str, Any]], columns: Sequence[str]) -> tuple[tuple, Iterable]:
    """For a Lister: headings, and each item's values in their order."""
    return tuple(columns), (tuple(_cell(item.get(c)) for c in columns) for item in items)


def showing(item: dict[str, Any]) -> tuple[tuple, tuple]:
    """For a ShowOne: every field, sorted by name."""
    names = tuple(sorted(item))
    return names, tuple(_cell(item[name]) for name in names)


def _cell(value: Any) -> Any:
    """Dicts and lists readable in a table, and still JSON with -f json or yaml."""
    if isinstance(value, dict):
        return format_columns.DictColumn(value)
    if isinstance(value, list):
        return format_columns.ListColumn(value)
    return value

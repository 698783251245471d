"""Property-based fuzzing of the gateway: hypothesis draws requests, the gateway in the test's
event loop answers them.

Hypothesis runs its examples synchronously, so they run in a worker thread and hand each
call to the test's loop. Every run is derandomized (the same examples on every machine) and
bounded in examples, so the suites take seconds and CI repeats them exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.gateway.harness import Client, Reply

T = TypeVar("T")
WRITES = ("POST", "PUT", "PATCH", "DELETE")

# Anything a client can put in JSON: odd numbers, odd text, nesting.
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    st.text(max_size=20),
)
JUNK = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=10), inner, max_size=3)
    ),
    max_leaves=6,
)
# What goes into a path segment or a query value.
WORDS = st.one_of(
    st.text(min_size=1, max_size=30),
    st.integers(min_value=-1, max_value=2**70).map(str),
    st.sampled_from(["0", "-1", "%", "..", "true", "none", "9" * 40]),
)


def valid(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values a JSON schema accepts (the keywords the gateway's schemas use); `JUNK` for the
    rest. Mixed with junk by the suites, so both sides of every check are drawn."""
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    kinds = schema.get("type")
    if isinstance(kinds, list):
        return st.one_of(*(valid({**schema, "type": kind}) for kind in kinds))
    if kinds == "object":
        return _objects(schema)
    if kinds == "string":
        return _strings(schema)
    if kinds == "integer":
        return st.integers(schema.get("minimum"), schema.get("maximum"))
    if kinds == "number":
        return st.floats(schema.get("minimum"), schema.get("maximum"), allow_nan=False)
    if kinds == "boolean":
        return st.booleans()
    if kinds == "null":
        return st.none()
    return JUNK


def _strings(schema: dict[str, Any]) -> st.SearchStrategy[str]:
    low, high = schema.get("minLength", 0), schema.get("maxLength", 40)
    if "pattern" not in schema:
        return st.text(min_size=low, max_size=min(high, 40))
    matching = st.from_regex(schema["pattern"], fullmatch=True)
    return matching.filter(lambda text: low <= len(text) <= high)


def _objects(schema: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    properties = schema.get("properties", {})
    required = set(schema.get("required", []))
    named = st.fixed_dictionaries(
        {name: valid(sub) for name, sub in properties.items() if name in required},
        optional={name: valid(sub) for name, sub in properties.items() if name not in required},
    )
    extra = schema.get("additionalProperties")
    names = schema.get("propertyNames", {})
    if not isinstance(extra, dict) or "enum" not in names:
        return named
    more = st.dictionaries(st.sampled_from(names["enum"]), valid(extra), max_size=3)
    return st.tuples(named, more).map(lambda parts: {**parts[1], **parts[0]})


def segment(value: str) -> str:
    return quote(value, safe="")


def fuzz(max_examples: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Hypothesis settings for the suites: repeatable, bounded, no deadline (a loaded CI)."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        print_blob=True,
    )


class Bridge:
    """Runs coroutines on the test's loop from hypothesis's thread."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def __call__(self, work: Awaitable[T]) -> T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()  # type: ignore[arg-type]


async def run(
    strategy: st.SearchStrategy[Any], check: Callable[[Bridge, Any], None], examples: int
) -> None:
    """Draws `examples` values of `strategy` and checks each, off the loop, on the loop's calls."""
    bridge = Bridge(asyncio.get_running_loop())

    @fuzz(examples)
    @given(strategy)
    def property_holds(value: Any) -> None:
        check(bridge, value)

    await asyncio.to_thread(property_holds)


def assert_sane(reply: Reply, method: str, path: str, sent: Any = None) -> None:
    """No 5xx and no traceback: a client's junk is the client's 4xx."""
    where = (method, path, sent, reply.status, reply.body)
    assert reply.status < 500, where
    text = str(reply.body)
    assert "Traceback" not in text and 'File "' not in text, where


def call(bridge: Bridge, client: Client, method: str, path: str, **kwargs: Any) -> Reply:
    reply = bridge(client.call(method, path, **kwargs))
    assert_sane(reply, method, path, kwargs.get("json", kwargs.get("params")))
    return reply

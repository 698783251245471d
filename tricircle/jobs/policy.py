"""How a failed attempt ends: classify the error, and when to try again."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass


class RetryableError(Exception):
    """Worth another attempt later (pod down, timeout, 409 from a busy resource)."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class PermanentError(Exception):
    """No later attempt can succeed (bad payload, resource gone for good)."""


def is_permanent(exc: BaseException) -> bool:
    # Anything not declared permanent is retried: transient network and database
    # errors are the common case, and the attempt limit bounds the rest.
    return isinstance(exc, PermanentError)


@dataclass(frozen=True)
class Backoff:
    """Exponential backoff with jitter: attempt n waits between d/2 and d,
    d = min(cap, base * 2**(n-1)), so retries spread out instead of stampeding."""

    base: float = 1.0
    cap: float = 300.0

    def delay(self, attempt: int, rng: random.Random | None = None) -> float:
        ceiling = min(self.cap, self.base * 2 ** max(attempt - 1, 0))
        return (rng or random).uniform(ceiling / 2, ceiling)


def describe(exc: BaseException) -> str:
    if isinstance(exc, asyncio.TimeoutError | TimeoutError):
        return "TimeoutError: attempt timed out"
    return f"{type(exc).__name__}: {exc}"[:4000]

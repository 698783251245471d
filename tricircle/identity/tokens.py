"""Validating users' Keystone tokens: async, cached, and one Keystone call per token at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import time
from collections.abc import Callable
from typing import Protocol

import aiohttp
from cachetools import TLRUCache
from keystoneauth1 import access

from tricircle.identity.context import RequestContext
from tricircle.identity.errors import IdentityUnavailable
from tricircle.observe.metrics import TOKEN_CACHE_HITS, TOKEN_CACHE_MISSES


class ServiceTokenSource(Protocol):
    auth_url: str

    async def token(self) -> str: ...

    async def invalidate(self) -> None: ...


_INVALID = object()


class TokenValidator:
    """Turns an ``X-Auth-Token`` into a RequestContext, or None when Keystone rejects it.

    Valid tokens are trusted until min(expiry, `valid_seconds`); rejected ones are
    remembered for `invalid_seconds`. Tokens are keyed by their sha256 so that no
    token is kept in memory longer than the context that carries it.
    """

    def __init__(
        self,
        http: aiohttp.ClientSession,
        service: ServiceTokenSource,
        *,
        valid_seconds: float = 300,
        invalid_seconds: float = 10,
        maxsize: int = 100_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._http = http
        self._service = service
        self._valid_seconds = valid_seconds
        self._invalid_seconds = invalid_seconds
        self._clock = clock
        self._cache: TLRUCache[str, tuple[object, float]] = TLRUCache(
            maxsize, ttu=lambda _key, value, now: value[1], timer=clock
        )
        self._inflight: dict[str, asyncio.Future[RequestContext | None]] = {}

    async def validate(self, token: str) -> RequestContext | None:
        key = hashlib.sha256(token.encode()).hexdigest()
        cached = self._cache.get(key)
        if cached is not None:
            TOKEN_CACHE_HITS.inc()
            found = cached[0]
            return None if found is _INVALID else found  # type: ignore[return-value]
        TOKEN_CACHE_MISSES.inc()
        pending = self._inflight.get(key)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[RequestContext | None] = asyncio.get_running_loop().create_future()
        self._inflight[key] = future
        try:
            context, trusted_for = await self._ask_keystone(token)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # consumed here so an unawaited future does not warn
            raise
        else:
            future.set_result(context)
            self._cache[key] = (context or _INVALID, self._clock() + trusted_for)
            return context
        finally:
            del self._inflight[key]

    async def _ask_keystone(self, token: str) -> tuple[RequestContext | None, float]:
        """The context for `token` (None if rejected) and how long to trust that answer."""
        for _attempt in range(2):
            headers = {"X-Auth-Token": await self._service.token(), "X-Subject-Token": token}
            url = f"{self._service.auth_url}/auth/tokens"
            try:
                async with self._http.get(url, headers=headers) as response:
                    if response.status == 401:
                        # Keystone rejects the caller, i.e. our service token: renew it once
                        await self._service.invalidate()
                        continue
                    if response.status == 404:  # Keystone knows no such live token
                        return None, self._invalid_seconds
                    if response.status == 403:
                        # the service user may not validate tokens: the cloud's fault, not the
                        # caller's, who must not be told the token is bad
                        raise IdentityUnavailable("Keystone forbids the gateway to validate tokens")
                    if response.status != 200:
                        raise IdentityUnavailable(f"Keystone answered {response.status}")
                    body = await response.json()
            except (aiohttp.ClientError, TimeoutError) as exc:
                raise IdentityUnavailable(str(exc)) from exc
            info = access.create(body=body, auth_token=token)
            remaining = (info.expires - dt.datetime.now(dt.UTC)).total_seconds()
            return _context(token, info), max(0.0, min(self._valid_seconds, remaining))
        raise IdentityUnavailable("Keystone rejects the gateway's service credentials")


def _context(token: str, info: access.AccessInfoV3) -> RequestContext:
    return RequestContext(
        token=token,
        user_id=info.user_id,
        user_name=info.username,
        project_id=info.project_id,
        project_name=info.project_name,
        roles=frozenset(info.role_names),
        system_scope="all" if info.system_scoped else None,
        domain_id=info.domain_id if info.domain_scoped else None,
    )

"""What a gateway process holds: one `Services` shared by all requests, and the keys to find it."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

import aiohttp
from aiohttp import web
from oslo_config import cfg

from tricircle.db.engine import Database
from tricircle.identity.context import RequestContext
from tricircle.identity.errors import IdentityUnavailable
from tricircle.identity.policy import Policy
from tricircle.identity.service_auth import ServiceAuth
from tricircle.identity.tokens import TokenValidator
from tricircle.pods.client import PodClient
from tricircle.pods.directory import PodDirectory
from tricircle.pods.registry import BindingRegistry, PodRegistry
from tricircle.pods.routing import RoutingTable


@dataclass
class Services:
    conf: cfg.ConfigOpts
    db: Database
    http: aiohttp.ClientSession
    service_auth: ServiceAuth
    validator: TokenValidator
    policy: Policy
    registry: PodRegistry
    bindings: BindingRegistry
    directory: PodDirectory
    routing: RoutingTable
    pods: PodClient
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    async def caller(self, token: str | None) -> RequestContext | None:
        """Who holds `token`, admin flag set; None when there is none, Keystone rejects it or
        cannot be asked (for pages that show less to strangers rather than fail)."""
        if not token:
            return None
        try:
            context = await self.validator.validate(token)
        except IdentityUnavailable:
            return None
        return self.policy.with_admin_flag(context) if context is not None else None

    def background(self, work: Coroutine[Any, Any, Any]) -> None:
        """Runs `work` after the response; cancelled when the gateway stops."""
        task = asyncio.create_task(work)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)
        await self.directory.close()
        await self.http.close()
        await self.db.dispose()


SERVICES = web.AppKey("services", Services)
CONTEXT = web.RequestKey("context", RequestContext)
REQUEST_ID = web.RequestKey("request_id", str)


def context_of(request: web.Request) -> RequestContext:
    return request[CONTEXT]


def services_of(request: web.Request) -> Services:
    # config_dict sees the root application's keys from inside a service's sub-application
    return request.config_dict[SERVICES]

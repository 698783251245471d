"""What a gateway process holds: one `Services` shared by all requests, and the keys to find it."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from aiohttp import web
from oslo_config import cfg

from tricircle.db.engine import Database
from tricircle.identity.context import RequestContext
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


SERVICES = web.AppKey("services", Services)
CONTEXT = "tricircle.context"


def context_of(request: web.Request) -> RequestContext:
    return request[CONTEXT]


def services_of(request: web.Request) -> Services:
    # config_dict sees the root application's keys from inside a service's sub-application
    return request.config_dict[SERVICES]

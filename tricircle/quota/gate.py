"""A create at the gateway, reserved: ``async with reserved(...) as claim`` around the
forward; the create says which pod took it (``claim.took``), and on leaving the block the
reservation is committed into that pod's usage, or released when no pod took it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Mapping
from contextlib import asynccontextmanager

from aiohttp import web

from tricircle.pods.client import PodUnavailable
from tricircle.quota.engine import Counter, OverQuota, QuotaEngine
from tricircle.quota.limits import LimitStore
from tricircle.quota.models import ANY_USER
from tricircle.quota.pod_quotas import PodQuotas
from tricircle.web.errors import ApiError
from tricircle.web.services import Services, context_of, services_of

LOG = logging.getLogger(__name__)
# each service's refusal, in its own words: Nova's 403, Cinder's 413
Refusal = Callable[[OverQuota], ApiError]


def quota_engine(request: web.Request) -> QuotaEngine:
    """The engine over the process's database (it holds nothing else)."""
    services = services_of(request)
    return QuotaEngine(services.db, services.conf)


class Claim:
    """How many units the reservation holds, and which pod took how many of them."""

    def __init__(self, units: int) -> None:
        self.units = units
        self.pod_id: str | None = None
        self.taken = units

    def took(self, pod_id: str, units: int | None = None) -> None:
        self.pod_id = pod_id
        self.taken = self.units if units is None else min(units, self.units)


@asynccontextmanager
async def reserved(
    request: web.Request,
    service: str,
    per_unit: Mapping[str, int],
    refusal: Refusal,
    *,
    min_units: int = 1,
    max_units: int = 1,
    counter: Counter | None = None,
    user_id: str = ANY_USER,
    project_id: str | None = None,
) -> AsyncIterator[Claim]:
    """Reserves for the caller's project (or `project_id`: the owner of what an admin
    changes), within the limits of `user_id` where a quota is a user's (key pairs); the
    service's refusal when it does not fit."""
    engine = quota_engine(request)
    context = context_of(request)
    try:
        reservation = await engine.reserve(
            service,
            project_id if project_id is not None else context.project_id or "",
            per_unit,
            user_id=user_id,
            min_units=min_units,
            max_units=max_units,
            counter=counter,
        )
    except OverQuota as over:
        raise refusal(over) from None
    claim = Claim(reservation.units)
    try:
        yield claim
    except PodUnavailable as exc:
        if exc.sent:  # the pod may have acted on it: held until it expires, not freed
            LOG.warning("quota reservation %s left to expire: %s", reservation.uuid, exc)
            raise
        await asyncio.shield(engine.release(reservation))
        raise
    except BaseException:
        await asyncio.shield(engine.release(reservation))
        raise
    # shielded: a client that hangs up does not leave the reservation to expire
    if claim.pod_id is None:
        await asyncio.shield(engine.release(reservation))
    elif await asyncio.shield(engine.commit(reservation, claim.pod_id, claim.taken)):
        services = services_of(request)
        landed = _first_landing(services, service, reservation.project_id, claim.pod_id)
        services.background(landed)


async def _first_landing(services: Services, service: str, project_id: str, pod_id: str) -> None:
    """The project landed in the pod for the first time: the pod's quotas for it are set
    so that the pod never refuses what the top allows."""
    pod = await services.directory.get(pod_id)
    if pod is None:
        return
    limits = LimitStore(services.db, services.conf)
    quotas = PodQuotas(services.conf, limits, services.pods, services.service_auth)
    await quotas.apply(pod, service, project_id)

"""Usage stays true: corrected from each pod's own counts, kept for a pod that is down,
and a reservation its gateway never settled rolled back once it expires."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from tests.gateway.harness import Client, Gateway
from tests.gateway.test_quota_compute import _absolute, _fill, never_refusing
from tests.gateway.test_servers import SERVERS, boot
from tricircle.quota.engine import QuotaEngine
from tricircle.quota.models import QuotaReservation
from tricircle.quota.refresh import UsageRefresh
from tricircle.quota.resources import COMPUTE
from tricircle.sim import Faults


@pytest.fixture
async def gateway(make_gateway) -> Gateway:
    return await never_refusing(make_gateway)


def _refresh(gateway: Gateway) -> UsageRefresh:
    services = gateway.services
    return UsageRefresh(
        QuotaEngine(services.db, services.conf), services.pods, services.service_auth
    )


async def test_the_pods_counts_correct_the_usage(gateway, demo: Client) -> None:
    await _fill(demo, 2, "az1")
    project = await gateway.sim_project("demo")
    # made in the pod behind the gateway's back (or a create whose answer was lost)
    gateway.sim.pods["pod1"].add_server("own", project, flavor="1")
    assert (await _absolute(demo))["totalInstancesUsed"] == 2
    findings = await _refresh(gateway).run()
    assert findings["corrected"] >= 1
    absolute = await _absolute(demo)
    assert (absolute["totalInstancesUsed"], absolute["totalCoresUsed"]) == (3, 3)


async def test_a_pod_that_is_down_keeps_its_share(gateway, demo: Client) -> None:
    await _fill(demo, 3, "az1")
    await _fill(demo, 2, "az2")
    gateway.sim.pods["pod1"].faults = Faults(down="refuse")
    findings = await _refresh(gateway).run()
    assert findings["unanswered"] >= 1
    assert (await _absolute(demo))["totalInstancesUsed"] == 5
    await _fill(demo, 5, "az2")
    refused = await demo.post(SERVERS, boot(az="az2"))
    assert refused.status == 403  # pod1's three still count


async def test_a_reservation_of_a_dead_gateway_expires(gateway, demo: Client) -> None:
    await _fill(demo, 9, "az1")
    project = await gateway.sim_project("demo")
    services = gateway.services
    engine = QuotaEngine(services.db, services.conf)
    # a gateway that reserved the last instance and died before forwarding the boot
    await engine.reserve(COMPUTE, project, {"instances": 1, "cores": 1, "ram": 512})
    assert (await demo.post(SERVERS, boot(az="az2"))).status == 403
    async with services.db.session.begin() as session:
        await session.execute(update(QuotaReservation).values(expires_at=dt.datetime(2000, 1, 1)))
    assert (await _refresh(gateway).run())["expired"] == 3
    assert (await demo.post(SERVERS, boot(az="az2"))).status == 202

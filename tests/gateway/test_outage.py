"""Outage suite: one pod of az2 refusing, then hanging, then failing half its calls, under a
steady load of creates and lists; afterwards everything converges.

What must hold in each phase: a create fails only while the gateway has not yet seen the
pod go bad (afterwards it goes to the healthy pod of the AZ), a list answers within
``list_timeout`` the first time and at once once the pod is known down, and after the
pod returns no server is an orphan and no route dangles. The figures (time to notice,
failed creates, list times) are printed for docs/benchmarks.md (`pytest -s`).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from dataclasses import dataclass, field

from tests.gateway.conftest import GatewayFactory
from tests.gateway.harness import Client, Gateway
from tests.gateway.test_servers import boot
from tricircle.jobs.pod_inventory import PodsInventory
from tricircle.jobs.reconciler import Reconciler
from tricircle.pods.routing import SERVER
from tricircle.sim import Faults
from tricircle.sim.compute.model import Quota

SERVERS = "/compute/v2.1/servers"
LIST_TIMEOUT = 2.0
PHASE = 2.5  # seconds of load per phase
CREATE_EVERY = 0.1
PHASES = {
    "refusing": Faults(down="refuse"),
    "hanging": Faults(down="hang"),
    "failing half its calls": Faults(error_rate=0.5),
}


@dataclass
class Call:
    kind: str  # "create" or "list"
    started: float
    took: float
    status: int


@dataclass
class Phase:
    name: str
    started: float
    noticed: float | None = None  # when the gateway took the pod as down
    calls: list[Call] = field(default_factory=list)

    def figures(self) -> str:
        noticed = f"{self.noticed - self.started:.2f} s" if self.noticed else "never"
        creates = [c for c in self.calls if c.kind == "create"]
        failed = [c for c in creates if c.status != 202]
        lists = [c.took for c in self.calls if c.kind == "list"]
        after = [c.took for c in self.calls if c.kind == "list" and self._after(c)]
        return (
            f"{self.name}: noticed after {noticed}; creates {len(creates)}, failed "
            f"{len(failed)}; lists {len(lists)}, max {max(lists):.2f} s, after noticing "
            f"p50 {statistics.median(after) * 1000:.0f} ms, max {max(after) * 1000:.0f} ms"
        )

    def _after(self, call: Call) -> bool:
        return self.noticed is not None and call.started > self.noticed


async def _load(demo: Client, phase: Phase, until: float) -> None:
    async def create(index: int) -> None:
        started = time.monotonic()
        reply = await demo.post(SERVERS, boot(f"{phase.name[:4]}-{index}", az="az2"))
        phase.calls.append(Call("create", started, time.monotonic() - started, reply.status))

    async def creates() -> None:
        # a steady rate, whatever the answers take: a hung create does not hold back the next
        made = []
        while time.monotonic() < until:
            made.append(asyncio.create_task(create(len(made))))
            await asyncio.sleep(CREATE_EVERY)
        await asyncio.gather(*made)

    async def lists() -> None:
        while time.monotonic() < until:
            started = time.monotonic()
            reply = await demo.get(f"{SERVERS}/detail")
            phase.calls.append(Call("list", started, time.monotonic() - started, reply.status))

    await asyncio.gather(creates(), lists(), lists())


async def _watch(gateway: Gateway, pod_id: str, phase: Phase, until: float) -> None:
    while time.monotonic() < until and phase.noticed is None:
        if gateway.services.pods.health.is_down(pod_id):
            phase.noticed = time.monotonic()
        await asyncio.sleep(0.01)


async def _converged(gateway: Gateway) -> None:
    """No orphan, no dangling route, once the reconciler ran over the returned pod."""
    services = gateway.services
    reconciler = Reconciler(
        services.db, PodsInventory(services.pods, services.service_auth), (SERVER,), grace=0.0
    )
    await reconciler.run()
    routed = {e.top_id: e.pod_id for e in await services.routing.page(resource_type=SERVER)}
    pod_ids = {p.name: p.id for p in (await services.directory.pods()).values()}
    held = {
        server_id: pod_ids[name]
        for name, pod in gateway.sim.pods.items()
        for server_id in pod.servers
    }
    assert routed == held


async def test_one_pod_of_an_az_refusing_hanging_and_failing(
    make_gateway: GatewayFactory,
) -> None:
    random.seed(7)  # the simulated pod's failures, the same every run
    gateway = await make_gateway(
        list_timeout=LIST_TIMEOUT, request_timeout=4.0, probe_interval=0.1, probe_timeout=0.5
    )
    for pod in gateway.sim.pods.values():  # the load makes more servers than Nova's default
        pod.compute.quota = Quota(instances=1000, cores=1000, ram=10**7)
    for name in ("instances", "cores", "ram"):  # and than the top's
        gateway.conf.set_override(name, -1, "quota")
    demo = await gateway.client("demo")
    reply = await demo.post(SERVERS, boot("first", az="az2"))
    assert reply.status == 202, reply.body
    # the project's pod in az2 is the one that goes bad: its creates must move to the other
    bad = next(name for name in ("pod2", "pod3") if gateway.sim.pods[name].servers)
    bad_id = next(p.id for p in (await gateway.services.directory.pods()).values() if p.name == bad)
    report = []
    for name, faults in PHASES.items():
        await gateway.sim.pods[bad].set_faults(faults)
        phase = Phase(name, time.monotonic())
        until = phase.started + PHASE
        await asyncio.gather(_load(demo, phase, until), _watch(gateway, bad_id, phase, until))
        await gateway.sim.pods[bad].set_faults(Faults())
        report.append(phase.figures())
        assert phase.noticed is not None, f"{name}: the pod was never taken as down"
        failed = [c for c in phase.calls if c.kind == "create" and c.status != 202]
        assert all(c.started < phase.noticed for c in failed), (name, failed)
        assert all(c.status == 200 for c in phase.calls if c.kind == "list"), name
        # the first lists wait at most list_timeout; once the pod is known down, none waits
        assert max(c.took for c in phase.calls if c.kind == "list") < LIST_TIMEOUT + 1.0
        after = [c.took for c in phase.calls if c.kind == "list" and c.started > phase.noticed]
        assert after and max(after) < LIST_TIMEOUT / 2, (name, after)
        for _ in range(100):  # back before the next phase
            if not gateway.services.pods.health.is_down(bad_id):
                break
            await asyncio.sleep(0.05)
    print("\n" + "\n".join(report))
    await asyncio.sleep(0.5)  # creates that hung are settled by the pod by now
    await _converged(gateway)

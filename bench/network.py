"""The networking benchmark, one command: ``.venv/bin/python -m bench.network``.

Three simulated pods in two AZs, a simulated central Neutron and one gateway (SQLite,
its job worker embedded), in one process. Measures:

- router wiring: per router two networks with a server on each in another AZ, then the
  router joins both; from the second interface's answer until both pods' bottom routers
  have their interfaces and routes (p50, p99 over --routers);
- rule propagation: a security group used by servers in two pods; --changes rules are
  added one after another at the top, each timed from the gateway's answer until both
  pods' copies hold it (p50, p99);
- the added time of a boot on a tenant network whose pod holds no copy yet (network,
  subnet, group with its rules, port made first) against a boot with no network, both
  through the gateway, medians of --boots;
- the added latency of a network call through the gateway (GET /v2.0/networks/{id},
  passed on to the central Neutron) against the same call straight to it, medians of
  --calls.

Prints a Markdown table; stops everything it started.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

from tests.databases import migrated_database
from tests.gateway.harness import IMAGE_ID, PASSWORD, Client, Gateway
from tricircle.sim import SimCloud

NET = "/network/v2.0"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def timed(call: Callable[[], Awaitable[Any]]) -> float:
    started = time.perf_counter()
    await call()
    return (time.perf_counter() - started) * 1000


async def setup(sim: SimCloud, url: str) -> tuple[Gateway, Client]:
    sim.identity.create_user("demo", PASSWORD, project="demo", roles=["member"])
    central = await sim.add_central()
    gateway = Gateway(sim, url)
    gateway.conf.set_override("network_url", central.url("network"), "central")
    for resource in ("instances", "cores", "ram"):  # the benchmark boots many servers
        gateway.conf.set_override(resource, -1, "quota")
    await gateway.start()
    admin = await gateway.client("admin")
    for name, az in (("pod1", "az1"), ("pod2", "az2"), ("pod3", "az2")):
        await gateway.add_pod(admin, name, az)
    flavor = {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1}
    await admin.post("/compute/v2.1/flavors", {"flavor": flavor})
    return gateway, await gateway.client("demo")


async def network(demo: Client, name: str, cidr: str) -> str:
    reply = await demo.post(f"{NET}/networks", {"network": {"name": name}})
    net = reply.body["network"]["id"]
    subnet = {"network_id": net, "cidr": cidr, "ip_version": 4}
    await demo.post(f"{NET}/subnets", {"subnet": subnet})
    return net


async def boot(demo: Client, az: str, networks: Any, **extra: Any) -> str:
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": az}
    reply = await demo.post(
        "/compute/v2.1/servers", {"server": {**server, "networks": networks, **extra}}
    )
    assert reply.status == 202, reply.body
    return reply.body["server"]["id"]


async def rule_propagation(gateway: Gateway, demo: Client, changes: int) -> list[float]:
    net = await network(demo, "bench-rules", "10.10.0.0/16")
    reply = await demo.post(f"{NET}/security-groups", {"security_group": {"name": "bench"}})
    group = reply.body["security_group"]["id"]
    for az in ("az1", "az2"):
        await boot(demo, az, [{"uuid": net}], security_groups=[{"name": "bench"}])
    pods = [gateway.sim.pods["pod1"], gateway.sim.pods["pod2"], gateway.sim.pods["pod3"]]

    def copies_with(port: int) -> int:
        found = 0
        for pod in pods:
            rules = pod.network.security_group_rules.values()
            if any(r.get("port_range_min") == port for r in rules):
                found += 1
        return found

    delays = []
    for port in range(1000, 1000 + changes):
        rule = {"security_group_id": group, "direction": "ingress", "protocol": "tcp"}
        rule |= {"port_range_min": port, "port_range_max": port}
        reply = await demo.post(f"{NET}/security-group-rules", {"security_group_rule": rule})
        assert reply.status == 201, reply.body
        answered = time.perf_counter()
        while copies_with(port) < 2:
            await asyncio.sleep(0.001)
        delays.append((time.perf_counter() - answered) * 1000)
    return delays


async def router_wiring(gateway: Gateway, demo: Client, routers: int) -> list[float]:
    """Per router: two networks, a server on each in another AZ, then the router joins
    both; timed from the second interface's answer until both pods' bottom routers have
    their interfaces and routes."""
    pods = gateway.sim.pods

    def wired(router_id: str) -> int:
        done = 0
        for pod in pods.values():
            state = pod.network
            bottom = [r for r in state.routers.values() if r.get("description") == router_id]
            if bottom and bottom[0]["routes"] and len(state.router_ports[bottom[0]["id"]]) == 2:
                done += 1
        return done

    delays = []
    for index in range(routers):
        subnets = []
        for side, az in ((1, "az1"), (2, "az2")):
            net = await network(demo, f"bench-r{index}-{side}", f"10.{100 + side}.{index}.0/24")
            await boot(demo, az, [{"uuid": net}])
            reply = await demo.get(f"{NET}/subnets", params={"network_id": net})
            subnets.append(reply.body["subnets"][0]["id"])
        reply = await demo.post(f"{NET}/routers", {"router": {"name": f"bench-r{index}"}})
        router_id = reply.body["router"]["id"]
        for subnet in subnets:
            path = f"{NET}/routers/{router_id}/add_router_interface"
            assert (await demo.put(path, {"subnet_id": subnet})).status == 200
        answered = time.perf_counter()
        while wired(router_id) < 2:
            await asyncio.sleep(0.001)
        delays.append((time.perf_counter() - answered) * 1000)
    return delays


async def boot_cost(demo: Client, boots: int) -> tuple[float, float]:
    plain, tenant = [], []
    for index in range(boots):
        plain.append(await timed(lambda: boot(demo, "az1", "none")))
        net = await network(demo, f"bench-boot-{index}", f"10.{20 + index % 200}.0.0/24")
        tenant.append(await timed(lambda net=net: boot(demo, "az2", [{"uuid": net}])))
    return statistics.median(plain), statistics.median(tenant)


async def proxy_cost(gateway: Gateway, demo: Client, calls: int) -> tuple[float, float]:
    net = await network(demo, "bench-proxy", "10.250.0.0/24")
    central = gateway.sim.central
    assert central is not None
    direct = Client(demo.http, central.url("network"), demo.token)
    via, straight = [], []
    for _ in range(calls):
        straight.append(await timed(lambda: direct.get(f"/v2.0/networks/{net}")))
        via.append(await timed(lambda: demo.get(f"{NET}/networks/{net}")))
    return statistics.median(straight), statistics.median(via)


async def main(args: argparse.Namespace, url: str) -> None:
    sim = SimCloud(boot_delay=0.05, quota={"instances": 10_000, "cores": 10_000, "ram": 10**8})
    await sim.start()
    try:
        gateway, demo = await setup(sim, url)
        try:
            delays = await rule_propagation(gateway, demo, args.changes)
            wiring = await router_wiring(gateway, demo, args.routers)
            plain, tenant = await boot_cost(demo, args.boots)
            straight, via = await proxy_cost(gateway, demo, args.calls)
        finally:
            await gateway.stop()
    finally:
        await sim.stop()
    print("| measure | figure | target |")
    print("|---|---|---|")
    print(
        f"| rule change until every pod has it, {args.changes} changes | "
        f"p50 {percentile(delays, 0.5):.1f} ms, p99 {percentile(delays, 0.99):.1f} ms | "
        "p99 ≤ 2 s |"
    )
    print(
        f"| router joining networks in two pods until wired in both, {args.routers} routers | "
        f"p50 {percentile(wiring, 0.5):.1f} ms, p99 {percentile(wiring, 0.99):.1f} ms | "
        "p99 ≤ 2 s |"
    )
    print(
        f"| boot on a network new to the pod vs no network, median of {args.boots} | "
        f"{tenant:.1f} ms vs {plain:.1f} ms (+{tenant - plain:.1f} ms) | — |"
    )
    print(
        f"| GET network through the gateway vs straight, median of {args.calls} | "
        f"{via:.2f} ms vs {straight:.2f} ms (+{via - straight:.2f} ms) | within 1 ms |"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--routers", type=int, default=100)
    parser.add_argument("--boots", type=int, default=20)
    parser.add_argument("--calls", type=int, default=500)
    logging.basicConfig(level=logging.WARNING)
    with migrated_database("sqlite") as database:
        asyncio.run(main(parser.parse_args(), database))

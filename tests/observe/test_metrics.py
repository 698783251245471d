"""Prometheus /metrics on its own port: requests by route template, pod calls, tokens, pods."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import aiohttp
import pytest

from tests.e2e.test_demo import free_port
from tests.gateway.harness import IMAGE_ID, Gateway
from tests.jobs.helpers import eventually
from tricircle.db.engine import Database
from tricircle.observe.metrics_server import serve_metrics
from tricircle.sim import SimCloud
from tricircle.sim.faults import Faults

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
async def observed(
    sim: SimCloud, sqlite_url: str, sqlite_db: Database
) -> AsyncIterator[tuple[Gateway, str]]:
    """A gateway with two pods and /metrics on a port of its own."""
    gateway = Gateway(sim, sqlite_url)
    port = free_port()
    gateway.conf.set_override("metrics_port", port, "gateway")
    await gateway.start()
    admin = await gateway.client("admin")
    await gateway.add_pod(admin, "pod1", "az1")
    await gateway.add_pod(admin, "pod2", "az2")
    flavor = {"id": "1", "name": "m1.tiny", "ram": 512, "vcpus": 1, "disk": 1}
    assert (await admin.post("/compute/v2.1/flavors", {"flavor": flavor})).status == 200
    yield gateway, f"http://127.0.0.1:{port}/metrics"
    await gateway.stop()


async def scrape(http: aiohttp.ClientSession, url: str) -> dict[str, float]:
    async with http.get(url) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("text/plain")
        text = await answer.text()
    samples = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            samples[name] = float(value)
    return samples


def grown(before: dict[str, float], after: dict[str, float]) -> dict[str, float]:
    """What each series gained between two scrapes (counters are per process, the tests many)."""
    return {name: value - before.get(name, 0) for name, value in after.items()}


async def test_requests_pod_calls_tokens_and_pods_are_counted_without_ids(observed) -> None:
    gateway, url = observed
    assert gateway.http is not None
    before = await scrape(gateway.http, url)
    demo = await gateway.client("demo")
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az2"}
    created = await demo.post("/compute/v2.1/servers", {"server": server})
    assert created.status == 202
    server_id = created.body["server"]["id"]
    assert (await demo.get(f"/compute/v2.1/servers/{server_id}")).status == 200
    assert (await demo.get(f"/compute/v2.1/servers/{IMAGE_ID}")).status == 404
    assert (await demo.get("/no/such/path")).status == 404
    assert (await demo.get("/v1.0/pods")).status == 403

    samples = await scrape(gateway.http, url)
    added = grown(before, samples)
    show = '{method="GET",route="/compute/v2.1/servers/{server_id}",service="compute",status="%d"}'
    assert added["tricircle_http_requests_total" + show % 200] == 1
    assert added["tricircle_http_requests_total" + show % 404] == 1
    unmatched = '{method="GET",route="unmatched",service="other",status="404"}'
    assert added["tricircle_http_requests_total" + unmatched] == 1
    refused = '{method="GET",route="/v1.0/pods",service="admin",status="403"}'
    assert added["tricircle_http_requests_total" + refused] == 1
    latency = '{method="POST",route="/compute/v2.1/servers",service="compute"}'
    assert added["tricircle_http_request_duration_seconds_count" + latency] == 1
    pod_create = '{method="POST",pod="pod2",service="compute",status="2xx"}'
    assert added["tricircle_pod_requests_total" + pod_create] >= 1
    assert added['tricircle_pod_request_duration_seconds_count{pod="pod2",service="compute"}'] >= 1
    assert added["tricircle_token_cache_misses_total"] == 1  # demo's token, asked once
    assert added["tricircle_token_cache_hits_total"] == 3  # its three later calls
    assert samples['tricircle_pod_up{az="az1",pod="pod1"}'] == 1
    assert samples['tricircle_pod_admin_state{pod="pod1",state="up"}'] == 1
    assert samples['tricircle_pod_admin_state{pod="pod1",state="maintenance"}'] == 0
    assert any(name.startswith("tricircle_jobs{") for name in samples)
    assert not [name for name in samples if UUID.search(name)]


async def test_a_pod_that_fails_shows_in_errors_timeouts_and_its_up_gauge(observed) -> None:
    gateway, url = observed
    assert gateway.http is not None
    before = await scrape(gateway.http, url)
    await gateway.sim.pods["pod1"].set_faults(Faults(down="refuse"))

    async def seen_down() -> bool:
        return (await scrape(gateway.http, url))['tricircle_pod_up{az="az1",pod="pod1"}'] == 0

    await eventually(seen_down)
    demo = await gateway.client("demo")
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az1"}
    assert (await demo.post("/compute/v2.1/servers", {"server": server})).status == 503
    await gateway.sim.pods["pod1"].set_faults(Faults(down="hang"))
    pod1 = next(p for p in (await gateway.services.directory.pods()).values() if p.name == "pod1")
    with pytest.raises(Exception, match="did not answer"):
        await gateway.services.pods.request(
            pod1, "compute", "GET", "/servers", token="t", timeout=0.2
        )
    added = grown(before, await scrape(gateway.http, url))
    errors = 'tricircle_pod_request_errors_total{kind="timeout",pod="pod1",service="compute"}'
    assert added[errors] == 1
    assert added['tricircle_pod_request_timeouts_total{pod="pod1",service="compute"}'] == 1
    failed = '{method="GET",pod="pod1",service="compute",status="error"}'
    assert added["tricircle_pod_requests_total" + failed] == 1


async def test_each_gateway_process_serves_its_metrics_on_its_own_port(observed) -> None:
    gateway, url = observed
    assert gateway.http is not None
    port = int(url.rsplit(":", 1)[1].split("/")[0])
    async with serve_metrics(gateway.conf, gateway.services, offset=1):
        second = f"http://127.0.0.1:{port + 1}/metrics"
        assert 'tricircle_pod_up{az="az1",pod="pod1"}' in await scrape(gateway.http, second)

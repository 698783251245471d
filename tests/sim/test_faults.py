"""Faults: latency, error rate in each service's format, refuse, hang; the /sim admin API."""

import asyncio
import time

import aiohttp
import pytest

from tricircle.sim import Faults


async def test_refuse_then_back_on_same_port(pod, api):
    url = pod.url("compute") + "/servers"
    port = pod.port
    pod.faults = Faults(down="refuse")
    with pytest.raises(aiohttp.ClientConnectorError):
        await api.call("GET", url)
    await pod.set_faults(Faults())
    assert pod.port == port
    status, _, _ = await api.call("GET", url)
    assert status == 200


async def test_hang_times_out_and_recovers(pod, api):
    url = pod.url("compute") + "/servers"
    pod.faults = Faults(down="hang")
    timeout = aiohttp.ClientTimeout(total=0.3)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        with pytest.raises(asyncio.TimeoutError):
            await session.get(url, headers={"X-Auth-Token": api.token})
    pod.faults = Faults()
    status, _, _ = await api.call("GET", url)
    assert status == 200


async def test_latency(pod, api):
    pod.faults = Faults(latency=0.2)
    start = time.monotonic()
    await api.call("GET", pod.url("compute") + "/servers")
    assert time.monotonic() - start >= 0.2


async def test_error_rate_uses_service_error_bodies(pod, api):
    pod.faults = Faults(error_rate=1.0)
    status, headers, body = await api.call("GET", pod.url("compute") + "/servers")
    assert status in (500, 503)
    assert set(body) <= {"computeFault", "serviceUnavailable"}
    assert headers["x-openstack-request-id"]
    status, _, body = await api.call("GET", pod.url("network") + "/v2.0/networks")
    assert status in (500, 503) and "NeutronError" in body
    status, _, body = await api.call("GET", pod.url("image") + "/v2/images")
    assert status in (500, 503) and body["code"].startswith(str(status))


async def test_faults_do_not_touch_other_pods(cloud, pod, api):
    other = await cloud.add_pod("pod2")
    pod.faults = Faults(down="refuse")
    status, _, _ = await api.call("GET", other.url("compute") + "/servers")
    assert status == 200


async def test_admin_endpoint(cloud, pod, api):
    status, _, body = await api.call("GET", cloud.base_url + "/sim/pods")
    assert status == 200 and body["pods"][0]["name"] == "pod1"
    status, _, body = await api.call("POST", cloud.base_url + "/sim/pods",
                                     {"name": "pod9", "az": "az9"})
    assert status == 201 and body["pod"]["az"] == "az9"
    assert "pod9" in cloud.identity.regions
    status, _, body = await api.call("PUT", cloud.base_url + "/sim/pods/pod1/faults",
                                     {"down": "refuse"})
    assert status == 200 and body["faults"]["down"] == "refuse"
    with pytest.raises(aiohttp.ClientConnectorError):
        await api.call("GET", pod.url("compute") + "/servers")
    status, _, body = await api.call("PUT", cloud.base_url + "/sim/pods/pod1/faults", {})
    assert status == 200
    status, _, _ = await api.call("GET", pod.url("compute") + "/servers")
    assert status == 200
    status, _, body = await api.call("PUT", cloud.base_url + "/sim/pods/pod1/faults",
                                     {"down": "sideways"})
    assert status == 400
    status, _, _ = await api.call("PUT", cloud.base_url + "/sim/pods/nope/faults", {})
    assert status == 404

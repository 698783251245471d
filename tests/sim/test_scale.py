"""Hundreds of pods in one process, and cheap big lists."""

import asyncio

from tricircle.sim import SimCloud


async def test_two_hundred_pods_start_and_answer(api):
    cloud = SimCloud(boot_delay=0)
    await cloud.start()
    try:
        pods = [await cloud.add_pod(f"p{i}") for i in range(200)]
        assert len({p.port for p in pods}) == 200
        api.cloud = cloud
        await api.login()
        results = await asyncio.gather(*(api.call("GET", p.url("compute") + "/servers")
                                         for p in pods))
        assert all(status == 200 for status, _, _ in results)
    finally:
        await cloud.stop()


async def test_listing_a_thousand_servers_is_one_full_page(pod, api):
    # how fast is bench/'s question: a test here asserts behaviour, not time
    project_id = api.cloud.identity.find_project("admin", "default").id
    for i in range(1000):
        pod.add_server(f"s{i}", project_id)
    status, _, body = await api.call("GET", pod.url("compute") + "/servers/detail",
                                     headers={"OpenStack-API-Version": "compute 2.96"})
    assert status == 200 and len(body["servers"]) == 1000
    assert "servers_links" in body  # a full max_limit page links to the next

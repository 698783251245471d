"""The pods' own quotas: set when a project first lands in a pod, so the pod never refuses
what the top allows; the operators' check finds a pod that would."""

from __future__ import annotations

import asyncio

from tests.gateway.harness import Gateway
from tests.gateway.test_quota_volume import V, _volume
from tricircle.quota.limits import LimitStore
from tricircle.quota.pod_quotas import PodQuotas, Refusing


def _checker(gateway: Gateway) -> PodQuotas:
    services = gateway.services
    limits = LimitStore(services.db, services.conf)
    return PodQuotas(services.conf, limits, services.pods, services.service_auth)


async def test_a_project_landing_in_a_pod_gets_unlimited_quotas_there(gateway, demo) -> None:
    project = await gateway.sim_project("demo")
    cinder = gateway.sim.pods["pod1"].volume
    assert project not in cinder.quotas.projects
    await _volume(demo, 1, "az1")
    for _ in range(100):  # set in the background, after the answer
        if cinder.quotas.projects.get(project, {}).get("volumes") == -1:
            break
        await asyncio.sleep(0.05)
    assert cinder.quotas.projects[project]["volumes"] == -1
    assert cinder.quotas.projects[project]["gigabytes"] == -1
    # what only the pods enforce gets the top's limit
    assert cinder.quotas.projects[project]["groups"] == 10


async def test_the_check_names_a_pod_that_would_refuse_and_fix_sets_it(
    gateway, admin, demo
) -> None:
    project = await gateway.sim_project("demo")
    await _volume(demo, 1, "az2")
    await admin.put(f"{V}/os-quota-sets/{project}", {"quota_set": {"snapshots": 20}})
    pod = next(p for p in gateway.sim.pods.values() if p.volume.volumes)
    for _ in range(100):
        if pod.volume.quotas.projects.get(project):
            break
        await asyncio.sleep(0.05)
    pod.volume.quotas.projects[project] = {"volumes": 5}  # an operator set it in the pod
    checker = _checker(gateway)
    found = [r for r in await checker.refusing() if r.service == "volume"]
    assert found == [
        Refusing(pod.name, project, "volume", "volumes", 5, 10),
        Refusing(pod.name, project, "volume", "snapshots", 10, 20),  # the pod's default
    ]
    pods = await gateway.services.directory.pods()
    assert await checker.apply(
        next(p for p in pods.values() if p.name == pod.name), "volume", project
    )
    assert [r for r in await checker.refusing() if r.service == "volume"] == []

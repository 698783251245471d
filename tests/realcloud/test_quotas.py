"""Quotas at the top, through the gateway in front of the real regions, with the real
`openstack` CLI: ``quota set``, ``quota show`` and ``limits show --absolute``; and the
quotas the gateway sets in a real pod when the project first lands there."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.test_openstack_cli import openstack_cli
from tests.realcloud.conftest import RealCloud
from tests.realcloud.helpers import BASE_FLAVOR, BASE_IMAGE, unique
from tests.realcloud.test_gateway_e2e import clouds_yaml  # noqa: F401 - the fixture

pytestmark = pytest.mark.realcloud


def _value(shown: Any, name: str) -> Any:
    """A quota or a limit from the CLI's JSON: a mapping, or rows of (name, value)."""
    if isinstance(shown, dict):
        return shown[name]
    for row in shown:
        values = list(row.values())
        if values and values[0] == name:
            return values[1]
    raise AssertionError(f"{name} not in {shown}")


async def test_quota_set_show_and_absolute_limits_over_the_real_pods(
    realcloud: RealCloud,
    clouds_yaml: Path,  # noqa: F811
) -> None:
    async def cli(*args: str, cloud: str = "demo", output: bool = True) -> Any:
        return await openstack_cli(clouds_yaml, cloud, *args, output=output)

    async def in_pod(short: str, *args: str, output: bool = True) -> Any:
        """The pod's own API, with its region's admin (clouds admin-r1, admin-r2)."""
        pods_yaml = realcloud.spec.home / "clouds.yaml"
        return await openstack_cli(pods_yaml, f"admin-{short}", *args, output=output)

    project = realcloud.spec.demo.project_name
    for pod in realcloud.spec.pods:  # the pods' defaults, as before the project landed
        await in_pod(pod.short, "quota", "delete", "--compute", project, output=False)
    await cli("quota", "set", "--instances", "12", project, cloud="admin", output=False)
    try:
        assert _value(await cli("quota", "show", project, cloud="admin"), "instances") == 12
        assert _value(await cli("quota", "show"), "instances") == 12
        limits = await cli("limits", "show", "--absolute")
        assert _value(limits, "max_total_instances") == 12
        used = _value(limits, "total_instances_used")
        name = unique("quota")
        server = await cli(
            *("server", "create", "--flavor", BASE_FLAVOR, "--image", BASE_IMAGE),
            *("--nic", "none", "--wait", name),
        )
        try:
            limits = await cli("limits", "show", "--absolute")
            assert _value(limits, "total_instances_used") == used + 1
            # the pod it landed in lets the project have what the top allows
            az = server["OS-EXT-AZ:availability_zone"]
            short = next(p.short for p in realcloud.spec.pods if p.az == az)
            for _ in range(30):
                shown = await in_pod(short, "quota", "show", "--compute", project)
                if _value(shown, "instances") == -1:
                    break
                await asyncio.sleep(1)
            assert _value(shown, "instances") == -1 and _value(shown, "cores") == -1
        finally:
            await cli("server", "delete", "--wait", server["id"], output=False)
        limits = await cli("limits", "show", "--absolute")
        assert _value(limits, "total_instances_used") == used
    finally:
        await cli("quota", "set", "--instances", "10", project, cloud="admin", output=False)
        for pod in realcloud.spec.pods:
            await in_pod(pod.short, "quota", "delete", "--compute", project, output=False)

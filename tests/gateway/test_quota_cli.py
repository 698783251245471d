"""The `openstack` CLI's quota commands through the gateway, over simulated pods."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_openstack_cli import openstack_cli
from tests.gateway.harness import PASSWORD, Gateway
from tests.gateway.test_servers import SERVERS, boot
from tests.realcloud.test_quotas import _value
from tricircle.demo import write_clouds_yaml


@pytest.fixture
def clouds_yaml(gateway: Gateway, tmp_path: Path) -> Path:
    path = tmp_path / "clouds.yaml"
    write_clouds_yaml(
        path, gateway.sim.identity_url, {"demo": ("demo", PASSWORD), "admin": ("admin", "admin")}
    )
    return path


async def test_quota_set_show_and_absolute_limits(gateway, demo, clouds_yaml: Path) -> None:
    await openstack_cli(
        clouds_yaml, "admin", "quota", "set", "--instances", "12", "demo", output=False
    )
    assert (
        _value(await openstack_cli(clouds_yaml, "demo", "quota", "show", "--compute"), "instances")
        == 12
    )
    assert (await demo.post(SERVERS, boot())).status == 202
    limits = await openstack_cli(clouds_yaml, "demo", "limits", "show", "--absolute")
    assert _value(limits, "max_total_instances") == 12
    assert _value(limits, "total_instances_used") == 1
    assert _value(limits, "max_total_volumes") == 10

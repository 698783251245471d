"""An image made with the `openstack` CLI at the real top Glance, through the gateway: it
boots in an AZ whose real pod never had it (copied first), its property reaches the copy,
an admin copies it into every pod, and its delete leaves no copy anywhere."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from tests.e2e.test_openstack_cli import openstack_cli
from tests.realcloud.conftest import RealCloud
from tests.realcloud.gateway import running_gateway
from tests.realcloud.helpers import BASE_FLAVOR, unique
from tests.realcloud.targets import Client
from tricircle.demo import write_clouds_yaml

pytestmark = pytest.mark.realcloud
DATA = bytes(range(256)) * 4096 * 4  # 4 MiB, no two KiB alike


class Top:
    """The CLI's clouds.yaml for the gateway, the operator at the gateway and in each real
    pod."""

    def __init__(
        self, clouds_yaml: Path, gateway_url: str, admin: Client, pods: dict[str, Client]
    ) -> None:
        self.clouds_yaml, self.gateway_url = clouds_yaml, gateway_url
        self.admin, self.pods = admin, pods

    async def cli(self, *args: str, cloud: str = "demo", output: bool = True) -> Any:
        return await openstack_cli(self.clouds_yaml, cloud, *args, output=output)

    async def admin_api(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        """The gateway's admin API (/v1.0), as the operator."""
        headers = {"X-Auth-Token": self.admin.token}
        url = f"{self.gateway_url}/v1.0{path}"
        async with self.admin.http.request(method, url, json=body, headers=headers) as answer:
            return answer.status, await answer.json(content_type=None)


@pytest.fixture
async def top(realcloud: RealCloud, tmp_path: Path) -> AsyncIterator[Top]:
    spec = realcloud.spec
    path = tmp_path / "clouds.yaml"
    users = {user.username: (user.username, user.password) for user in (spec.demo, spec.admin)}
    write_clouds_yaml(path, spec.identity_url, users)
    async with running_gateway(realcloud), aiohttp.ClientSession() as http:
        admin = await Client(http, realcloud.target(spec.top_region)).login(spec.admin)
        pods = {
            pod.az: await Client(http, realcloud.target(pod.region)).login(spec.admin)
            for pod in spec.pods
        }
        yield Top(path, spec.gateway_url, admin, pods)


async def eventually(check: Callable[[], Awaitable[bool]], what: str, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        await asyncio.sleep(0.5)


async def pod_image(pod: Client, image_id: str) -> dict[str, Any] | None:
    reply = await pod.call("image", "GET", f"/v2/images/{image_id}")
    return reply.body if reply.status == 200 else None


async def copies(top: Top, image_id: str) -> list[dict[str, Any]]:
    status, body = await top.admin_api("GET", f"/images/{image_id}/copies")
    assert status == 200, body
    return body["copies"]


async def test_an_image_through_the_gateway_reaches_the_pods_that_need_it(
    top: Top, tmp_path: Path
) -> None:
    run = unique("img")
    (tmp_path / "disk.raw").write_bytes(DATA)
    image = await top.cli(
        "image", "create", "--file", str(tmp_path / "disk.raw"), "--disk-format", "raw",
        "--container-format", "bare", run,
    )  # fmt: skip
    azs = list(top.pods)
    try:
        assert image["status"] == "active"
        for pod in top.pods.values():
            assert await pod_image(pod, image["id"]) is None  # no pod ever had it
        server = await top.cli(
            "server", "create", "--flavor", BASE_FLAVOR, "--image", run, "--nic", "none",
            "--availability-zone", azs[-1], "--wait", run,
        )  # fmt: skip
        assert server["status"] == "ACTIVE"
        copy = await pod_image(top.pods[azs[-1]], image["id"])
        at_top = (await top.admin.call("image", "GET", f"/v2/images/{image['id']}")).body
        assert copy is not None and copy["status"] == "active"
        assert copy["os_hash_value"] == at_top["os_hash_value"]
        await top.cli("server", "delete", "--wait", run, output=False)

        await top.cli("image", "set", "--property", "os_distro=cirros", run, output=False)

        async def followed() -> bool:
            shown = await pod_image(top.pods[azs[-1]], image["id"])
            return shown is not None and shown.get("os_distro") == "cirros"

        await eventually(followed, "the property reached the copy")

        status, body = await top.admin_api("POST", f"/images/{image['id']}/copies", {"copies": {}})
        assert status == 202, body

        async def everywhere() -> bool:
            made = await copies(top, image["id"])
            return len(made) == len(azs) and all(c["state"] == "active" for c in made)

        await eventually(everywhere, "a copy in every pod")
        for pod in top.pods.values():
            shown = await pod_image(pod, image["id"])
            assert shown is not None and shown.get("os_distro") == "cirros"
    finally:
        await top.cli("image", "delete", run, output=False)

    async def nowhere() -> bool:
        return all([await pod_image(pod, image["id"]) is None for pod in top.pods.values()])

    await eventually(nowhere, "no copy left in any pod")

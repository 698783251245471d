"""Mode (c): the gateway, in process, in front of the two real pod regions.

`gateway_target` is the hook tests/realcloud/conftest.py collects the `gateway` target
from; `running_gateway` also serves the end-to-end test with the `openstack` CLI.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import aiohttp
from aiohttp import web

from tests.realcloud.helpers import BASE_FLAVOR, BASE_IMAGE, base_flavor, base_image, wait_status
from tests.realcloud.targets import Client, Target
from tricircle.config import load_config
from tricircle.db import migrate
from tricircle.gateway.app import create_app

if TYPE_CHECKING:
    from tests.realcloud.conftest import RealCloud

# What the gateway does not serve yet, so the scenarios of these modules are not run
# against it (deselected at collection): {module: reason}.
NOT_SERVED: dict[str, str] = {}


@asynccontextmanager
async def running_gateway(cloud: RealCloud) -> AsyncIterator[str]:
    """The gateway on the top region's URL over a fresh SQLite database, with both real
    regions registered as pods; yields its URL."""
    spec = cloud.spec
    url = urlsplit(spec.gateway_url)
    service = spec.service
    with tempfile.TemporaryDirectory(prefix="tricircle-gateway-") as tmp:
        conf = load_config()
        conf.set_override("connection", f"sqlite:///{Path(tmp) / 'gateway.sqlite'}", "database")
        conf.set_override("auth_url", spec.identity_url, "identity")
        conf.set_override("username", service.username, "identity")
        conf.set_override("password", service.password, "identity")
        conf.set_override("project_name", service.project_name, "identity")
        conf.set_override("region_name", spec.top_region, "identity")
        conf.set_override("port", url.port, "gateway")
        # the top's own services, which the gateway passes network and image calls to
        conf.set_override("network_url", spec.central_url("network"), "central")
        conf.set_override("image_url", spec.central_url("image"), "central")
        logging.getLogger("alembic").setLevel(logging.WARNING)
        await asyncio.to_thread(migrate.upgrade, conf.database.connection)
        runner = web.AppRunner(create_app(conf, run_jobs=True), access_log=None)
        await runner.setup()
        try:
            await web.TCPSite(runner, url.hostname, conf.gateway.port).start()
            async with aiohttp.ClientSession() as http:
                top = await Client(http, cloud.target(spec.top_region)).login(spec.admin)
                for pod in spec.pods:
                    fields = {"name": pod.region, "region_name": pod.region, "az_name": pod.az}
                    async with http.post(
                        f"{spec.gateway_url}/v1.0/pods",
                        json={"pod": fields},
                        headers={"X-Auth-Token": top.token},
                    ) as resp:
                        assert resp.status == 201, await resp.text()
                await _base_objects(cloud, top)
            yield spec.gateway_url
        finally:
            await runner.cleanup()


async def _base_objects(cloud: RealCloud, top: Client) -> None:
    """What the scenarios boot from, as an operator would provide it.

    The top is the flavor registry: the scenarios' flavor, made in the first pod, is
    registered at the top with its id and properties, so servers use the pod's own
    flavor.  Every pod holds the base image under the first pod's id, adopted into the
    top Glance (one image with a copy in each pod), so one image id boots in either AZ.
    """
    pods = [
        await Client(top.http, cloud.target(pod.region)).login(cloud.spec.admin)
        for pod in cloud.spec.pods
    ]
    image_id = await base_image(pods[0])
    for pod in pods[1:]:
        listed = await pod.call("image", "GET", f"/v2/images?name={BASE_IMAGE}")
        for other in listed.body["images"]:
            if other["id"] != image_id:
                reply = await pod.call("image", "DELETE", f"/v2/images/{other['id']}")
                assert reply.status == 204, reply
        await base_image(pod, image_id)
    await _adopt(top, cloud.spec.gateway_url, image_id)  # the top Glance is the registry
    flavor_id = await base_flavor(pods[0])
    reply = await pods[0].call("compute", "GET", f"/flavors/{flavor_id}")
    assert reply.status == 200, reply
    pod_flavor = reply.body["flavor"]
    body = {
        "flavor": {
            "id": flavor_id,
            "name": BASE_FLAVOR,
            **{key: pod_flavor[key] for key in ("ram", "vcpus", "disk")},
        }
    }
    reply = await top.call("compute", "POST", "/flavors", body)
    assert reply.status == 200, reply


async def _adopt(top: Client, gateway_url: str, image_id: str) -> None:
    """The pods' image `image_id` adopted into the top Glance; returns once it is active."""
    url, headers = f"{gateway_url}/v1.0/images/{image_id}/adoption", {"X-Auth-Token": top.token}
    async with top.http.post(url, json={"adoption": {}}, headers=headers) as resp:
        assert resp.status == 202, await resp.text()
    await wait_status(top, "image", f"/v2/images/{image_id}", "", "active", {"queued", "saving"})


async def gateway_target(cloud: RealCloud) -> AsyncIterator[Target]:
    async with running_gateway(cloud):
        yield cloud.target(cloud.spec.top_region, "gateway")

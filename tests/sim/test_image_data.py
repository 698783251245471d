"""Simulated Glance: image data streams into files under the pod's image_size_cap, is hashed
on the way, comes back whole or in ranges, and reaches an image by upload or by import.

`Glance` and its fixtures are shared by the other test_image_* modules."""

from __future__ import annotations

import asyncio
import hashlib
import os
from typing import Any

import pytest

from tests.e2e.test_openstack_cli_volumes import _until as until
from tests.sim.conftest import Api
from tricircle.sim import Pod

OCTETS = {"Content-Type": "application/octet-stream"}
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}


class Glance:
    """One user's calls to a pod's Glance v2."""

    def __init__(self, api: Api, pod: Pod) -> None:
        self.api = api
        self.pod = pod
        self.base = pod.url("image") + "/v2"

    async def call(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        status, _, data = await self.api.call(method, self.base + path, body, headers)
        return status, data

    async def create(self, **spec: Any) -> dict[str, Any]:
        body = {"name": "img", "disk_format": "raw", "container_format": "bare", **spec}
        status, data = await self.call("POST", "/images", body)
        assert status == 201, data
        return data

    async def show(self, image_id: str) -> dict[str, Any]:
        status, data = await self.call("GET", f"/images/{image_id}")
        assert status == 200, data
        return data

    async def patch(self, image_id: str, ops: list[dict[str, Any]]) -> tuple[int, Any]:
        return await self.call("PATCH", f"/images/{image_id}", ops, PATCH)

    async def put(
        self, image_id: str, data: bytes, where: str = "file", headers: dict[str, str] | None = None
    ) -> tuple[int, str]:
        hdrs = {"X-Auth-Token": self.api.token or "", **OCTETS, **(headers or {})}
        url = f"{self.base}/images/{image_id}/{where}"
        async with self.api.session.put(url, data=data, headers=hdrs) as resp:
            return resp.status, await resp.text()

    async def download(
        self, image_id: str, headers: dict[str, str] | None = None
    ) -> tuple[int, Any, bytes]:
        hdrs = {"X-Auth-Token": self.api.token or "", **(headers or {})}
        url = f"{self.base}/images/{image_id}/file"
        async with self.api.session.get(url, headers=hdrs) as resp:
            return resp.status, resp.headers, await resp.read()

    async def uploaded(self, data: bytes, **spec: Any) -> dict[str, Any]:
        """A new image with `data` uploaded: its view."""
        image = await self.create(**spec)
        status, text = await self.put(image["id"], data)
        assert status == 204, text
        return await self.show(image["id"])


@pytest.fixture
def glance(api: Api, pod: Pod) -> Glance:
    """The admin's Glance on pod1."""
    return Glance(api, pod)


@pytest.fixture
async def demo_glance(api: Api, pod: Pod, user_in_demo: str) -> Glance:
    """The Glance of `demo`, a member of project demo, on pod1."""
    demo = Api(api.session, api.cloud)
    await demo.login("demo", "secret", "demo")
    return Glance(demo, pod)


def message(data: Any) -> str:
    """The explanation in a Glance error body."""
    return data["message"].split("<br />")[0]


async def test_an_upload_lands_in_a_file_with_its_size_and_hashes(glance: Glance, pod: Pod):
    data = os.urandom(700 * 1024)
    image = await glance.uploaded(data)
    assert (image["status"], image["size"], image["virtual_size"]) == (
        "active",
        len(data),
        len(data),
    )
    assert image["checksum"] == hashlib.md5(data).hexdigest()
    assert (image["os_hash_algo"], image["os_hash_value"]) == (
        "sha512",
        hashlib.sha512(data).hexdigest(),
    )
    assert image["stores"] == "fs"
    assert pod.image.blobs.path(image["id"]).read_bytes() == data  # on disk, not in the record


async def test_download_streams_the_bytes_whole_or_a_range(glance: Glance):
    data = bytes(range(256)) * 40
    image = await glance.uploaded(data)
    status, headers, body = await glance.download(image["id"])
    assert (status, body) == (200, data)
    assert headers["Content-MD5"] == image["checksum"]
    assert headers["Content-Length"] == str(len(data))
    assert headers["Content-Type"] == "application/octet-stream"
    ranges = {
        "bytes=10-19": (data[10:20], "bytes 10-19/10240"),
        "bytes=10230-": (data[10230:], "bytes 10230-10239/10240"),
        "bytes=-5": (data[-5:], "bytes 10235-10239/10240"),
        "bytes=10238-99999": (data[10238:], "bytes 10238-10239/10240"),
    }
    for asked, (want, content_range) in ranges.items():
        status, headers, body = await glance.download(image["id"], {"Range": asked})
        assert (status, body, headers["Content-Range"]) == (206, want, content_range), asked
    status, _, _ = await glance.download(image["id"], {"Range": "bytes=10240-"})
    assert status == 416
    status, _, _ = await glance.download(image["id"], {"Range": "bytes=0-1,4-5"})
    assert status == 400


async def test_a_queued_image_has_no_content(glance: Glance):
    image = await glance.create()
    status, _, body = await glance.download(image["id"])
    assert (status, body) == (204, b"")


async def test_the_size_cap_refuses_a_larger_upload_and_the_image_stays_queued(
    glance: Glance, pod: Pod
):
    pod.image.size_cap = 1000
    image = await glance.create()
    status, text = await glance.put(image["id"], b"x" * 1001)
    assert status == 413 and "The incoming image is too large" in text
    shown = await glance.show(image["id"])
    assert (shown["status"], shown["size"], shown["checksum"]) == ("queued", None, None)
    assert list(pod.image.blobs.path("x").parent.iterdir()) == []  # nothing half-written kept
    assert (await glance.put(image["id"], b"x" * 1000))[0] == 204
    assert (await glance.show(image["id"]))["size"] == 1000


async def test_a_broken_upload_returns_the_image_to_queued(glance: Glance, pod: Pod):
    """Glance v2 restores a failed upload to queued, so it may be retried."""
    image = await glance.create()
    _, writer = await asyncio.open_connection(pod.host, pod.port)
    head = (
        f"PUT /image/v2/images/{image['id']}/file HTTP/1.1\r\nHost: x\r\n"
        f"X-Auth-Token: {glance.api.token}\r\nContent-Type: application/octet-stream\r\n"
        "Content-Length: 100000\r\n\r\n"
    )
    writer.write(head.encode() + b"y" * 5000)
    await writer.drain()

    async def saving() -> bool:
        return pod.images[image["id"]].status == "saving"

    await until(saving, "saving")
    writer.close()

    async def queued() -> bool:
        return pod.images[image["id"]].status == "queued"

    await until(queued, "queued again")
    assert list(pod.image.blobs.path("x").parent.iterdir()) == []
    assert (await glance.put(image["id"], b"retried"))[0] == 204


async def test_qcow2_data_gives_its_virtual_size_and_other_data_is_refused(glance: Glance):
    header = b"QFI\xfb" + b"\0" * 20 + (5 * 1024**3).to_bytes(8, "big")
    qcow2 = await glance.uploaded(header + b"\0" * 480, disk_format="qcow2")
    assert (qcow2["virtual_size"], qcow2["size"]) == (5 * 1024**3, 512)
    raw_as_qcow2 = await glance.create(disk_format="qcow2")
    status, text = await glance.put(raw_as_qcow2["id"], b"not a disk")
    assert status == 415 and "does not match stream data raw" in text
    assert (await glance.show(raw_as_qcow2["id"]))["status"] == "queued"
    ami = await glance.uploaded(b"kernel", disk_format="ami", container_format="ami")
    assert ami["virtual_size"] is None


async def test_upload_refusals(glance: Glance, demo_glance: Glance):
    image = await glance.create(disk_format=None, visibility="public")
    status, text = await glance.put(image["id"], b"x", headers={"Content-Type": "text/plain"})
    assert status == 415 and "text/plain is not supported" in text
    status, text = await glance.put(image["id"], b"x")
    assert status == 400 and "Property disk_format must be set prior to saving data." in text
    status, text = await demo_glance.put(image["id"], b"x")
    assert status == 403 and "upload_image" in text
    other = await glance.uploaded(b"x")
    status, text = await glance.put(other["id"], b"y")
    assert status == 409 and "from active to saving is not allowed" in text


async def test_glance_direct_imports_the_staged_bytes(glance: Glance, pod: Pod):
    status, info = await glance.call("GET", "/info/import")
    assert info["import-methods"]["value"] == ["glance-direct", "web-download", "copy-image"]
    image = await glance.create()
    method = {"method": {"name": "glance-direct"}}
    status, data = await glance.call("POST", f"/images/{image['id']}/import", method)
    assert status == 409 and message(data) == (
        "Image needs to be staged before 'glance-direct' method can be used"
    )
    data = os.urandom(3000)
    assert (await glance.put(image["id"], data, where="stage"))[0] == 204
    staged = await glance.show(image["id"])
    assert (staged["status"], staged["size"], staged["checksum"]) == ("uploading", 3000, None)
    status, _ = await glance.call("POST", f"/images/{image['id']}/import", method)
    assert status == 202
    imported = await glance.show(image["id"])
    assert imported["status"] == "active"
    assert imported["os_hash_value"] == hashlib.sha512(data).hexdigest()
    assert (imported["os_glance_importing_to_stores"], imported["os_glance_failed_import"]) == (
        "",
        "",
    )
    assert "os_glance_import_task" not in imported
    assert (await glance.download(image["id"]))[2] == data


async def test_web_download_is_filtered_and_a_failed_fetch_requeues(glance: Glance, pod: Pod):
    image = await glance.create()
    path = f"/images/{image['id']}/import"
    refused = {"method": {"name": "web-download", "uri": "http://127.0.0.1:9/x"}}
    status, data = await glance.call("POST", path, refused)
    assert status == 400 and "does not pass filtering" in message(data)
    unreachable = {"method": {"name": "web-download", "uri": "http://127.0.0.1/none"}}
    status, _ = await glance.call("POST", path, unreachable)
    assert status == 202

    async def failed() -> dict[str, Any] | None:
        shown = await glance.show(image["id"])
        assert shown["status"] == "queued"  # Glance fetches while the image waits in queue
        return shown if "os_glance_failed_import" in shown else None

    shown = await until(failed, "back in queue")
    assert (shown["os_glance_failed_import"], shown["os_glance_importing_to_stores"]) == ("fs", "")
    assert "os_glance_import_task" not in shown

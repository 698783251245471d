"""The real `openstack` CLI against a simulated pod's Glance, found through the catalog:
create with a file, set properties, share, save and delete."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import yaml

from tests.e2e.test_openstack_cli import openstack_cli, openstack_cli_refused
from tricircle.sim import Pod, SimCloud


def clouds_yaml(path: Path, cloud: SimCloud, region: str) -> Path:
    def entry(user: str, password: str) -> dict:
        auth = {
            "auth_url": cloud.identity_url,
            "username": user,
            "password": password,
            "project_name": user,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        }
        return {"auth": auth, "region_name": region, "identity_api_version": 3}

    clouds = {"admin": entry("admin", "admin"), "demo": entry("demo", "secret")}
    path.write_text(yaml.safe_dump({"clouds": clouds}))
    return path


async def test_an_image_s_life_with_the_openstack_cli(
    cloud: SimCloud, pod: Pod, user_in_demo: str, tmp_path: Path
):
    config = clouds_yaml(tmp_path / "clouds.yaml", cloud, pod.name)
    other = cloud.identity.create_project("other")
    data = os.urandom(200 * 1024)
    (tmp_path / "disk.raw").write_bytes(data)

    async def cli(*args: str, output: bool = True) -> object:
        return await openstack_cli(config, "demo", *args, output=output)

    made = await cli(
        *("image", "create", "--file", str(tmp_path / "disk.raw")),
        *("--disk-format", "raw", "--container-format", "bare", "--shared", "disk"),
    )
    assert isinstance(made, dict)
    assert (made["status"], made["size"]) == ("active", len(data))
    assert made["checksum"] == hashlib.md5(data).hexdigest()
    await cli("image", "set", "--property", "os_distro=cirros", "disk", output=False)
    shown = await cli("image", "show", "disk")
    assert isinstance(shown, dict) and shown["properties"]["os_distro"] == "cirros"
    assert pod.images[made["id"]].properties["os_distro"] == "cirros"
    member = await cli("image", "add", "project", "disk", other)
    assert isinstance(member, dict) and member["status"] == "pending"
    assert list(pod.image.members[made["id"]]) == [other]
    await cli("image", "save", "--file", str(tmp_path / "saved.raw"), "disk", output=False)
    assert (tmp_path / "saved.raw").read_bytes() == data
    await cli("image", "delete", "disk", output=False)
    assert made["id"] not in pod.images
    assert "No Image found for disk" in await openstack_cli_refused(
        config, "demo", "image", "show", "disk"
    )

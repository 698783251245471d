"""The real `openstack` CLI and openstacksdk against the gateway, unchanged."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
from pathlib import Path

import openstack

CLI = shutil.which("openstack", path=str(Path(sys.executable).parent)) or "openstack"


async def run_cli(clouds_yaml: Path, cloud: str, *args: str) -> tuple[int, bytes, str]:
    """The CLI's exit code, output and error output."""
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(clouds_yaml), "OS_CLOUD": cloud}
    process = await asyncio.create_subprocess_exec(
        CLI,
        *args,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), 120)
    assert process.returncode is not None
    return process.returncode, out, err.decode()


async def openstack_cli(clouds_yaml: Path, cloud: str, *args: str, output: bool = True) -> object:
    json_output = ("-f", "json") if output else ()
    code, out, err = await run_cli(clouds_yaml, cloud, *args, *json_output)
    assert code == 0, f"openstack {' '.join(args)}: {err}"
    return json.loads(out) if out.strip() else None


async def openstack_cli_refused(clouds_yaml: Path, cloud: str, *args: str) -> str:
    """What the CLI says when the cloud refuses the command."""
    code, _, err = await run_cli(clouds_yaml, cloud, *args)
    assert code != 0, f"openstack {' '.join(args)} succeeded"
    return err


SSH_KEY = (
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIFRiq3cD1bdC6rWT6hHPd0KcpYg1gO1R8a9+9O4vq1kE test@host"
)


async def test_server_lifecycle_with_the_openstack_cli(gateway, clouds_yaml, tmp_path) -> None:
    zones = await openstack_cli(clouds_yaml, "demo", "availability", "zone", "list", "--compute")
    assert sorted(z["Zone Name"] for z in zones) == ["az1", "az2"]
    flavors = await openstack_cli(clouds_yaml, "demo", "flavor", "list")
    assert {f["Name"] for f in flavors} == {"m1.tiny", "m1.small"}
    (tmp_path / "id.pub").write_text(SSH_KEY)
    key = await openstack_cli(
        clouds_yaml, "demo", "keypair", "create", "--public-key", str(tmp_path / "id.pub"), "mykey"
    )
    assert key["name"] == "mykey"
    created = await openstack_cli(
        clouds_yaml,
        "demo",
        "server",
        "create",
        "--flavor",
        "m1.tiny",
        "--image",
        "cirros",
        "--availability-zone",
        "az2",
        "--key-name",
        "mykey",
        "--nic",
        "none",
        "--wait",
        "vm1",
    )
    assert created["status"] == "ACTIVE"
    pod = next(name for name, p in gateway.sim.pods.items() if created["id"] in p.servers)
    assert pod in ("pod2", "pod3")
    listed = await openstack_cli(clouds_yaml, "demo", "server", "list")
    assert [(s["Name"], s["Status"]) for s in listed] == [("vm1", "ACTIVE")]
    shown = await openstack_cli(clouds_yaml, "demo", "server", "show", "vm1")
    assert shown["id"] == created["id"]
    await openstack_cli(clouds_yaml, "demo", "server", "delete", "--wait", "vm1", output=False)
    assert await openstack_cli(clouds_yaml, "demo", "server", "list") == []


async def test_openstacksdk_sees_one_cloud(gateway, clouds_yaml) -> None:
    def drive() -> tuple[list[str], str]:
        config = openstack.config.OpenStackConfig(config_files=[str(clouds_yaml)])
        conn = openstack.connection.Connection(config=config.get_one("demo"))
        image = conn.image.find_image("cirros")
        flavor = conn.compute.find_flavor("m1.small")
        server = conn.compute.create_server(
            name="sdk-vm",
            image_id=image.id,
            flavor_id=flavor.id,
            networks="none",
            availability_zone="az1",
        )
        server = conn.compute.wait_for_server(server, wait=30, interval=0.2)
        names = [s.name for s in conn.compute.servers()]
        conn.compute.delete_server(server)
        conn.compute.wait_for_delete(server, wait=30, interval=0.2)
        return names, server.status

    names, status = await asyncio.to_thread(drive)
    assert names == ["sdk-vm"] and status == "ACTIVE"

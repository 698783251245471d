"""The README's demo command, driven by the real openstack CLI, then stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from tests.e2e.test_openstack_cli import openstack_cli


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def test_demo_serves_the_openstack_cli_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    demo = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tricircle.cli",
        "demo",
        "--dir",
        str(tmp_path),
        "--port",
        str(free_port()),
        "--identity-port",
        str(free_port()),
        "--boot-delay",
        "0.1",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        printed = b""
        while b"Ctrl-C stops everything" not in printed:
            line = await asyncio.wait_for(demo.stdout.readline(), 60)
            assert line, f"demo exited early: {printed.decode()}"
            printed += line
        clouds = tmp_path / "clouds.yaml"
        assert {
            z["Zone Name"]
            for z in await openstack_cli(
                clouds, "tricircle-demo", "availability", "zone", "list", "--compute"
            )
        } == {"az1", "az2"}
        assert len(await openstack_cli(clouds, "tricircle-demo", "flavor", "list")) == 3

        async def cli(*args: str, output: bool = True) -> Any:
            return await openstack_cli(clouds, "tricircle-demo", *args, output=output)

        # the banner's flow: one network, a server on it in each AZ
        await cli("network", "create", "net1")
        await cli("subnet", "create", "--network", "net1", "--subnet-range", "10.0.1.0/24", "s1")
        boot = ("server", "create", "--flavor", "m1.tiny", "--image", "cirros")
        servers = [
            await cli(*boot, "--network", "net1", "--availability-zone", az, "--wait", name)
            for name, az in (("vm1", "az1"), ("vm2", "az2"))
        ]
        assert [s["status"] for s in servers] == ["ACTIVE", "ACTIVE"]
        assert [s["OS-EXT-AZ:availability_zone"] for s in servers] == ["az1", "az2"]
        listed = {s["Name"]: s["Networks"] for s in await cli("server", "list")}
        assert set(listed) == {"vm1", "vm2"}
        addresses = [listed[name]["net1"][0] for name in ("vm1", "vm2")]
        assert len(set(addresses)) == 2 and all(a.startswith("10.0.1.") for a in addresses)
        # an image made at the top (the top Glance) boots where no pod had it: copied first
        await cli("image", "create", "--file", str(clouds), "img1")
        boot_img1 = ("server", "create", "--flavor", "m1.tiny", "--image", "img1")
        vm3 = await cli(
            *boot_img1, "--network", "net1", "--availability-zone", "az2", "--wait", "vm3"
        )
        assert vm3["status"] == "ACTIVE"
        # a second network in az2 and one router over both: the routers issue's flow
        await cli("network", "create", "net2")
        await cli("subnet", "create", "--network", "net2", "--subnet-range", "10.0.2.0/24", "s2")
        await cli(*boot, "--network", "net2", "--availability-zone", "az2", "--wait", "vm4")
        await cli("router", "create", "r1")
        for subnet in ("s1", "s2"):
            await cli("router", "add", "subnet", "r1", subnet, output=False)
        shown = await cli("router", "show", "r1")
        assert len(shown["interfaces_info"]) == 2
        await cli("server", "delete", "--wait", "vm1", "vm2", "vm3", "vm4", output=False)
    finally:
        demo.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(demo.wait(), 20)
    assert code == 0

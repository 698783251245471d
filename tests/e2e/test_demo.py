"""The README's demo command, driven by the real openstack CLI, then stopped with Ctrl-C."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

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
        server = await openstack_cli(
            clouds,
            "tricircle-demo",
            "server",
            "create",
            "--flavor",
            "m1.tiny",
            "--image",
            "cirros",
            "--availability-zone",
            "az2",
            "--wait",
            "vm1",
        )
        assert server["status"] == "ACTIVE"
        assert server["OS-EXT-AZ:availability_zone"] == "az2"
        listed = await openstack_cli(clouds, "tricircle-demo", "server", "list")
        assert [s["Name"] for s in listed] == ["vm1"]
        await openstack_cli(
            clouds, "tricircle-demo", "server", "delete", "--wait", "vm1", output=False
        )
    finally:
        demo.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(demo.wait(), 20)
    assert code == 0

"""The demo's first minute: its banner alone, and every command it prints works as printed."""

from __future__ import annotations

import json
import subprocess
import urllib.request

from tests.demo.conftest import BARE_PATH, Demo


def test_the_demo_starts_with_its_banner_only(running_demo: Demo) -> None:
    first = running_demo.printed().lstrip().splitlines()[0]
    assert first == "Tricircle demo is up."


def test_the_printed_openstack_commands_work_without_the_venv_on_the_path(
    running_demo: Demo,
) -> None:
    lines = [line.strip() for line in running_demo.printed().splitlines()]
    exports = [line for line in lines if line.startswith("export ")]
    zones = next(line for line in lines if line.endswith("availability zone list"))
    assert zones.split()[0].endswith("/openstack")  # the venv's, by its path
    script = "\n".join([*exports, zones + " -f json"])
    done = subprocess.run(
        ["bash", "-c", script], env={"PATH": BARE_PATH, "HOME": str(running_demo.data)},
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {zone["Zone Name"] for zone in json.loads(done.stdout)} == {"az1", "az2"}


def test_health_and_metrics_are_on_in_the_demo(running_demo: Demo) -> None:
    with urllib.request.urlopen(running_demo.gateway + "/healthcheck") as answer:
        assert answer.read() == b"OK"
    with urllib.request.urlopen(running_demo.metrics) as answer:
        assert b'tricircle_pod_up{az="az2",pod="pod3"} 1.0' in answer.read()

"""`tricircle demo` as a newcomer starts it: a subprocess whose venv is not on the PATH."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.test_demo import free_port

BANNER_END = "Ctrl-C stops everything."
# a fresh machine's PATH: whatever the venv installed is not on it
BARE_PATH = "/usr/local/bin:/usr/bin:/bin"


@dataclass
class Demo:
    process: subprocess.Popen
    output: Path
    data: Path
    gateway: str
    metrics: str
    identity: str

    def printed(self) -> str:
        return self.output.read_text()

    @property
    def clouds_yaml(self) -> Path:
        return self.data / "clouds.yaml"


def _wait_for_banner(demo: Demo, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while BANNER_END not in demo.printed():
        if demo.process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"the demo did not come up:\n{demo.printed()}")
        time.sleep(0.05)


@pytest.fixture(scope="package")
def running_demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    data = tmp_path_factory.mktemp("demo")
    port, identity_port, metrics_port = free_port(), free_port(), free_port()
    output = data / "output.txt"
    env = {**os.environ, "PATH": BARE_PATH, "PYTHONUNBUFFERED": "1"}
    env.pop("TRICIRCLE_OPENSTACK_COMMAND", None)
    with output.open("w") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "tricircle.cli", "demo", "--dir", str(data),
             "--port", str(port), "--identity-port", str(identity_port),
             "--metrics-port", str(metrics_port), "--boot-delay", "0.1"],
            stdout=sink, stderr=subprocess.STDOUT, env=env,
        )  # fmt: skip
    demo = Demo(
        process,
        output,
        data,
        gateway=f"http://127.0.0.1:{port}",
        metrics=f"http://127.0.0.1:{metrics_port}/metrics",
        identity=f"http://127.0.0.1:{identity_port}/v3",
    )
    try:
        _wait_for_banner(demo)
        yield demo
    finally:
        process.send_signal(signal.SIGINT)
        process.wait(30)

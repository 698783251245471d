"""The real-cloud test tier's facts (cloud.env) as Python objects.

Shared by catalog.py (run in the services venv) and tests/realcloud (run in the
project venv), so it uses only the standard library.
"""

from __future__ import annotations

import os
import shlex
from dataclasses import dataclass
from pathlib import Path

ENV_FILE = Path(__file__).with_name("cloud.env")
DEFAULT_HOME = "/var/tmp/tricircle-realcloud"


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    project_name: str
    user_domain_name: str = "Default"
    project_domain_name: str = "Default"


@dataclass(frozen=True)
class Pod:
    region: str
    az: str
    port_base: int
    short: str  # r1, r2: names the pod's databases, vhost and hosts

    def url(self, service: str) -> str:
        b = self.port_base
        return {
            "compute": f"http://127.0.0.1:{b}774/v2.1",
            "placement": f"http://127.0.0.1:{b}778",
            "network": f"http://127.0.0.1:{b}696",
            "volumev3": f"http://127.0.0.1:{b}776/v3",
            "block-storage": f"http://127.0.0.1:{b}776/v3",
            "image": f"http://127.0.0.1:{b}292",
        }[service]


@dataclass(frozen=True)
class CloudSpec:
    home: Path
    password: str
    keystone_port: int
    pods: tuple[Pod, ...]
    top_region: str
    gateway_url: str
    central_neutron_port: int
    top_glance_port: int

    @property
    def identity_url(self) -> str:
        return f"http://127.0.0.1:{self.keystone_port}/v3"

    def top_url(self, service: str) -> str:
        """The top region's catalog: every service behind the gateway's one port."""
        path = {
            "compute": "/compute/v2.1",
            "volumev3": "/volume/v3",
            "block-storage": "/volume/v3",
            "network": "/network",
            "image": "/image",
        }[service]
        return self.gateway_url + path

    def central_url(self, service: str) -> str:
        """The root of the top's own service behind the gateway (not in the catalog):
        the central Neutron or the top Glance.  Versionless: the gateway appends the path
        a client sent after its /network or /image prefix."""
        port = {"network": self.central_neutron_port, "image": self.top_glance_port}[service]
        return f"http://127.0.0.1:{port}"

    @property
    def admin(self) -> Credentials:
        return Credentials("admin", self.password, "admin")

    @property
    def demo(self) -> Credentials:
        return Credentials("demo", self.password, "demo")

    @property
    def service(self) -> Credentials:
        """The gateway's service user (admin in project service): it validates tokens."""
        return Credentials("tricircle", self.password, "service")

    def pod(self, region: str) -> Pod:
        return next(p for p in self.pods if p.region == region)


def read_env(path: Path = ENV_FILE) -> dict[str, str]:
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            values[key] = " ".join(shlex.split(value))
    return values


def load(path: Path = ENV_FILE) -> CloudSpec:
    env = read_env(path)
    pods = []
    for i, spec in enumerate(env["RC_PODS"].split(), start=1):
        region, az, base = spec.split(":")
        pods.append(Pod(region, az, int(base), f"r{i}"))
    return CloudSpec(
        home=Path(os.environ.get("TRICIRCLE_REALCLOUD_HOME", DEFAULT_HOME)),
        password=env["RC_PASSWORD"],
        keystone_port=int(env["RC_KEYSTONE_PORT"]),
        pods=tuple(pods),
        top_region=env["RC_TOP_REGION"],
        gateway_url=env["RC_GATEWAY_URL"],
        central_neutron_port=int(env["RC_CENTRAL_NEUTRON_PORT"]),
        top_glance_port=int(env["RC_TOP_GLANCE_PORT"]),
    )

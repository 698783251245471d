"""``tricircle demo``: identity, three simulated pods in two AZs and the gateway, all local."""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
from pathlib import Path

import aiohttp
import yaml
from aiohttp import web

from tricircle.config import load_config
from tricircle.db import migrate
from tricircle.gateway.app import create_app
from tricircle.sim import SimCloud

TOP_REGION = "CentralRegion"
PODS = (("pod1", "az1"), ("pod2", "az2"), ("pod3", "az2"))
FLAVORS = (
    ("1", "m1.tiny", 512, 1, 1),
    ("2", "m1.small", 2048, 1, 20),
    ("3", "m1.medium", 4096, 2, 40),
)
IMAGE_ID = "2f2b6c3e-0d6a-4a53-9a5a-5e1f3a4b7c01"
USERS = {"demo": ("demo", "member"), "admin": ("admin", "admin")}


def endpoints(base: str) -> dict[str, str]:
    return {
        "compute": f"{base}/compute/v2.1",
        "image": f"{base}/image",
        "block-storage": f"{base}/volume/v3",
        "volumev3": f"{base}/volume/v3",
        "network": f"{base}/network",
        "tricircle": f"{base}/v1.0",  # the admin API, as `openstack tricircle ...` finds it
    }


def cloud_entry(identity_url: str, user: str, password: str) -> dict:
    """A clouds.yaml entry for `user` (whose project has the same name) in the top region."""
    return {
        "auth": {
            "auth_url": identity_url,
            "username": user,
            "password": password,
            "project_name": user,
            "user_domain_name": "Default",
            "project_domain_name": "Default",
        },
        "region_name": TOP_REGION,
        "identity_api_version": 3,
    }


def write_clouds_yaml(path: Path, identity_url: str, users: dict[str, str]) -> None:
    clouds = {name: cloud_entry(identity_url, user, pw) for name, (user, pw) in users.items()}
    path.write_text(yaml.safe_dump({"clouds": clouds}, sort_keys=False))


async def _admin_token(http: aiohttp.ClientSession, identity_url: str) -> str:
    body = {
        "auth": {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {"name": "admin", "domain": {"id": "default"}, "password": "admin"}
                },
            },
            "scope": {"project": {"name": "admin", "domain": {"id": "default"}}},
        }
    }
    async with http.post(f"{identity_url}/auth/tokens", json=body) as response:
        response.raise_for_status()
        return response.headers["X-Subject-Token"]


async def _seed(gateway: str, identity_url: str, pods: list) -> None:
    """Registers the pods, creates the flavors and a shared network through the gateway, as
    an operator would."""
    async with aiohttp.ClientSession() as http:
        headers = {"X-Auth-Token": await _admin_token(http, identity_url)}
        for pod in pods:
            body = {"pod": {"name": pod.name, "region_name": pod.name, "az_name": pod.az}}
            async with http.post(f"{gateway}/v1.0/pods", json=body, headers=headers) as response:
                response.raise_for_status()
        # one shared network: a server that names none lands on it, as Nova picks the
        # only network a project can use
        network = {"name": "shared", "shared": True}
        async with http.post(
            f"{gateway}/network/v2.0/networks", json={"network": network}, headers=headers
        ) as response:
            response.raise_for_status()
            network_id = (await response.json())["network"]["id"]
        subnet = {"network_id": network_id, "cidr": "10.0.0.0/24", "ip_version": 4}
        subnet["name"] = "shared-subnet"
        async with http.post(
            f"{gateway}/network/v2.0/subnets", json={"subnet": subnet}, headers=headers
        ) as response:
            response.raise_for_status()
        for flavor_id, name, ram, vcpus, disk in FLAVORS:
            flavor = {"id": flavor_id, "name": name, "ram": ram, "vcpus": vcpus, "disk": disk}
            async with http.post(
                f"{gateway}/compute/v2.1/flavors", json={"flavor": flavor}, headers=headers
            ) as response:
                response.raise_for_status()


async def run_demo(args: argparse.Namespace) -> int:
    data = Path(args.dir).resolve()
    data.mkdir(parents=True, exist_ok=True)
    database = data / "tricircle.sqlite"
    database.unlink(missing_ok=True)  # every demo starts from a clean slate
    gateway_url = f"http://{args.host}:{args.port}"

    cloud = SimCloud(host=args.host, port=args.identity_port, boot_delay=args.boot_delay)
    await cloud.start()
    for user, (password, role) in USERS.items():
        project = cloud.identity.create_project(user) if user != "admin" else None
        if project is not None:
            cloud.identity.create_user(user, password, project=user, roles=[role])
    pods = []
    for name, az in PODS:
        pod = await cloud.add_pod(name, az=az)
        pod.add_image(name="cirros", id=IMAGE_ID)
        pods.append(pod)
    cloud.set_region_endpoints(TOP_REGION, endpoints(gateway_url))
    central = await cloud.add_central()  # the central Neutron and the top Glance
    central.add_image(name="cirros", id=IMAGE_ID)  # the registry holds what the pods hold

    conf = load_config()
    conf.set_override("connection", f"sqlite:///{database}", "database")
    conf.set_override("auth_url", cloud.identity_url, "identity")
    conf.set_override("password", "tricircle", "identity")
    conf.set_override("region_name", TOP_REGION, "identity")
    conf.set_override("network_url", central.url("network"), "central")
    conf.set_override("image_url", central.url("image"), "central")
    metrics_port = args.metrics_port or args.port + 1
    conf.set_override("metrics_port", metrics_port, "gateway")
    # the seeding's requests are the demo's own: its first screen is the banner alone
    access_log = logging.getLogger("tricircle.access")
    access_log.setLevel(logging.WARNING)
    await asyncio.to_thread(migrate.upgrade, conf.database.connection)
    runner = web.AppRunner(create_app(conf, run_jobs=True), access_log=None)
    await runner.setup()
    await web.TCPSite(runner, args.host, args.port).start()
    try:
        await _seed(gateway_url, cloud.identity_url, pods)
        clouds_yaml = data / "clouds.yaml"
        users = {f"tricircle-{user}": (user, pw) for user, (pw, _role) in USERS.items()}
        write_clouds_yaml(clouds_yaml, cloud.identity_url, users)
        metrics_url = f"http://{args.host}:{metrics_port}/metrics"
        print(_usage(gateway_url, metrics_url, cloud.identity_url, clouds_yaml), flush=True)
        access_log.setLevel(logging.NOTSET)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(number, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()
        await cloud.stop()
    return 0


def openstack_command() -> str:
    """How to run the openstack CLI from here, as the banner prints it: ``./dev openstack``
    when the demo came from ``./dev``, else ``openstack`` if it is on the PATH, else the one
    installed beside this Python (a venv's, which a newcomer has not activated)."""
    given = os.environ.get("TRICIRCLE_OPENSTACK_COMMAND")
    if given:
        return given
    if shutil.which("openstack"):
        return "openstack"
    beside = Path(sys.executable).parent / "openstack"
    return str(beside) if beside.exists() else "openstack"


def _usage(gateway: str, metrics: str, identity: str, clouds_yaml: Path) -> str:
    pods = "\n".join(f"    {name} in {az}" for name, az in PODS)
    sim_admin = identity.rsplit("/v3", 1)[0] + "/sim"
    openstack = openstack_command()
    return f"""
Tricircle demo is up.
  gateway (region {TOP_REGION}): {gateway}
  health, metrics:                 {gateway}/healthcheck  {metrics}
  identity:                        {identity}
  simulated pods:
{pods}

Use it with the openstack CLI:
  export OS_CLIENT_CONFIG_FILE={clouds_yaml}
  export OS_CLOUD=tricircle-demo          # tricircle-admin for the operator
  {openstack} availability zone list
  {openstack} flavor list
  {openstack} network create net1
  {openstack} subnet create --network net1 --subnet-range 10.0.1.0/24 subnet1
  {openstack} server create --flavor m1.tiny --image cirros --network net1 \\
      --availability-zone az1 vm1
  {openstack} server create --flavor m1.tiny --image cirros --network net1 \\
      --availability-zone az2 vm2
  {openstack} server list                 # vm1 and vm2: two pods, one network
  {openstack} image create --file {clouds_yaml} img1   # any file does as raw bytes
  {openstack} server create --flavor m1.tiny --image img1 --network net1 \\
      --availability-zone az2 vm3          # img1 is copied into az2's pod first
  {openstack} network create net2
  {openstack} subnet create --network net2 --subnet-range 10.0.2.0/24 subnet2
  {openstack} server create --flavor m1.tiny --image cirros --network net2 \\
      --availability-zone az2 vm4
  {openstack} router create r1            # one router over both AZs' pods
  {openstack} router add subnet r1 subnet1
  {openstack} router add subnet r1 subnet2
  {openstack} server delete vm1 vm2 vm3 vm4
  {openstack} --os-cloud tricircle-admin tricircle pod list

Rehearse an outage of pod2 (and bring it back with {{"down": null}}):
  curl -X PUT -d '{{"down": "refuse"}}' {sim_admin}/pods/pod2/faults
Ctrl-C stops everything.
"""

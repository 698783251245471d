"""The real OpenStack test cloud as a session fixture, and the contract targets.

`realcloud` runs tools/realcloud/up.sh (idempotent, cached per machine) and stops at
session end only what this session started.  `target` runs each contract scenario
against a real pod region (`real`), the simulator (`sim`) and, once wired, the gateway
in front of the real pods (`gateway`).
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import pytest

from tests.realcloud.contract import Contract
from tests.realcloud.targets import Client, Credentials, Target
from tests.requirements import unavailable

TOOLS = Path(__file__).resolve().parents[2] / "tools" / "realcloud"
sys.path.insert(0, str(TOOLS))
import cloudenv  # noqa: E402 - lives beside the scripts, shared with catalog.py

# mode (c): tests/realcloud/gateway.py, when it exists, provides
#   async def gateway_target(cloud: RealCloud) -> AsyncIterator[Target]
# (an async generator that starts the gateway on cloud.spec.gateway_url with the real
# pods registered and yields a Target for cloud.spec.top_region)
GATEWAY_WIRED = importlib.util.find_spec("tests.realcloud.gateway") is not None
TARGETS = [
    pytest.param("real", marks=pytest.mark.realcloud),
    pytest.param("sim"),
    *([pytest.param("gateway", marks=pytest.mark.realcloud)] if GATEWAY_WIRED else []),
]


@dataclass(frozen=True)
class RealCloud:
    """The running test cloud: cloud.env's facts plus what this session started."""

    spec: cloudenv.CloudSpec
    started: tuple[str, ...]

    @property
    def identity_url(self) -> str:
        return self.spec.identity_url

    @property
    def regions(self) -> list[str]:
        return [p.region for p in self.spec.pods]

    def target(self, region: str, name: str = "real") -> Target:
        def creds(c: cloudenv.Credentials) -> Credentials:
            return Credentials(c.username, c.password, c.project_name)

        return Target(
            name, self.identity_url, region, creds(self.spec.admin), creds(self.spec.demo)
        )


@pytest.fixture(scope="session")
def realcloud() -> Iterator[RealCloud]:
    spec = cloudenv.load()
    started_file = Path(tempfile.mkstemp(prefix="realcloud-started-")[1])
    env = {**os.environ, "TRICIRCLE_REALCLOUD_STARTED": str(started_file)}
    log = spec.home / "up-pytest.log"
    spec.home.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        rc = subprocess.run(
            [TOOLS / "up.sh"], env=env, stdout=out, stderr=subprocess.STDOUT
        ).returncode
    started = tuple(started_file.read_text().split())
    if rc != 0:
        tail = "\n".join(log.read_text().splitlines()[-5:])
        _down(started_file, started)
        unavailable(
            "the real OpenStack test cloud",
            f"tools/realcloud/up.sh exited {rc} (log {log}):\n{tail}",
            demand_env="TRICIRCLE_REALCLOUD",
        )
    try:
        yield RealCloud(spec, started)
    finally:
        if os.environ.get("TRICIRCLE_REALCLOUD_KEEP") != "1":
            _down(started_file, started)
        started_file.unlink(missing_ok=True)


def _down(started_file: Path, started: tuple[str, ...]) -> None:
    """Stops what this session started; a cloud that was already running stays up."""
    if started:
        subprocess.run(
            [TOOLS / "down.sh", "--from", str(started_file)], capture_output=True, check=False
        )


async def _sim_target() -> AsyncIterator[Target]:
    from tricircle.sim import SimCloud

    password = cloudenv.load().password
    cloud = SimCloud(
        host="127.0.0.1", boot_delay=0.3, admin_password=password, service_password=password
    )
    await cloud.start()
    try:
        await cloud.add_pod("RegionOne", az="az1")
        cloud.identity.create_user("demo", password, project="demo", roles=["member"])
        admin = Credentials("admin", password, "admin")
        yield Target(
            "sim", cloud.identity_url, "RegionOne", admin, Credentials("demo", password, "demo")
        )
    finally:
        await cloud.stop()


@pytest.fixture(params=TARGETS)
async def target(request: pytest.FixtureRequest) -> AsyncIterator[Target]:
    if request.param == "real":
        yield request.getfixturevalue("realcloud").target("RegionOne")
    elif request.param == "sim":
        async for t in _sim_target():
            yield t
    else:
        from tests.realcloud.gateway import gateway_target

        async for t in gateway_target(request.getfixturevalue("realcloud")):
            yield t


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        yield session


@pytest.fixture
async def admin(http: aiohttp.ClientSession, target: Target) -> Client:
    return await Client(http, target).login(target.admin)


@pytest.fixture
async def demo(http: aiohttp.ClientSession, target: Target) -> Client:
    return await Client(http, target).login(target.demo)


@pytest.fixture
def contract(request: pytest.FixtureRequest) -> Contract:
    """Records the scenario's steps; the scenario ends with `contract.verify(target)`."""
    return Contract(request.module.__name__.rsplit(".", 1)[-1], request.function.__name__)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """A module's SIM_GAPS {scenario: reason} marks those scenarios strict xfail on `sim`;
    the modules in tests/realcloud/gateway.py's NOT_SERVED are not run on `gateway`."""
    here = Path(__file__).parent
    not_served = _gateway_not_served()
    kept, dropped = [], []
    for item in items:
        spec = getattr(item, "callspec", None)
        on = spec.params.get("target") if spec and here in item.path.parents else None
        if on == "gateway" and item.path.stem in not_served:
            dropped.append(item)
            continue
        kept.append(item)
        gaps = getattr(getattr(item, "module", None), "SIM_GAPS", {})
        if on == "sim" and item.originalname in gaps:
            item.add_marker(pytest.mark.xfail(reason=gaps[item.originalname], strict=True))
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept


def _gateway_not_served() -> dict[str, str]:
    if not GATEWAY_WIRED:
        return {}
    from tests.realcloud.gateway import NOT_SERVED

    return NOT_SERVED


def pytest_report_header(config: pytest.Config) -> list[str]:
    return [
        f"realcloud: not run on the gateway target: {module} ({reason})"
        for module, reason in _gateway_not_served().items()
    ]

"""Admin reach is the operator's policy: `context_is_admin` and the per-API rules change it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from oslo_policy import opts as policy_opts

from tests.gateway.harness import PASSWORD, Gateway
from tricircle.db.engine import Database
from tricircle.sim import SimCloud

FLAVORS = "/compute/v2.1/flavors"
PRIVATE = {"name": "private", "ram": 1, "vcpus": 1, "disk": 1, "id": "p1"}


@pytest.fixture
async def operated(
    sim: SimCloud, sqlite_url: str, sqlite_db: Database, tmp_path: Path
) -> AsyncIterator[Gateway]:
    """A gateway whose operator made the `cloud_admin` role, not `admin`, the administrator."""
    rules = tmp_path / "policy.yaml"
    rules.write_text('"context_is_admin": "role:cloud_admin"\n')
    sim.identity.create_user("operator", PASSWORD, project="ops", roles=["cloud_admin"])
    gateway = Gateway(sim, sqlite_url)
    for group, options in policy_opts.list_opts():
        gateway.conf.register_opts(options, group=group)
    gateway.conf.set_override("policy_file", str(rules), "oslo_policy")
    await gateway.start()
    yield gateway
    await gateway.stop()


async def test_the_policy_file_decides_who_is_admin(operated) -> None:
    operator = await operated.client("operator", "ops")
    admin = await operated.client("admin")
    demo = await operated.client("demo")
    assert (await operator.get("/v1.0/pods")).status == 200
    assert (await admin.get("/v1.0/pods")).status == 403
    private = {"flavor": {**PRIVATE, "os-flavor-access:is_public": False}}
    assert (await admin.post(FLAVORS, private)).status == 403
    assert (await operator.post(FLAVORS, private)).status == 200
    # private flavors: every one for the policy's administrators, none for others
    assert (await operator.get(f"{FLAVORS}/p1")).status == 200
    assert (await admin.get(f"{FLAVORS}/p1")).status == 404
    listed = await operator.get(FLAVORS, params={"is_public": "none"})
    assert [f["id"] for f in listed.body["flavors"]] == ["p1"]
    assert (await demo.get(FLAVORS, params={"is_public": "none"})).body["flavors"] == []

from pathlib import Path

import pytest

from tests.gateway.conftest import (  # noqa: F401 - shared fixtures
    admin,
    demo,
    gateway,
    make_gateway,
    other,
    sim,
)
from tests.gateway.harness import PASSWORD, Gateway
from tricircle.demo import write_clouds_yaml


@pytest.fixture
def clouds_yaml(gateway: Gateway, tmp_path: Path) -> Path:  # noqa: F811
    """clouds.yaml for the gateway's top region (`demo`, `admin`)."""
    path = tmp_path / "clouds.yaml"
    users = {"demo": ("demo", PASSWORD), "admin": ("admin", "admin")}
    write_clouds_yaml(path, gateway.sim.identity_url, users)
    return path

from tests.gateway.conftest import (  # noqa: F401 - shared fixtures
    admin,
    demo,
    gateway,
    make_gateway,
    sim,
)

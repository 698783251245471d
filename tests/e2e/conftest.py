from tests.gateway.conftest import admin, demo, gateway, other, sim  # noqa: F401 - shared fixtures

# The gateway's fixtures (simulated cloud, running gateway, admin and tenant
# clients) serve the admin API tests here too.
from tests.gateway.conftest import admin, demo, gateway, make_gateway, sim  # noqa: F401

"""The network API (Neutron v2.0) of the gateway: the central Neutron behind it."""

from aiohttp import web

from tricircle.kit.service import OpenStackService
from tricircle.network.neutrons import Neutrons
from tricircle.openstack_errors import neutron_error

NETWORK = OpenStackService(name="network", version_path="/v2.0", error_format=neutron_error)

# the gateway's Neutrons (central and pods), None when no central Neutron is configured
NEUTRONS = web.AppKey("neutrons", Neutrons)


def neutrons_of(request: web.Request) -> Neutrons | None:
    return request.config_dict.get(NEUTRONS)

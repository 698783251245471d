"""Simulated Neutron v2.0 for one pod: networks, subnets, ports, security groups.

`store` keeps the resources as the dicts Neutron shows and exposes what Nova needs to plug
servers in; `collection` is the generic list/show/create/update/delete API over it; one module
per resource holds that resource's create/delete rules; `routes` is the route table.
"""

from tricircle.sim.network.routes import SERVICE
from tricircle.sim.network.store import NetworkState

__all__ = ["SERVICE", "NetworkState"]

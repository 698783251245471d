"""The top's flavor registry: flavors, their extra specs and access lists."""

from __future__ import annotations

from tricircle.top.models import Flavor, FlavorAccess
from tricircle.top.registry import SharedRegistry


class FlavorStore(SharedRegistry[Flavor]):
    model = Flavor
    access = FlavorAccess
    access_key = "flavor_id"

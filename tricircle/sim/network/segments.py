"""ML2's type drivers (flat, vlan, vxlan): which segments exist, which are taken, and the
segment a tenant network gets.

The ranges default to what the real-cloud tier's ml2_conf.ini declares, so the simulator
and the real pods hand out the same segments.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import SimError
from tricircle.sim.network.validation import integer, invalid_input

TYPE = "provider:network_type"
PHYSNET = "provider:physical_network"
SEG_ID = "provider:segmentation_id"
MAX_VLAN = 4094
MAX_VNI = 2**24 - 1

Segment = tuple[str, str | None, int | None]  # (network type, physical network, segmentation id)


@dataclass
class SegmentPool:
    flat_networks: frozenset[str] = frozenset({"physnet1"})
    vlan_ranges: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"physnet1": (100, 199)}
    )
    vni_range: tuple[int, int] = (1000, 1999)
    tenant_type: str = "vxlan"
    taken: set[Segment] = field(default_factory=set)
    # where the search for a free id starts next, per range: O(1) until a range wraps
    _cursors: dict[tuple[str, str | None], int] = field(default_factory=dict)

    def reserve(self, spec: dict[str, Any]) -> Segment:
        """The segment an admin asked for with provider attributes, checked and taken."""
        kind = spec.get(TYPE)
        if kind is None:
            raise invalid_input("network_type required")
        physnet, seg_id = spec.get(PHYSNET), spec.get(SEG_ID)
        if seg_id is not None:
            seg_id = integer(seg_id)
        if kind == "flat":
            segment = self._flat(physnet, seg_id)
        elif kind == "vlan":
            segment = self._vlan(physnet, seg_id)
        elif kind == "vxlan":
            segment = self._vxlan(physnet, seg_id)
        else:
            raise invalid_input(f"network_type value '{kind}' not supported")
        self.taken.add(segment)
        return segment

    def _flat(self, physnet: str | None, seg_id: int | None) -> Segment:
        if not physnet:
            raise invalid_input("physical_network required for flat provider network")
        if physnet not in self.flat_networks:
            raise invalid_input(f"physical_network '{physnet}' unknown for flat provider network")
        if seg_id is not None:
            raise invalid_input("segmentation_id prohibited for flat provider network")
        in_use = f"Unable to create the flat network. Physical network {physnet} is in use."
        return self._unused(("flat", physnet, None), in_use, "FlatNetworkInUse")

    def _vlan(self, physnet: str | None, seg_id: int | None) -> Segment:
        if not physnet:
            if seg_id is not None:
                raise invalid_input(
                    "segmentation_id requires physical_network for VLAN provider network"
                )
            return self._first_free("vlan", None)
        if physnet not in self.vlan_ranges:
            raise invalid_input(f"physical_network '{physnet}' unknown for VLAN provider network")
        if seg_id is None:
            return self._first_free("vlan", physnet)
        _check_range(seg_id, MAX_VLAN)
        in_use = (
            f"Unable to create the network. The VLAN {seg_id} on physical network "
            f"{physnet} is in use."
        )
        return self._unused(("vlan", physnet, seg_id), in_use, "VlanIdInUse")

    def _vxlan(self, physnet: str | None, seg_id: int | None) -> Segment:
        if physnet:
            raise invalid_input("provider:physical_network specified for vxlan network")
        if seg_id is None:
            return self._first_free("vxlan", None)
        _check_range(seg_id, MAX_VNI)
        in_use = f"Unable to create the network. The tunnel ID {seg_id} is in use."
        return self._unused(("vxlan", None, seg_id), in_use, "TunnelIdInUse")

    def _unused(self, segment: Segment, message: str, kind: str) -> Segment:
        if segment in self.taken:
            raise SimError(409, message, kind=kind)
        return segment

    def allocate_tenant(self) -> Segment:
        segment = self._first_free(self.tenant_type, None)
        self.taken.add(segment)
        return segment

    def _first_free(self, kind: str, physnet: str | None) -> Segment:
        if kind == "vxlan":
            ranges = [(None, self.vni_range)]
        else:
            ranges = [(p, r) for p, r in self.vlan_ranges.items() if physnet in (None, p)]
        for net, (low, high) in ranges:
            size = high - low + 1
            start = self._cursors.get((kind, net), 0)
            for step in range(size):
                seg_id = low + (start + step) % size
                if (kind, net, seg_id) not in self.taken:
                    self._cursors[(kind, net)] = seg_id - low + 1
                    return (kind, net, seg_id)
        raise SimError(
            503,
            "Unable to create the network. No tenant network is available for allocation.",
            kind="NoNetworkAvailable",
        )

    def release(self, segment: Segment) -> None:
        self.taken.discard(segment)


def _check_range(seg_id: int, maximum: int) -> None:
    if not 1 <= seg_id <= maximum:
        raise invalid_input(f"segmentation_id out of range (1 through {maximum})")

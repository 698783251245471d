"""The simulated Neutron's IPAM and ML2 segment allocation, without HTTP."""

import pytest

from tricircle.sim.http import SimError
from tricircle.sim.network.ipam import AddressBook
from tricircle.sim.network.segments import SegmentPool


def book(cidr: str, *pools: tuple[str, str]) -> AddressBook:
    subnet = {
        "id": "s1",
        "network_id": "n1",
        "cidr": cidr,
        "allocation_pools": [{"start": a, "end": b} for a, b in pools],
    }
    return AddressBook.of(subnet)


def kind(err: pytest.ExceptionInfo[SimError]) -> tuple[int, str | None]:
    return err.value.status, err.value.kind


def test_pools_are_walked_in_order_then_released_addresses_come_back():
    b = book("10.0.0.0/24", ("10.0.0.20", "10.0.0.21"), ("10.0.0.10", "10.0.0.10"))
    assert [b.take_next() for _ in range(3)] == ["10.0.0.10", "10.0.0.20", "10.0.0.21"]
    with pytest.raises(SimError) as err:
        b.take_next()
    assert kind(err) == (409, "IpAddressGenerationFailure")
    b.release("10.0.0.20")
    assert b.take_next() == "10.0.0.20"


def test_explicit_addresses_anywhere_in_the_cidr_once():
    b = book("10.0.0.0/24", ("10.0.0.10", "10.0.0.11"))
    assert b.take("10.0.0.200") == "10.0.0.200"
    assert b.take("10.0.0.1") == "10.0.0.1"  # the gateway too: Neutron does not hold it back
    with pytest.raises(SimError) as err:
        b.take("10.0.0.200")
    assert kind(err) == (409, "IpAddressAlreadyAllocated")
    with pytest.raises(SimError) as err:
        b.take("10.0.1.5")
    assert kind(err) == (400, "InvalidIpForSubnet")
    b.take("10.0.0.10")  # a pool address taken by hand is skipped by the walk
    assert b.take_next() == "10.0.0.11"


def test_a_subnet_without_pools_hands_out_only_what_is_asked_for():
    b = book("10.0.0.0/24", ("10.0.0.10", "10.0.0.11"))
    b.take_next()
    b.set_pools([])
    with pytest.raises(SimError):
        b.take_next()
    assert b.take("10.0.0.50") == "10.0.0.50"
    b.set_pools([{"start": "10.0.0.10", "end": "10.0.0.12"}])
    assert b.take_next() == "10.0.0.11"  # .10 is still held


def test_a_large_subnet_fills_up_exactly():
    b = book("10.8.0.0/20", ("10.8.0.2", "10.8.15.254"))
    taken = {b.take_next() for _ in range(4093)}
    assert len(taken) == 4093
    with pytest.raises(SimError):
        b.take_next()


def test_ipv6_addresses_are_written_as_ipv6():
    b = book("fd00::/64", ("fd00::2", "fd00::3"))
    assert b.take_next() == "fd00::2"
    assert b.take("fd00::1") == "fd00::1"


def test_tenant_networks_get_the_next_free_vni_of_the_range():
    pool = SegmentPool(vni_range=(1000, 1002))
    pool.reserve({"provider:network_type": "vxlan", "provider:segmentation_id": 1001})
    assert [pool.allocate_tenant()[2] for _ in range(2)] == [1000, 1002]
    with pytest.raises(SimError) as err:
        pool.allocate_tenant()
    assert kind(err) == (503, "NoNetworkAvailable")
    pool.release(("vxlan", None, 1001))
    assert pool.allocate_tenant() == ("vxlan", None, 1001)


@pytest.mark.parametrize(
    ("spec", "status", "error"),
    [
        ({"provider:network_type": "vlan", "provider:physical_network": "physnet1",
          "provider:segmentation_id": 4095}, 400, "InvalidInput"),
        ({"provider:network_type": "vlan", "provider:physical_network": "physnet9",
          "provider:segmentation_id": 150}, 400, "InvalidInput"),
        ({"provider:network_type": "flat", "provider:physical_network": "physnet1",
          "provider:segmentation_id": 3}, 400, "InvalidInput"),
        ({"provider:network_type": "gre"}, 400, "InvalidInput"),
        ({"provider:segmentation_id": 5}, 400, "InvalidInput"),
        ({"provider:network_type": "vxlan", "provider:physical_network": "physnet1"}, 400,
         "InvalidInput"),
    ],
)  # fmt: skip
def test_refused_provider_segments(spec, status, error):
    with pytest.raises(SimError) as err:
        SegmentPool().reserve(spec)
    assert kind(err) == (status, error)


@pytest.mark.parametrize(
    ("spec", "error"),
    [
        ({"provider:network_type": "vlan", "provider:physical_network": "physnet1",
          "provider:segmentation_id": 150}, "VlanIdInUse"),
        ({"provider:network_type": "vlan", "provider:physical_network": "physnet1",
          "provider:segmentation_id": 3000}, "VlanIdInUse"),  # outside the tenant range: fine
        ({"provider:network_type": "flat", "provider:physical_network": "physnet1"},
         "FlatNetworkInUse"),
        ({"provider:network_type": "vxlan", "provider:segmentation_id": 70000},
         "TunnelIdInUse"),
    ],
)  # fmt: skip
def test_a_segment_is_taken_once(spec, error):
    pool = SegmentPool()
    pool.reserve(spec)
    with pytest.raises(SimError) as err:
        pool.reserve(spec)
    assert kind(err) == (409, error)


def test_a_vlan_network_without_an_id_gets_one_from_its_physnet_range():
    pool = SegmentPool(vlan_ranges={"physnet1": (100, 101)})
    spec = {"provider:network_type": "vlan", "provider:physical_network": "physnet1"}
    assert [pool.reserve(spec)[2] for _ in range(2)] == [100, 101]
    with pytest.raises(SimError):
        pool.reserve(spec)

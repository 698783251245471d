"""Neutron's IPAM for one subnet: which addresses are taken, and the next free one in a pool.

Addresses are kept as integers; automatic allocation walks the pools once with a cursor and
then reuses released addresses, so a port create costs O(1) however full the subnet is.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field
from typing import Any

from tricircle.sim.http import SimError

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Cidr = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass
class AddressBook:
    subnet_id: str
    network_id: str
    cidr: Cidr
    pools: list[tuple[int, int]]  # inclusive ranges
    slaac: bool = False  # addresses are the ports' EUI-64, not from the pools
    used: set[int] = field(default_factory=set)
    _pool: int = 0  # where the cursor is: pool index and the next address in it
    _next: int | None = None
    _released: set[int] = field(default_factory=set)  # freed pool addresses behind the cursor

    @classmethod
    def of(cls, subnet: dict[str, Any]) -> AddressBook:
        cidr = ipaddress.ip_network(subnet["cidr"])
        slaac = subnet.get("ipv6_address_mode") in ("slaac", "dhcpv6-stateless")
        book = cls(subnet["id"], subnet["network_id"], cidr, [], slaac)
        book.set_pools(subnet["allocation_pools"])
        return book

    def set_pools(self, pools: list[dict[str, str]]) -> None:
        self.pools = sorted(
            (int(ipaddress.ip_address(p["start"])), int(ipaddress.ip_address(p["end"])))
            for p in pools
        )
        self._pool, self._next = 0, self.pools[0][0] if self.pools else None
        self._released = {ip for ip in self.used if self._in_pools(ip)}

    def _in_pools(self, ip: int) -> bool:
        return any(start <= ip <= end for start, end in self.pools)

    def contains(self, address: str) -> bool:
        try:
            return ipaddress.ip_address(address) in self.cidr
        except ValueError:
            return False

    def take(self, address: str) -> str:
        """Allocates the address asked for (in the subnet, not yet taken)."""
        if not self.contains(address):
            raise SimError(
                400,
                f"IP address {address} is not a valid IP for the specified subnet.",
                kind="InvalidIpForSubnet",
            )
        ip = int(ipaddress.ip_address(address))
        if ip in self.used:
            raise SimError(
                409,
                f"IP address {address} already allocated in subnet {self.subnet_id}",
                kind="IpAddressAlreadyAllocated",
            )
        self.used.add(ip)
        self._released.discard(ip)
        return self._text(ip)

    def take_next(self) -> str:
        """The next free address from the pools; Neutron's 409 when none is left."""
        while self._next is not None:
            ip = self._next
            self._advance()
            if ip not in self.used:
                self.used.add(ip)
                return self._text(ip)
        while self._released:
            ip = self._released.pop()
            if ip not in self.used:
                self.used.add(ip)
                return self._text(ip)
        raise SimError(
            409,
            f"No more IP addresses available on network {self.network_id}.",
            kind="IpAddressGenerationFailure",
        )

    def _advance(self) -> None:
        assert self._next is not None
        _start, end = self.pools[self._pool]
        if self._next < end:
            self._next += 1
        elif self._pool + 1 < len(self.pools):
            self._pool += 1
            self._next = self.pools[self._pool][0]
        else:
            self._next = None

    def eui64(self, mac: str) -> str:
        """The address SLAAC derives from a MAC: the prefix, then the MAC with its U/L bit
        flipped and ff:fe in the middle."""
        octets = [int(b, 16) for b in mac.split(":")]
        octets[0] ^= 0x02
        interface = [*octets[:3], 0xFF, 0xFE, *octets[3:]]
        return self._text(int(self.cidr.network_address) | int.from_bytes(bytes(interface), "big"))

    def release(self, address: str) -> None:
        ip = int(ipaddress.ip_address(address))
        self.used.discard(ip)
        if self._in_pools(ip) and (self._next is None or ip < self._next):
            self._released.add(ip)

    def _text(self, ip: int) -> str:
        return str(
            ipaddress.IPv4Address(ip) if self.cidr.version == 4 else ipaddress.IPv6Address(ip)
        )

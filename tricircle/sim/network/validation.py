"""The API layer's checks and conversions of attribute values, before any resource's own rules:
strings and their length, booleans and integers as Neutron converts them, ids that must be
UUIDs."""

from __future__ import annotations

import uuid
from typing import Any

from tricircle.sim.http import SimError

MAX_LENGTH = 255
STRINGS = frozenset({"name", "description", "device_id", "device_owner", "binding:host_id"})
BOOLEANS = frozenset(
    {
        "admin_state_up", "shared", "router:external", "port_security_enabled", "is_default",
        "qinq", "vlan_transparent", "enable_dhcp", "stateful", "distributed", "ha",
        "belongs_to_default_sg",
    }
)  # fmt: skip
INTEGERS = frozenset({"mtu", "ip_version"})
UUIDS = frozenset({"network_id", "floating_network_id", "port_id"})
CHOICES = {"ip_version": (4, 6)}


def bad_attribute(name: str, reason: str) -> SimError:
    """The API layer's refusal of an attribute's value."""
    return SimError(400, f"Invalid input for {name}. Reason: {reason}.", kind="HTTPBadRequest")


def invalid_input(message: str) -> SimError:
    return SimError(400, f"Invalid input for operation: {message}.", kind="InvalidInput")


def to_boolean(value: Any) -> bool:
    """Neutron's convert_to_boolean: true/false/1/0 in any case, or 0 and 1."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.lower() in ("true", "1", "false", "0"):
        return value.lower() in ("true", "1")
    raise invalid_input(f"'{value}' cannot be converted to boolean")


def check_uuid(name: str, value: Any) -> None:
    try:
        uuid.UUID(str(value))
    except ValueError:
        raise bad_attribute(name, f"'{value}' is not a valid UUID") from None


def converted(spec: dict[str, Any]) -> dict[str, Any]:
    """The body's values checked, booleans and integers converted as Neutron does."""
    out = dict(spec)
    for name, value in spec.items():
        if name in STRINGS and value is not None:
            if not isinstance(value, str):
                raise bad_attribute(name, f"'{value}' is not a valid string")
            if len(value) > MAX_LENGTH:
                raise bad_attribute(name, f"'{value}' exceeds maximum length of {MAX_LENGTH}")
        elif name in BOOLEANS:
            out[name] = to_boolean(value)
        elif name in INTEGERS:
            out[name] = integer(value)
            if name in CHOICES and out[name] not in CHOICES[name]:
                raise bad_attribute(name, f"{value} is not in valid_values")
        elif name in UUIDS and value is not None:
            check_uuid(name, value)
    return out


def integer(value: Any) -> int:
    if isinstance(value, bool):
        raise invalid_input(f"'{value}' is not an integer")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise invalid_input(f"'{value}' is not an integer") from None

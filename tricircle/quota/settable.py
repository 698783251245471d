"""What a new limit may be: Nova and Cinder refuse one below what is in use (and
reserved), each in its own words, unless the update is forced (Nova's ``force``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tricircle.quota.engine import Usage
from tricircle.web.errors import bad_request

# (resource, new limit, the least it may be) -> the service's message
BelowUsage = Callable[[str, int, int], str]


def nova_below_usage(resource: str, limit: int, minimum: int) -> str:
    return (
        f"Quota limit {limit} for {resource} must be greater than or equal to already used "
        f"and reserved {minimum}."
    )


def cinder_below_usage(resource: str, limit: int, minimum: int) -> str:
    return (
        f"Quota {resource} limit must be equal or greater than existing resources. Current "
        f"usage is {minimum} and the requested limit is {limit}."
    )


def check_not_below_usage(
    wanted: Mapping[str, int], usage: Mapping[str, Usage], message: BelowUsage
) -> None:
    for name, limit in wanted.items():
        used = usage.get(name, Usage())
        minimum = used.in_use + used.reserved
        if limit != -1 and limit < minimum:
            raise bad_request(message(name, limit, minimum))

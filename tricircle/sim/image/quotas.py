"""Glance's limits per image: image_property_quota, image_tag_quota and image_member_quota
(128 each by default); more is a 413."""

from __future__ import annotations

from collections.abc import Collection

from tricircle.sim.http import SimError

LIMIT = 128


def _exceeded(what: str, attempted: int) -> str:
    return (
        f"The limit has been exceeded on the number of allowed image {what}. "
        f"Attempted: {attempted}, Maximum: {LIMIT}"
    )


def check_properties(properties: Collection[str]) -> None:
    """Glance's own os_glance_* properties do not count."""
    attempted = len([k for k in properties if not k.startswith("os_glance")])
    if attempted > LIMIT:
        raise SimError(413, _exceeded("properties", attempted))


def check_tags(tags: Collection[str], image_id: str | None = None) -> None:
    """`image_id` given: the tags sub-resource's wording."""
    if len(tags) > LIMIT:
        message = _exceeded("tags", len(tags))
        if image_id is not None:
            message = f"Image tag limit exceeded for image {image_id}: {message}:"
        raise SimError(413, message)


def check_members(count: int, image_id: str) -> None:
    """`count`: the members the image would have."""
    if count > LIMIT:
        message = _exceeded("members for this image", count)
        raise SimError(413, f"Image member limit exceeded for image {image_id}: {message}:")

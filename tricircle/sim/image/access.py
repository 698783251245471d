"""Who may do what to an image, as Glance's default policies (new defaults) and its database
layer decide: what a project cannot see does not exist for it (404); what it sees but does not
own it may not change (403)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from tricircle.sim.http import Context, SimError
from tricircle.sim.image.errors import no_image, not_authorized
from tricircle.sim.image.model import Image
from tricircle.sim.image.store import ImageState
from tricircle.sim.service import ctx, pod_of


def state_of(request: web.Request) -> ImageState:
    return pod_of(request).image


Missing = Callable[[str], SimError]


def get_image(request: web.Request, missing: Missing = no_image) -> Image:
    image_id = request.match_info["image_id"]
    image = state_of(request).visible(image_id, ctx(request))
    if image is None:
        raise missing(image_id)
    return image


def owns(context: Context, image: Image) -> bool:
    """admin, or a member of the owning project: modify_image, delete_image, upload_image,
    deactivate, add_member and their kin."""
    return context.is_admin or (image.owner is not None and image.owner == context.project_id)


def require_owner(request: web.Request, image: Image, action: str) -> None:
    if not owns(ctx(request), image):
        raise not_authorized(action)


def check_visibility(context: Context, visibility: object) -> None:
    """publicize_image is the admin's; communitize_image any member's."""
    if visibility == "public" and not context.is_admin:
        raise not_authorized("publicize_image")


def get_owned(request: web.Request, action: str, missing: Missing = no_image) -> Image:
    image = get_image(request, missing)
    require_owner(request, image, action)
    return image

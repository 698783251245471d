"""Image members: the owner shares a `shared` image with other projects, each member answers
for itself (pending, accepted, rejected); a member sees only its own membership."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response, now
from tricircle.sim.image.access import get_image, owns, state_of
from tricircle.sim.image.errors import image_not_found, not_authorized
from tricircle.sim.image.model import MEMBER_STATUSES, Image, Member
from tricircle.sim.image.quotas import check_members
from tricircle.sim.image.validation import read_body
from tricircle.sim.service import ctx


def _image(request: web.Request, refusal: str | None) -> Image:
    """The image, when the caller sees it and it is shared; `refusal` words the 403 for an
    image that is not (None: a 404, as a show answers)."""
    image = get_image(request, image_not_found)
    if image.visibility != "shared":
        message = "Only shared images have members."
        raise SimError(404 if refusal is None else 403, refusal or message)
    return image


def _member(request: web.Request, image: Image) -> Member:
    member_id = request.match_info["member_id"]
    context = ctx(request)
    member = state_of(request).membership(image, member_id)
    # the owner sees every membership, a member its own
    if member is None or not (owns(context, image) or member_id == context.project_id):
        raise SimError(404, f"{member_id} not found in the member list of the image {image.id}.")
    return member


async def list_members(request: web.Request) -> web.Response:
    image_id = request.match_info["image_id"]
    refusal = f"Not allowed to list members for image {image_id}: Only shared images have members."
    image = _image(request, refusal)
    context = ctx(request)
    members = state_of(request).members.get(image.id, {}).values()
    shown = [m for m in members if owns(context, image) or m.member_id == context.project_id]
    return json_response({"members": [m.view() for m in shown], "schema": "/v2/schemas/members"})


async def show_member(request: web.Request) -> web.Response:
    image = _image(request, None)
    return json_response(_member(request, image).view())


def _member_id(body: Any) -> str:
    if not isinstance(body, dict):
        raise SimError(400, 'Expected a member in the form: {"member": "image_id"}')
    if "member" not in body:
        raise SimError(400, "Member to be added not specified")
    if not body["member"]:
        raise SimError(400, "Member can't be empty")
    return str(body["member"])


async def add_member(request: web.Request) -> web.Response:
    member_id = _member_id(await read_body(request))
    image_id = request.match_info["image_id"]
    image = _image(request, f"Not allowed to create members for image {image_id}.")
    if not owns(ctx(request), image):
        raise not_authorized("add_member")
    members = state_of(request).members.setdefault(image.id, {})
    check_members(len(members) + 1, image.id)
    if member_id in members:
        raise SimError(409, f"Member {member_id} is duplicated for image {image.id}")
    member = members[member_id] = Member(image.id, member_id)
    return json_response(member.view())


async def update_member(request: web.Request) -> web.Response:
    body = await read_body(request)
    if not isinstance(body, dict):
        raise SimError(400, 'Expected a status in the form: {"status": "status"}')
    if "status" not in body:
        raise SimError(400, "Status not specified")
    image_id = request.match_info["image_id"]
    image = _image(request, f"Not allowed to update members for image {image_id}.")
    member = _member(request, image)
    context = ctx(request)
    if not (context.is_admin or member.member_id == context.project_id):
        raise not_authorized("modify_member")  # the owner cannot answer for its members
    if body["status"] not in MEMBER_STATUSES:
        raise SimError(
            400, 'Incorrect request: Status must be "pending", "accepted" or "rejected".'
        )
    member.status = body["status"]
    member.updated_at = now()
    return json_response(member.view())


async def delete_member(request: web.Request) -> web.Response:
    image_id = request.match_info["image_id"]
    image = _image(request, f"Not allowed to delete members for image {image_id}.")
    member = _member(request, image)
    if not owns(ctx(request), image):
        raise not_authorized("delete_member")
    del state_of(request).members[image.id][member.member_id]
    return web.Response(status=204)

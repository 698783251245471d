"""Simulated Glance: who sees an image.  A private image exists only for its project; a
shared one for the projects it is shared with, listed once they accepted; a community one
for everyone, listed only when asked for.  Only the owner shares, only a member answers."""

from __future__ import annotations

from typing import Any

import pytest

from tests.sim import test_image_data as shared
from tests.sim.conftest import Api
from tests.sim.test_image_data import Glance, message
from tricircle.sim import Pod, SimCloud

glance = shared.glance
demo_glance = shared.demo_glance


@pytest.fixture
async def other(api: Api, cloud: SimCloud, pod: Pod) -> tuple[Glance, str]:
    """The Glance of a member of a third project, and that project's id."""
    cloud.identity.create_user("other", "secret", project="other", roles=["member"])
    client = Api(api.session, cloud)
    body = await client.login("other", "secret", "other")
    return Glance(client, pod), body["token"]["project"]["id"]


async def listed(client: Glance, query: str) -> list[str]:
    status, data = await client.call("GET", f"/images?{query}")
    assert status == 200, data
    return [i["id"] for i in data["images"]]


async def test_a_shared_image_is_seen_by_members_and_listed_once_accepted(
    demo_glance: Glance, other: tuple[Glance, str]
):
    stranger, project = other
    image = await demo_glance.create(visibility="shared", tags=["s"])
    members = f"/images/{image['id']}/members"
    assert (await stranger.call("GET", f"/images/{image['id']}"))[0] == 404
    status, member = await demo_glance.call("POST", members, {"member": project})
    assert status == 200 and (member["member_id"], member["status"]) == (project, "pending")
    assert member["schema"] == "/v2/schemas/member"
    assert (await stranger.call("GET", f"/images/{image['id']}"))[0] == 200
    assert await listed(stranger, "tag=s") == []
    assert await listed(stranger, "tag=s&member_status=pending") == [image["id"]]
    status, data = await stranger.call("PUT", f"{members}/{project}", {"status": "accepted"})
    assert status == 200 and data["status"] == "accepted"
    assert await listed(stranger, "tag=s") == [image["id"]]
    status, data = await stranger.call("PUT", f"{members}/{project}", {"status": "rejected"})
    assert await listed(stranger, "tag=s") == []
    assert (await stranger.call("GET", f"/images/{image['id']}"))[0] == 200  # still a member
    assert (await demo_glance.call("DELETE", f"{members}/{project}"))[0] == 204
    assert (await stranger.call("GET", f"/images/{image['id']}"))[0] == 404


async def test_only_the_owner_shares_and_only_the_member_answers(
    demo_glance: Glance, other: tuple[Glance, str], glance: Glance
):
    stranger, project = other
    image = await demo_glance.create(visibility="shared")
    members = f"/images/{image['id']}/members"
    await demo_glance.call("POST", members, {"member": project})
    refusals: dict[str, tuple[Glance, str, str, Any, int, str]] = {
        "duplicate": (demo_glance, "POST", members, {"member": project}, 409, "is duplicated"),
        "empty": (demo_glance, "POST", members, {"member": ""}, 400, "Member can't be empty"),
        "none": (demo_glance, "POST", members, {}, 400, "Member to be added not specified"),
        "member adds": (stranger, "POST", members, {"member": "x"}, 403, "add_member"),
        "owner answers": (
            demo_glance,
            "PUT",
            f"{members}/{project}",
            {"status": "accepted"},
            403,
            "modify_member",
        ),
        "bad status": (
            stranger,
            "PUT",
            f"{members}/{project}",
            {"status": "maybe"},
            400,
            'Status must be "pending", "accepted" or "rejected".',
        ),
        "member removes": (stranger, "DELETE", f"{members}/{project}", None, 403, "delete_member"),
        "unknown member": (demo_glance, "GET", f"{members}/nobody", None, 404, "nobody not found"),
    }
    for name, (client, method, path, body, status, wording) in refusals.items():
        got, data = await client.call(method, path, body)
        assert got == status and wording in data["message"], (name, data)
    status, data = await glance.call("PUT", f"{members}/{project}", {"status": "accepted"})
    assert status == 200  # an admin may answer for a member
    status, data = await stranger.call("GET", members)
    assert [m["member_id"] for m in data["members"]] == [project]
    assert data["schema"] == "/v2/schemas/members"


async def test_only_shared_images_have_members(demo_glance: Glance, other: tuple[Glance, str]):
    _, project = other
    private = await demo_glance.create(visibility="private")
    members = f"/images/{private['id']}/members"
    status, data = await demo_glance.call("POST", members, {"member": project})
    assert (
        status == 403
        and message(data) == f"Not allowed to create members for image {private['id']}."
    )
    status, data = await demo_glance.call("GET", members)
    assert status == 403 and "Only shared images have members." in data["message"]
    status, data = await demo_glance.call("GET", f"{members}/{project}")
    assert status == 404 and message(data) == "Only shared images have members."


async def test_private_images_are_hidden_and_community_ones_listed_when_asked(
    demo_glance: Glance, other: tuple[Glance, str]
):
    stranger, _ = other
    private = await demo_glance.create(visibility="private", tags=["v"])
    community = await demo_glance.create(visibility="community", tags=["v"])
    status, data = await stranger.call("GET", f"/images/{private['id']}")
    assert status == 404 and message(data) == f"No image found with ID {private['id']}"
    assert (await stranger.call("GET", f"/images/{community['id']}"))[0] == 200
    assert await listed(stranger, "tag=v") == []
    assert await listed(stranger, "tag=v&visibility=community") == [community["id"]]
    assert sorted(await listed(demo_glance, "tag=v")) == sorted([private["id"], community["id"]])
    assert await listed(stranger, "tag=v&visibility=private") == []

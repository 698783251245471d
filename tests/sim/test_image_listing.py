"""Simulated Glance: GET /v2/images filters, sorts and pages as Glance does, tags are a
sub-resource, and the schemas the openstack CLI validates with are served."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from tests.sim import test_image_data as shared
from tests.sim.test_image_data import Glance, message

glance = shared.glance


@pytest.fixture
async def three(glance: Glance) -> list[dict]:
    """Images b (1 byte), a (3 bytes) and c (queued), tagged `l`, made in that order."""
    return [
        await glance.uploaded(b"x", name="b", tags=["l"]),
        await glance.uploaded(b"xyz", name="a", tags=["l", "odd"]),
        await glance.create(name="c", tags=["l"], os_hidden=False, hw="v"),
    ]


async def names(glance: Glance, query: str) -> list[str]:
    status, data = await glance.call("GET", f"/images?tag=l&{query}")
    assert status == 200, data
    return [i["name"] for i in data["images"]]


async def test_filters(glance: Glance, three: list[dict]):
    assert await names(glance, "") == ["c", "a", "b"]  # newest first
    assert await names(glance, "name=a") == ["a"]
    assert await names(glance, "name=in:a,c") == ["c", "a"]
    assert await names(glance, "status=queued") == ["c"]
    assert await names(glance, "tag=odd") == ["a"]
    assert await names(glance, "size_min=2") == ["a"]
    assert await names(glance, "size_max=2") == ["b"]
    assert await names(glance, "hw=v") == ["c"]
    assert await names(glance, "created_at=gte:2000-01-01T00:00:00Z") == ["c", "a", "b"]
    assert await names(glance, "updated_at=lt:2000-01-01T00:00:00Z") == []
    assert await names(glance, f"id={three[0]['id']}") == ["b"]


async def test_hidden_images_are_listed_only_when_asked(glance: Glance):
    await glance.create(name="h", tags=["l"], os_hidden=True)
    assert await names(glance, "") == []
    assert await names(glance, "os_hidden=true") == ["h"]


async def test_sorting_both_syntaxes(glance: Glance, three: list[dict]):
    assert await names(glance, "sort=name:asc") == ["a", "b", "c"]
    assert await names(glance, "sort=name") == ["c", "b", "a"]  # desc unless told
    assert await names(glance, "sort_key=name&sort_dir=asc") == ["a", "b", "c"]
    assert await names(glance, "sort_key=status&sort_key=name&sort_dir=asc") == ["a", "b", "c"]
    assert await names(glance, "sort=size:desc,name:asc") == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("query", "wording"),
    [
        ("sort_key=owner", "Invalid sort key: owner. It must be one of the following: name, "),
        ("sort_dir=up", "Invalid sort direction: up"),
        ("sort=name&sort_key=id", "Old and new sorting syntax cannot be combined"),
        (
            "sort_key=name&sort_key=id&sort_dir=asc&sort_dir=desc&sort_dir=asc",
            "Number of sort dirs does not match the number of sort keys",
        ),
        ("limit=x", "limit param must be an integer"),
        ("limit=-1", "limit param must be positive"),
        ("visibility=everyone", "Invalid visibility value: everyone"),
        ("member_status=maybe", "Invalid status: maybe"),
        ("name=like:x", "Unable to filter by unknown operator 'like'."),
        ("created_at=yesterday", 'Bad "created_at" query filter format.'),
        ("size_min=big", "Unable to filter on a range with a non-numeric value."),
        ("os_hidden=maybe", "Invalid value 'maybe' for 'os_hidden' filter."),
        ("marker=11111111-2222-3333-4444-555555555555", "No image found with ID"),
        ("changes-since=2020-01-01", 'The "changes-since" filter is no longer available on v2.'),
    ],
)
async def test_list_refusals(glance: Glance, query: str, wording: str):
    status, data = await glance.call("GET", f"/images?{query}")
    assert status == 400 and message(data).startswith(wording), data


async def test_pages_follow_next_links(glance: Glance, three: list[dict]):
    _, data = await glance.call("GET", "/images?tag=l&sort=name:asc&limit=2")
    assert [i["name"] for i in data["images"]] == ["a", "b"]
    assert data["first"] == "/v2/images?tag=l&sort=name%3Aasc&limit=2"
    link = urlsplit(data["next"])
    assert link.path == "/v2/images"
    assert parse_qs(link.query) == {
        "tag": ["l"],
        "sort": ["name:asc"],
        "limit": ["2"],
        "marker": [three[0]["id"]],
    }
    _, data = await glance.call("GET", data["next"].removeprefix("/v2"))
    assert [i["name"] for i in data["images"]] == ["c"] and "next" not in data


async def test_tags_one_at_a_time(glance: Glance):
    image = await glance.create(tags=["a"])
    tags = f"/images/{image['id']}/tags"
    assert (await glance.call("PUT", f"{tags}/b"))[0] == 204
    assert (await glance.call("PUT", f"{tags}/b"))[0] == 204
    assert (await glance.call("DELETE", f"{tags}/a"))[0] == 204
    status, data = await glance.call("DELETE", f"{tags}/a")
    assert status == 404 and message(data) == "The resource could not be found."
    assert (await glance.show(image["id"]))["tags"] == ["b"]
    status, data = await glance.call("PUT", f"{tags}/{'x' * 256}")
    assert status == 400 and "is too long" in data["message"]
    status, data = await glance.call("PUT", "/images/11111111-2222-3333-4444-555555555555/tags/x")
    assert status == 404 and message(data).endswith("not found.")


async def test_schemas_describe_what_a_view_holds(glance: Glance):
    image = await glance.uploaded(b"x", os_distro="cirros")
    status, schema = await glance.call("GET", "/schemas/image")
    assert status == 200
    assert set(image) - {"os_distro"} <= set(schema["properties"])
    assert schema["additionalProperties"] == {"type": "string"}
    status, images = await glance.call("GET", "/schemas/images")
    assert images["properties"]["images"]["items"] == schema
    status, member = await glance.call("GET", "/schemas/member")
    assert member["properties"]["status"]["enum"] == ["pending", "accepted", "rejected"]
    assert (await glance.call("GET", "/schemas/nothing"))[0] == 404

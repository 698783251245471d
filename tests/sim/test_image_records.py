"""Simulated Glance: image records as Glance 32 keeps them: what a create accepts (an id
given is kept, never reused), JSON-patch, protection, deactivation, and the seeding API
other simulated services use."""

from __future__ import annotations

import uuid

import pytest

from tests.sim import test_image_data as shared
from tests.sim.test_image_data import Glance, message
from tricircle.sim import Pod

glance = shared.glance
demo_glance = shared.demo_glance

COPY_ID = "7e57ab1e-0000-4000-8000-000000000001"


async def test_a_create_keeps_the_id_owner_and_properties_it_is_given(glance: Glance):
    owner = uuid.uuid4().hex
    image = await glance.create(
        id=COPY_ID, owner=owner, visibility="private", min_disk=2, tags=["t"], os_distro="x"
    )
    assert (image["id"], image["owner"], image["visibility"]) == (COPY_ID, owner, "private")
    assert (image["min_disk"], image["tags"], image["os_distro"]) == (2, ["t"], "x")
    assert "locations" not in image and "stores" not in image
    status, data = await glance.call("POST", "/images", {"id": COPY_ID})
    assert status == 409 and message(data) == f"Image ID {COPY_ID} already exists!"
    assert (await glance.call("DELETE", f"/images/{COPY_ID}"))[0] == 204
    status, _ = await glance.call("POST", "/images", {"id": COPY_ID})
    assert status == 409  # Glance keeps the deleted row: the id is never used again


@pytest.mark.parametrize(
    ("body", "status", "wording"),
    [
        ({"disk_format": "vhd2"}, 400, "Provided object does not match schema 'image'"),
        ({"id": "nope"}, 400, "does not match"),
        ({"min_ram": "1"}, 400, "is not of type 'integer'"),
        ({"hw_x": 1}, 400, "is not of type 'string'"),
        ({"status": "active"}, 403, "Attribute 'status' is read-only."),
        ({"stores": "fs"}, 403, "Attribute 'stores' is read-only."),
        ({"deleted": "x"}, 403, "Access was denied to this resource."),
        ({"os_glance_x": "x"}, 403, "Access was denied to this resource."),
        ({"visibility": "public"}, 403, "not authorized to complete publicize_image action"),
        ({"owner": "someone"}, 403, "Access was denied to this resource."),
        ({"min_disk": -1}, 400, "Cannot be a negative value"),
    ],
)
async def test_create_refusals(demo_glance: Glance, body, status, wording):
    got, data = await demo_glance.call("POST", "/images", {"name": "x", **body})
    assert got == status and wording in data["message"], data


async def test_json_patch_adds_replaces_and_removes(glance: Glance):
    image = await glance.create(os_distro="cirros")
    ops = [
        {"op": "add", "path": "/hw_rng", "value": "yes"},
        {"op": "replace", "path": "/os_distro", "value": "ubuntu"},
        {"op": "replace", "path": "/tags", "value": ["a", "b", "a"]},
        {"op": "replace", "path": "/min_ram", "value": 256},
        {"op": "remove", "path": "/hw_rng"},
    ]
    status, data = await glance.patch(image["id"], ops)
    assert status == 200, data
    assert (data["os_distro"], data["tags"], data["min_ram"]) == ("ubuntu", ["a", "b"], 256)
    assert "hw_rng" not in data
    old_style = {"Content-Type": "application/openstack-images-v2.0-json-patch"}
    status, data = await glance.call(
        "PATCH", f"/images/{image['id']}", [{"add": "/os_distro", "value": "x"}], old_style
    )
    assert status == 409 and "Property os_distro already present." in data["message"]


@pytest.mark.parametrize(
    ("ops", "status", "wording"),
    [
        ([{"op": "replace", "path": "/nope", "value": "x"}], 409, "Property nope does not exist."),
        ([{"op": "remove", "path": "/name"}], 403, "Property name may not be removed."),
        ([{"op": "replace", "path": "/id", "value": "x"}], 403, "Attribute 'id' is read-only."),
        ([{"op": "add", "path": "/deleted_at", "value": "x"}], 403, "is reserved."),
        ([{"op": "move", "path": "/x"}], 400, "Invalid operation: `move`."),
        ([{"op": "add", "path": "x", "value": "x"}], 400, 'does not start with "/"'),
        ([{"op": "add", "path": "/tags/-", "value": "x"}], 400, "Invalid JSON pointer"),
        ([{"op": "add", "path": "/x"}], 400, 'Operation "add" requires a member named "value".'),
        ([{"op": "replace", "path": "/owner", "value": "x"}], 403, "Owner can't be updated"),
        ([{"op": "add", "path": "/locations/-", "value": {}}], 403, "locations are invisible"),
        ({"op": "add"}, 400, "Request body must be a JSON array of operation objects."),
    ],
)
async def test_patch_refusals(demo_glance: Glance, ops, status, wording):
    image = await demo_glance.create()
    got, data = await demo_glance.patch(image["id"], ops)
    assert got == status and wording in data["message"], data


async def test_a_patch_needs_glance_s_media_type(glance: Glance):
    image = await glance.create()
    status, headers, _ = await glance.api.call(
        "PATCH", f"{glance.base}/images/{image['id']}", [], {"Content-Type": "application/json"}
    )
    assert status == 415
    missing = f"{glance.base}/images/11111111-2222-3333-4444-555555555555"
    assert (await glance.api.call("PATCH", missing, [], {"Content-Type": "text/plain"}))[0] == 415
    assert headers["Accept-Patch"] == (
        "application/openstack-images-v2.0-json-patch, application/openstack-images-v2.1-json-patch"
    )


async def test_formats_change_only_while_queued(glance: Glance):
    image = await glance.uploaded(b"x")
    status, data = await glance.patch(
        image["id"], [{"op": "replace", "path": "/disk_format", "value": "qcow2"}]
    )
    assert status == 403 and "can be only replaced for a queued image" in data["message"]


async def test_only_the_owner_changes_or_deletes_and_protection_holds(
    glance: Glance, demo_glance: Glance
):
    public = await glance.create(visibility="public")
    status, data = await demo_glance.patch(
        public["id"], [{"op": "add", "path": "/k", "value": "v"}]
    )
    assert status == 403 and "modify_image" in data["message"]
    status, data = await demo_glance.call("DELETE", f"/images/{public['id']}")
    assert status == 403 and "delete_image" in data["message"]
    mine = await demo_glance.create(protected=True)
    status, data = await demo_glance.call("DELETE", f"/images/{mine['id']}")
    assert status == 403 and "is protected and cannot be deleted" in data["message"]
    private = await glance.create(visibility="private")
    status, data = await demo_glance.call("DELETE", f"/images/{private['id']}")
    assert status == 404 and message(data) == f"Failed to find image {private['id']} to delete"


async def test_a_deactivated_image_is_downloaded_by_admins_only(
    glance: Glance, demo_glance: Glance
):
    queued = await demo_glance.create()
    status, data = await demo_glance.call("POST", f"/images/{queued['id']}/actions/deactivate")
    assert status == 403 and message(data) == "Not allowed to deactivate image in status 'queued'"
    image = await demo_glance.uploaded(b"data")
    actions = f"/images/{image['id']}/actions"
    assert (await demo_glance.call("POST", f"{actions}/deactivate"))[0] == 204
    assert (await demo_glance.call("POST", f"{actions}/deactivate"))[0] == 204  # no-op
    shown = await demo_glance.show(image["id"])
    assert shown["status"] == "deactivated" and "stores" not in shown
    status, _, _ = await demo_glance.download(image["id"])
    assert status == 403
    assert (await glance.download(image["id"]))[::2] == (200, b"data")
    assert (await demo_glance.call("POST", f"{actions}/reactivate"))[0] == 204
    assert (await demo_glance.download(image["id"]))[::2] == (200, b"data")


async def test_seeded_images_serve_the_other_simulated_services(glance: Glance, pod: Pod):
    seeded = pod.add_image("seed", data=b"disk", properties={"os_distro": "cirros"})
    shown = await glance.show(seeded.id)
    assert (shown["status"], shown["size"], shown["visibility"]) == ("active", 4, "public")
    assert shown["checksum"] == seeded.checksum and shown["os_distro"] == "cirros"
    assert (await glance.download(seeded.id))[::2] == (200, b"disk")
    empty = pod.add_image("empty")
    assert (await glance.download(empty.id))[::2] == (200, b"")


async def test_a_refused_patch_changes_nothing(glance: Glance):
    image = await glance.create(name="before")
    ops = [
        {"op": "replace", "path": "/name", "value": "after"},
        {"op": "replace", "path": "/missing", "value": "x"},
    ]
    assert (await glance.patch(image["id"], ops))[0] == 409
    assert (await glance.show(image["id"]))["name"] == "before"


async def test_glance_s_limits_per_image(glance: Glance):
    many = {f"p{i}": "v" for i in range(129)}
    status, data = await glance.call("POST", "/images", {"name": "x", **many})
    assert status == 413 and "image properties. Attempted: 129, Maximum: 128" in data["message"]
    tags = [f"t{i}" for i in range(128)]
    image = await glance.create(tags=tags)
    status, data = await glance.call("PUT", f"/images/{image['id']}/tags/one-more")
    assert status == 413 and message(data) == (
        f"Image tag limit exceeded for image {image['id']}: The limit has been exceeded on the "
        "number of allowed image tags. Attempted: 129, Maximum: 128:"
    )
    status, data = await glance.patch(
        image["id"], [{"op": "replace", "path": "/tags", "value": [*tags, "x"]}]
    )
    assert status == 413 and (await glance.show(image["id"]))["tags"] == tags
    shared_image = await glance.create(visibility="shared")
    members = f"/images/{shared_image['id']}/members"
    for i in range(128):
        assert (await glance.call("POST", members, {"member": f"m{i}"}))[0] == 200
    status, data = await glance.call("POST", members, {"member": "m128"})
    assert status == 413 and "Attempted: 129, Maximum: 128" in data["message"]

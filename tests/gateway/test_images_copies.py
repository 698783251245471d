"""Copies of top images asked for by admins, made for volumes, cut short, refused; images
adopted from the pods; snapshots registered at the top."""

from __future__ import annotations

import functools
import hashlib
from typing import Any

import pytest

from tests.gateway.conftest import GatewayFactory
from tests.gateway.harness import Client, Gateway
from tests.gateway.test_images import DATA, IMG, boot, copy_in, upload
from tests.jobs.helpers import eventually
from tricircle.gateway.image import GLANCES
from tricircle.images import copy as copy_module
from tricircle.images import transfer
from tricircle.images.copies import CopyStore
from tricircle.images.copy import Copier
from tricircle.images.models import COPYING, ImageCopy
from tricircle.images.sync import ImageSync, request_sync


@pytest.fixture
async def gateway(make_gateway: GatewayFactory) -> Gateway:
    return await make_gateway(images=True)


async def copies_of(admin: Client, image_id: str) -> list[dict[str, Any]]:
    reply = await admin.get(f"/v1.0/images/{image_id}/copies")
    assert reply.status == 200, reply.body
    return reply.body["copies"]


async def running_server(demo: Client, image_id: str) -> str:
    """A server booted from `image_id` in az1, once it is ACTIVE; its id."""
    reply = await boot(demo, image_id, "az1")
    assert reply.status == 202, reply.body
    server_id = reply.body["server"]["id"]

    async def active() -> bool:
        reply = await demo.get(f"/compute/v2.1/servers/{server_id}")
        return reply.body["server"]["status"] == "ACTIVE"

    await eventually(active)
    return server_id


async def test_an_admin_copies_an_image_everywhere_and_drops_a_copy(
    gateway: Gateway, demo: Client, admin: Client
) -> None:
    image = await upload(demo, "mine")
    reply = await admin.post(f"/v1.0/images/{image['id']}/copies", {"copies": {}})
    assert reply.status == 202, reply.body
    assert {c["pod_name"] for c in reply.body["copies"]} == {"pod1", "pod2", "pod3"}

    async def everywhere() -> bool:
        return all(c["state"] == "active" for c in await copies_of(admin, image["id"]))

    await eventually(everywhere)
    for pod in ("pod1", "pod2", "pod3"):
        copy = copy_in(gateway, pod, image["id"])
        assert copy is not None and copy.os_hash_value == hashlib.sha512(DATA).hexdigest()
    pod2 = next(c["pod_id"] for c in await copies_of(admin, image["id"]) if c["pod_name"] == "pod2")
    reply = await admin.delete(f"/v1.0/images/{image['id']}/copies/{pod2}")
    assert reply.status == 204, reply.body
    assert copy_in(gateway, "pod2", image["id"]) is None
    assert {c["pod_name"] for c in await copies_of(admin, image["id"])} == {"pod1", "pod3"}
    reply = await admin.delete(f"/v1.0/images/{image['id']}/copies/{pod2}")
    assert reply.status == 404


async def test_admin_copies_name_pods_or_azs_that_exist(
    gateway: Gateway, demo: Client, admin: Client
) -> None:
    image = await upload(demo, "mine")
    path = f"/v1.0/images/{image['id']}/copies"
    reply = await admin.post(path, {"copies": {"availability_zones": ["az2"]}})
    assert reply.status == 202, reply.body
    assert {c["pod_name"] for c in reply.body["copies"]} == {"pod2", "pod3"}
    reply = await admin.post(path, {"copies": {"pods": ["nowhere"]}})
    assert reply.status == 400
    reply = await admin.post(path, {"copies": {"pods": "pod1"}})
    assert reply.status == 400
    reply = await admin.post("/v1.0/images/00000000-0000-0000-0000-000000000000/copies", {})
    assert reply.status == 400  # no "copies" in the body
    reply = await demo.post(path, {"copies": {}})
    assert reply.status == 403


async def test_a_volume_from_an_image_gets_its_copy_first(gateway: Gateway, demo: Client) -> None:
    image = await upload(demo, "mine")
    volume = {"size": 1, "imageRef": image["id"], "availability_zone": "az1"}
    reply = await demo.post("/volume/v3/volumes", {"volume": volume})
    assert reply.status == 202, reply.body
    copy = copy_in(gateway, "pod1", image["id"])
    assert copy is not None and copy.status == "active"


async def test_a_copy_cut_short_is_never_used_and_made_again(
    gateway: Gateway, demo: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a worker that dies mid-copy: the pod's half-filled image is never booted from,
    and the next attempt sends every byte again."""
    cut = True

    async def dying(self: CopyStore, image_id: str, pod_id: str, copied: int) -> None:
        nonlocal cut
        if cut:
            cut = False
            raise ConnectionResetError("the worker died")

    monkeypatch.setattr(CopyStore, "progress", dying)
    monkeypatch.setattr(copy_module, "stream", functools.partial(transfer.stream, every=0.0))
    gateway.conf.set_override("image_copy_wait", 0.0, "central")
    image = await upload(demo, "mine")
    reply = await boot(demo, image["id"], "az1")
    assert reply.status == 409, reply.body
    gateway.conf.set_override("image_copy_wait", 30.0, "central")
    reply = await boot(demo, image["id"], "az1")
    assert reply.status == 202, reply.body
    assert not cut  # the copy did break off once
    copy = copy_in(gateway, "pod1", image["id"])
    assert copy is not None and copy.status == "active" and copy.size == len(DATA)
    assert copy.os_hash_value == hashlib.sha512(DATA).hexdigest()


async def test_a_pod_image_with_other_bytes_under_the_id_is_never_used(
    gateway: Gateway, demo: Client
) -> None:
    image = await upload(demo, "mine")
    pod = gateway.sim.pods["pod1"]
    pod.add_image(name="impostor", id=image["id"], data=b"something else")
    reply = await boot(demo, image["id"], "az1")
    assert reply.status == 409, reply.body
    message = reply.body["conflictingRequest"]["message"]
    assert "could not be copied to availability zone az1" in message
    assert "other data" in message
    assert pod.images[image["id"]].name == "impostor"  # the pod's own is left as it was
    assert not pod.servers


async def test_an_admin_adopts_what_pods_hold(gateway: Gateway, admin: Client) -> None:
    shared = "0ddba11c-0000-4000-8000-000000000001"
    for pod in ("pod1", "pod3"):
        gateway.sim.pods[pod].add_image(name="golden", id=shared, data=DATA, disk_format="raw")
    reply = await admin.post(f"/v1.0/images/{shared}/adoption", {"adoption": {}})
    assert reply.status == 202, reply.body
    assert sorted(reply.body["adoption"]["pods"]) == ["pod1", "pod3"]

    async def adopted() -> bool:
        copies = await copies_of(admin, shared)
        return len(copies) == 2 and all(c["state"] == "active" for c in copies)

    await eventually(adopted)
    reply = await admin.get(f"{IMG}/images/{shared}")
    assert reply.status == 200 and reply.body["status"] == "active"
    assert reply.body["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
    assert reply.body["name"] == "golden"


async def test_adopting_different_bytes_under_one_id_changes_nothing(
    gateway: Gateway, admin: Client
) -> None:
    clash = "0ddba11c-0000-4000-8000-000000000002"
    gateway.sim.pods["pod1"].add_image(name="a", id=clash, data=b"one")
    gateway.sim.pods["pod2"].add_image(name="b", id=clash, data=b"two")
    reply = await admin.post(f"/v1.0/images/{clash}/adoption", {"adoption": {}})
    assert reply.status == 409, reply.body
    assert "different data" in reply.body["error"]["message"]
    assert (await admin.get(f"{IMG}/images/{clash}")).status == 404
    assert await copies_of(admin, clash) == []
    reply = await admin.post(
        "/v1.0/images/0ddba11c-0000-4000-8000-00000000ffff/adoption", {"adoption": {}}
    )
    assert reply.status == 404


async def test_a_snapshot_is_registered_at_the_top_and_boots_anywhere(
    gateway: Gateway, demo: Client
) -> None:
    image = await upload(demo, "base")
    server_id = await running_server(demo, image["id"])
    reply = await demo.post(
        f"/compute/v2.1/servers/{server_id}/action",
        {"createImage": {"name": "snap"}},
        headers={"OpenStack-API-Version": "compute 2.45"},
    )
    assert reply.status == 202, reply.body
    snapshot_id = reply.body["image_id"]
    reply = await demo.get(f"{IMG}/images/{snapshot_id}")
    assert reply.status == 200, reply.body  # at the top at once
    assert reply.body["name"] == "snap"

    async def uploaded() -> bool:
        reply = await demo.get(f"{IMG}/images/{snapshot_id}")
        return reply.body["status"] == "active"

    await eventually(uploaded)
    shown = (await demo.get(f"{IMG}/images/{snapshot_id}")).body
    assert shown["os_hash_value"] == gateway.sim.pods["pod1"].images[snapshot_id].os_hash_value
    reply = await boot(demo, snapshot_id, "az2")
    assert reply.status == 202, reply.body


async def test_an_image_asking_for_it_is_copied_to_every_pod_its_owner_may_use(
    gateway: Gateway, demo: Client, admin: Client
) -> None:
    image = await upload(demo, "everywhere", tricircle_copy_eagerly="true")

    async def everywhere() -> bool:
        copies = await copies_of(admin, image["id"])
        return len(copies) == 3 and all(c["state"] == "active" for c in copies)

    await eventually(everywhere)
    plain = await upload(demo, "where needed")
    assert await copies_of(admin, plain["id"]) == []


async def test_a_pod_using_the_top_glance_gets_no_copy(
    gateway: Gateway, demo: Client, admin: Client
) -> None:
    gateway.conf.set_override("pods_using_top_glance", ["pod1"], "central")
    image = await upload(demo, "mine")
    # the pod's Nova reads the top Glance itself: here, the pod is shown the image as is
    gateway.sim.pods["pod1"].add_image(name="mine", id=image["id"], data=DATA, disk_format="raw")
    assert (await boot(demo, image["id"], "az1")).status == 202
    assert await copies_of(admin, image["id"]) == []


async def test_drift_in_a_pod_is_repaired_from_the_top(
    gateway: Gateway, demo: Client, admin: Client
) -> None:
    image = await upload(demo, "mine")
    assert (await boot(demo, image["id"], "az1")).status == 202
    copy = copy_in(gateway, "pod1", image["id"])
    assert copy is not None
    copy.name, copy.visibility = "changed in the pod", "public"
    copy.properties["added_in_the_pod"] = "x"
    await request_sync(gateway.services.db, image["id"], None)  # what the reconciler queues

    async def repaired() -> bool:
        return (copy.name, copy.visibility) == ("mine", "shared") and (
            "added_in_the_pod" not in copy.properties
        )

    await eventually(repaired)


async def test_a_rebuild_copies_its_new_image_first(gateway: Gateway, demo: Client) -> None:
    first, second = await upload(demo, "first"), await upload(demo, "second", b"other bytes")
    server_id = await running_server(demo, first["id"])
    reply = await demo.post(
        f"/compute/v2.1/servers/{server_id}/action", {"rebuild": {"imageRef": second["id"]}}
    )
    assert reply.status == 202, reply.body
    copy = copy_in(gateway, "pod1", second["id"])
    assert copy is not None and copy.status == "active" and copy.size == len(b"other bytes")


async def test_a_later_attempt_reads_the_bytes_from_a_pod_holding_a_copy(
    gateway: Gateway, demo: Client
) -> None:
    image = await upload(demo, "mine")
    assert (await boot(demo, image["id"], "az1")).status == 202  # pod1 holds a copy now
    glances = gateway.app[GLANCES]
    copies = CopyStore(gateway.services.db)
    copier = Copier(glances, copies, ImageSync(glances, copies, gateway.conf))
    pod2 = next(p for p in (await gateway.services.directory.pods()).values() if p.name == "pod2")
    async with gateway.services.db.session.begin() as session:  # asked for, no job queued
        session.add(ImageCopy(image_id=image["id"], pod_id=pod2.id, state=COPYING))
    pod1, top = gateway.sim.pods["pod1"], gateway.sim.central
    assert top is not None
    before = (pod1.arrived, top.arrived)
    await copier.copy(image["id"], pod2.id, attempt=2)
    await pod1.received(f"GET /image/v2/images/{image['id']}/file", after=before[0], timeout=0)
    with pytest.raises(TimeoutError):  # not the top's this time
        await top.received(f"GET /image/v2/images/{image['id']}/file", after=before[1], timeout=0)
    copy = copy_in(gateway, "pod2", image["id"])
    assert copy is not None and copy.os_hash_value == hashlib.sha512(DATA).hexdigest()


async def test_an_adoption_whose_bytes_the_top_refuses_leaves_nothing_at_the_top(
    gateway: Gateway, admin: Client
) -> None:
    odd = "0ddba11c-0000-4000-8000-000000000003"
    # said to be qcow2, holding raw bytes: the top Glance's format check refuses the upload
    gateway.sim.pods["pod1"].add_image(name="odd", id=odd, data=DATA, disk_format="qcow2")
    reply = await admin.post(f"/v1.0/images/{odd}/adoption", {"adoption": {}})
    assert reply.status == 202, reply.body

    async def unregistered() -> bool:
        return (await admin.get(f"{IMG}/images/{odd}")).status == 404

    await eventually(unregistered)
    assert await copies_of(admin, odd) == []

"""Image contract: Glance v2 as the gateway relies on it: create (with a given id, as a copy
into a pod is made), upload and download with hashes, JSON-patch, tags, members and who
sees what, deactivation, interoperable import, lists, schemas and errors."""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

from tests.realcloud.contract import Contract
from tests.realcloud.helpers import unique, wait_status
from tests.realcloud.targets import Client, Credentials, Reply, Target

SIM_GAPS: dict[str, str] = {}
OCTETS = {"Content-Type": "application/octet-stream"}
PATCH = {"Content-Type": "application/openstack-images-v2.1-json-patch"}
DATA = bytes(range(256)) * 64  # 16 KiB, every byte value


async def create(client: Client, contract: Contract | None = None, **spec: Any) -> str:
    body = {"name": unique("image"), "disk_format": "raw", "container_format": "bare", **spec}
    reply = await client.call("image", "POST", "/v2/images", body)
    if contract is not None:
        contract.step("create", reply)
    assert reply.status == 201, reply
    return reply.body["id"]


async def upload(client: Client, image_id: str, data: bytes = DATA) -> Reply:
    return await client.call(
        "image", "PUT", f"/v2/images/{image_id}/file", data=data, headers=OCTETS
    )


async def patch(client: Client, image_id: str, ops: list[dict[str, Any]]) -> Reply:
    body = json.dumps(ops)
    return await client.call("image", "PATCH", f"/v2/images/{image_id}", data=body, headers=PATCH)


async def download(client: Client, image_id: str, headers: dict[str, str] | None = None) -> Any:
    """The raw reply of GET .../file (bytes, not text), as the gateway streams it."""
    url = client.endpoints["image"] + f"/v2/images/{image_id}/file"
    hdrs = {"X-Auth-Token": client.token, **(headers or {})}
    async with client.http.get(url, headers=hdrs) as resp:
        return resp.status, dict(resp.headers), await resp.read()


async def active(client: Client, image_id: str) -> dict[str, Any]:
    path = f"/v2/images/{image_id}"
    return await wait_status(
        client, "image", path, "", "active", {"queued", "saving", "uploading", "importing"}
    )


async def unlocked(client: Client, image_id: str) -> Reply:
    """The image once its import task let go of it (Glance drops the lock after activating)."""
    for _ in range(100):
        reply = await client.call("image", "GET", f"/v2/images/{image_id}")
        if "os_glance_import_task" not in reply.body:
            return reply
        await asyncio.sleep(0.2)
    raise AssertionError(f"image {image_id} still locked by its import task")


@contextlib.asynccontextmanager
async def images_of(client: Client) -> AsyncIterator[list[str]]:
    """Image ids deleted at the end, whatever happens (protection lifted first)."""
    made: list[str] = []
    try:
        yield made
    finally:
        for image_id in made:
            await patch(client, image_id, [{"op": "replace", "path": "/protected", "value": False}])
            await client.call("image", "DELETE", f"/v2/images/{image_id}")


async def _keystone(admin: Client, method: str, path: str, body: Any = None) -> Any:
    url = admin.target.identity_url + path
    headers = {"X-Auth-Token": admin.token}
    async with admin.http.request(method, url, json=body, headers=headers) as resp:
        assert resp.status < 300, await resp.text()
        return await resp.json() if resp.status != 204 else None


@contextlib.asynccontextmanager
async def stranger(admin: Client, target: Target) -> AsyncIterator[tuple[Client, str]]:
    """A member of a project of its own (neither demo's nor admin's): (client, project id)."""
    name = unique("project")
    project = await _keystone(admin, "POST", "/projects", {"project": {"name": name}})
    project_id = project["project"]["id"]
    password = uuid.uuid4().hex
    user = {"name": name, "password": password, "default_project_id": project_id}
    user_id = (await _keystone(admin, "POST", "/users", {"user": user}))["user"]["id"]
    try:
        roles = (await _keystone(admin, "GET", "/roles?name=member"))["roles"]
        grant = f"/projects/{project_id}/users/{user_id}/roles/{roles[0]['id']}"
        await _keystone(admin, "PUT", grant)
        client = await Client(admin.http, target).login(Credentials(name, password, name))
        yield client, project_id
    finally:
        await _keystone(admin, "DELETE", f"/users/{user_id}")
        await _keystone(admin, "DELETE", f"/projects/{project_id}")


async def test_image_lifecycle(target: Target, demo: Client, contract: Contract) -> None:
    """queued -> (saving) -> active with size, hashes and store; downloaded whole and in
    part; deleted."""
    name = unique("image")
    body = {"name": name, "disk_format": "raw", "container_format": "bare"}
    reply = contract.step("create", await demo.call("image", "POST", "/v2/images", body))
    assert reply.status == 201, reply
    assert reply.body["status"] == "queued"
    image_id = reply.body["id"]
    path = f"/v2/images/{image_id}"
    try:
        reply = contract.step("download queued", await demo.call("image", "GET", path + "/file"))
        assert reply.status == 204, reply
        reply = contract.step("upload", await upload(demo, image_id))
        assert reply.status == 204, reply
        await active(demo, image_id)
        reply = contract.step("show active", await demo.call("image", "GET", path))
        shown = reply.body
        assert shown["size"] == len(DATA) and shown["virtual_size"] == len(DATA)
        assert shown["checksum"] == hashlib.md5(DATA).hexdigest()
        assert shown["os_hash_algo"] == "sha512"
        assert shown["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
        contract.step("list by name", await demo.call("image", "GET", f"/v2/images?name={name}"))
        reply = contract.step("upload again", await upload(demo, image_id, b"y"))
        assert reply.status == 409, reply
        status, headers, data = await download(demo, image_id)
        assert (status, data) == (200, DATA)
        assert headers["Content-MD5"] == shown["checksum"]
        assert headers["Content-Length"] == str(len(DATA))
        status, headers, data = await download(demo, image_id, {"Range": "bytes=10-19"})
        assert (status, data) == (206, DATA[10:20])
        assert headers["Content-Range"] == f"bytes 10-19/{len(DATA)}"
    finally:
        reply = contract.step("delete", await demo.call("image", "DELETE", path))
    assert reply.status == 204, reply
    contract.step("show deleted", await demo.call("image", "GET", path))
    contract.verify(target.name)


async def test_image_copy_with_its_id(target: Target, admin: Client, contract: Contract) -> None:
    """What a copy into a pod does: the admin creates the image under the source's id, owner
    and properties, uploads the bytes and compares the hashes.  An id is never reused, not
    even after a delete."""
    image_id = str(uuid.uuid4())
    owner = uuid.uuid4().hex
    body = {
        "id": image_id,
        "name": unique("copy"),
        "owner": owner,
        "visibility": "private",
        "disk_format": "raw",
        "container_format": "bare",
        "min_disk": 1,
        "min_ram": 64,
        "tags": ["copied"],
        "os_distro": "cirros",
        "hw_disk_bus": "virtio",
    }
    reply = contract.step("create with id", await admin.call("image", "POST", "/v2/images", body))
    assert reply.status == 201, reply
    assert (reply.body["id"], reply.body["owner"]) == (image_id, owner)
    assert reply.body["os_distro"] == "cirros" and reply.body["tags"] == ["copied"]
    path = f"/v2/images/{image_id}"
    try:
        reply = contract.step(
            "same id again", await admin.call("image", "POST", "/v2/images", body)
        )
        assert reply.status == 409, reply
        reply = contract.step("upload", await upload(admin, image_id))
        assert reply.status == 204, reply
        shown = await active(admin, image_id)
        assert shown["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
        contract.step("show copy", await admin.call("image", "GET", path))
    finally:
        reply = contract.step("delete", await admin.call("image", "DELETE", path))
    assert reply.status == 204, reply
    reply = contract.step(
        "id of a deleted image", await admin.call("image", "POST", "/v2/images", body)
    )
    assert reply.status == 409, reply
    bad = {**body, "id": "not-a-uuid"}
    reply = contract.step("id not a uuid", await admin.call("image", "POST", "/v2/images", bad))
    assert reply.status == 400, reply
    contract.verify(target.name)


async def test_image_patch(target: Target, demo: Client, contract: Contract) -> None:
    """JSON-patch of base attributes, additional properties and tags, with Glance's refusals."""
    async with images_of(demo) as made:
        image_id = await create(demo, os_distro="cirros")
        made.append(image_id)
        ops = [
            {"op": "add", "path": "/hw_qemu_guest_agent", "value": "yes"},
            {"op": "replace", "path": "/os_distro", "value": "ubuntu"},
            {"op": "replace", "path": "/min_ram", "value": 512},
            {"op": "replace", "path": "/tags", "value": ["a", "b"]},
            {"op": "add", "path": "/protected", "value": True},
        ]
        reply = contract.step("patch", await patch(demo, image_id, ops))
        assert reply.status == 200, reply
        assert reply.body["os_distro"] == "ubuntu" and reply.body["min_ram"] == 512
        assert sorted(reply.body["tags"]) == ["a", "b"] and reply.body["protected"] is True
        remove = [{"op": "remove", "path": "/hw_qemu_guest_agent"}]
        reply = contract.step("remove property", await patch(demo, image_id, remove))
        assert reply.status == 200 and "hw_qemu_guest_agent" not in reply.body, reply
        tag = f"/v2/images/{image_id}/tags"
        reply = contract.step("add tag", await demo.call("image", "PUT", f"{tag}/c"))
        assert reply.status == 204, reply
        reply = contract.step("delete tag", await demo.call("image", "DELETE", f"{tag}/a"))
        assert reply.status == 204, reply
        reply = contract.step("delete missing tag", await demo.call("image", "DELETE", f"{tag}/a"))
        assert reply.status == 404, reply
        shown = (await demo.call("image", "GET", f"/v2/images/{image_id}")).body
        assert sorted(shown["tags"]) == ["b", "c"]
        refused = {
            "replace missing property": (409, [{"op": "replace", "path": "/nope", "value": "x"}]),
            "remove missing property": (409, [{"op": "remove", "path": "/nope"}]),
            "remove base attribute": (403, [{"op": "remove", "path": "/min_ram"}]),
            "replace read-only": (403, [{"op": "replace", "path": "/status", "value": "active"}]),
            "replace reserved": (403, [{"op": "add", "path": "/deleted", "value": "x"}]),
            "wrong value type": (400, [{"op": "replace", "path": "/min_ram", "value": "x"}]),
            "property not a string": (400, [{"op": "add", "path": "/k", "value": 1}]),
            "unknown op": (400, [{"op": "move", "path": "/k", "value": "x"}]),
            "nested path": (400, [{"op": "add", "path": "/tags/-", "value": "x"}]),
            "make public": (403, [{"op": "replace", "path": "/visibility", "value": "public"}]),
            "delete protected": (403, None),
        }
        for step, (status, ops) in refused.items():
            if ops is None:
                reply = await demo.call("image", "DELETE", f"/v2/images/{image_id}")
            else:
                reply = await patch(demo, image_id, ops)
            contract.step(step, reply)
            assert reply.status == status, (step, reply)
        reply = await demo.call(
            "image",
            "PATCH",
            f"/v2/images/{image_id}",
            data="[]",
            headers={"Content-Type": "application/json"},
        )
        contract.step("not a json-patch", reply)
        assert reply.status == 415, reply
        assert "application/openstack-images-v2.1-json-patch" in reply.headers["Accept-Patch"]
    contract.verify(target.name)


async def test_image_members(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """A shared image is seen by the project it is shared with, listed once that project
    accepted; only the owner adds and removes members, only the member answers."""
    async with stranger(admin, target) as (other, other_project), images_of(demo) as made:
        image_id = await create(demo, visibility="shared", tags=[tag := unique("tag")])
        made.append(image_id)
        private_id = await create(demo, visibility="private")
        made.append(private_id)
        path = f"/v2/images/{image_id}"
        members = f"{path}/members"
        listing = f"/v2/images?tag={tag}"
        reply = contract.step("stranger shows", await other.call("image", "GET", path))
        assert reply.status == 404, reply
        reply = contract.step(
            "stranger shows private", await other.call("image", "GET", f"/v2/images/{private_id}")
        )
        assert reply.status == 404, reply
        body = {"member": other_project}
        reply = contract.step("add member", await demo.call("image", "POST", members, body))
        assert reply.status == 200 and reply.body["status"] == "pending", reply
        reply = contract.step("add again", await demo.call("image", "POST", members, body))
        assert reply.status == 409, reply
        reply = await demo.call("image", "POST", f"/v2/images/{private_id}/members", body)
        contract.step("add to private", reply)
        assert reply.status == 403, reply
        reply = contract.step("member shows pending", await other.call("image", "GET", path))
        assert reply.status == 200, reply
        reply = contract.step("member lists", await other.call("image", "GET", listing))
        assert reply.body["images"] == [], reply
        reply = await other.call("image", "GET", listing + "&member_status=pending")
        contract.step("member lists pending", reply)
        assert [i["id"] for i in reply.body["images"]] == [image_id], reply
        mine = f"{members}/{other_project}"
        reply = await demo.call("image", "PUT", mine, {"status": "accepted"})
        contract.step("owner accepts", reply)
        assert reply.status == 403, reply
        reply = await other.call("image", "PUT", mine, {"status": "maybe"})
        contract.step("bad status", reply)
        assert reply.status == 400, reply
        reply = await other.call("image", "PUT", mine, {"status": "accepted"})
        contract.step("member accepts", reply)
        assert reply.status == 200 and reply.body["status"] == "accepted", reply
        reply = contract.step("member lists accepted", await other.call("image", "GET", listing))
        assert [i["id"] for i in reply.body["images"]] == [image_id], reply
        reply = contract.step("owner lists members", await demo.call("image", "GET", members))
        assert [m["member_id"] for m in reply.body["members"]] == [other_project], reply
        contract.step("member shows membership", await other.call("image", "GET", mine))
        reply = await other.call("image", "POST", members, {"member": uuid.uuid4().hex})
        contract.step("member adds", reply)
        assert reply.status == 403, reply
        reply = contract.step("member removes", await other.call("image", "DELETE", mine))
        assert reply.status == 403, reply
        reply = await patch(other, image_id, [{"op": "add", "path": "/k", "value": "v"}])
        contract.step("member patches", reply)
        assert reply.status == 403, reply
        reply = contract.step("owner removes", await demo.call("image", "DELETE", mine))
        assert reply.status == 204, reply
        reply = contract.step("gone for the member", await other.call("image", "GET", path))
        assert reply.status == 404, reply
        reply = await demo.call("image", "POST", f"/v2/images/{private_id}/members", {})
        contract.step("no member given", reply)
        assert reply.status == 400, reply
    contract.verify(target.name)


async def test_image_community(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """A community image: any project shows it, lists it only when asking for community."""
    async with stranger(admin, target) as (other, _), images_of(demo) as made:
        tag = unique("tag")
        image_id = await create(demo, visibility="community", tags=[tag])
        made.append(image_id)
        reply = contract.step(
            "stranger shows", await other.call("image", "GET", f"/v2/images/{image_id}")
        )
        assert reply.status == 200, reply
        reply = contract.step(
            "stranger lists", await other.call("image", "GET", f"/v2/images?tag={tag}")
        )
        assert reply.body["images"] == [], reply
        query = f"/v2/images?tag={tag}&visibility=community"
        reply = contract.step("stranger lists community", await other.call("image", "GET", query))
        assert [i["id"] for i in reply.body["images"]] == [image_id], reply
        reply = contract.step(
            "owner lists", await demo.call("image", "GET", f"/v2/images?tag={tag}")
        )
        assert [i["id"] for i in reply.body["images"]] == [image_id], reply
    contract.verify(target.name)


async def test_image_deactivate(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    """A deactivated image keeps its data but only an admin downloads it."""
    async with images_of(demo) as made:
        image_id = await create(demo)
        made.append(image_id)
        actions = f"/v2/images/{image_id}/actions"
        reply = contract.step(
            "deactivate queued", await demo.call("image", "POST", f"{actions}/deactivate")
        )
        assert reply.status == 403, reply
        assert (await upload(demo, image_id)).status == 204
        await active(demo, image_id)
        reply = contract.step(
            "deactivate", await demo.call("image", "POST", f"{actions}/deactivate")
        )
        assert reply.status == 204, reply
        reply = contract.step(
            "show deactivated", await demo.call("image", "GET", f"/v2/images/{image_id}")
        )
        assert reply.body["status"] == "deactivated", reply
        reply = contract.step(
            "download deactivated", await demo.call("image", "GET", f"/v2/images/{image_id}/file")
        )
        assert reply.status == 403, reply
        status, _, data = await download(admin, image_id)
        assert (status, data) == (200, DATA)
        reply = contract.step(
            "reactivate", await demo.call("image", "POST", f"{actions}/reactivate")
        )
        assert reply.status == 204, reply
        status, _, data = await download(demo, image_id)
        assert (status, data) == (200, DATA)
    contract.verify(target.name)


async def test_image_import(target: Target, demo: Client, contract: Contract) -> None:
    """Interoperable import: stage the bytes, import them with glance-direct."""
    reply = contract.step("import methods", await demo.call("image", "GET", "/v2/info/import"))
    assert "glance-direct" in reply.body["import-methods"]["value"], reply
    async with images_of(demo) as made:
        image_id = await create(demo)
        made.append(image_id)
        path = f"/v2/images/{image_id}"
        body = {"method": {"name": "glance-direct"}}
        reply = contract.step(
            "import unstaged", await demo.call("image", "POST", f"{path}/import", body)
        )
        assert reply.status == 409, reply
        reply = await demo.call("image", "PUT", f"{path}/stage", data=DATA, headers=OCTETS)
        contract.step("stage", reply)
        assert reply.status == 204, reply
        reply = contract.step("show staged", await demo.call("image", "GET", path))
        assert reply.body["status"] == "uploading", reply
        reply = contract.step("import", await demo.call("image", "POST", f"{path}/import", body))
        assert reply.status == 202, reply
        shown = await active(demo, image_id)
        assert shown["os_hash_value"] == hashlib.sha512(DATA).hexdigest()
        contract.step("show imported", await unlocked(demo, image_id))
        reply = contract.step(
            "import again", await demo.call("image", "POST", f"{path}/import", body)
        )
        assert reply.status == 409, reply
        status, _, data = await download(demo, image_id)
        assert (status, data) == (200, DATA)
        other = await create(demo)
        made.append(other)
        unfiltered = {"method": {"name": "web-download", "uri": "http://127.0.0.1:9/x.img"}}
        reply = await demo.call("image", "POST", f"/v2/images/{other}/import", unfiltered)
        contract.step("web-download refused uri", reply)
        assert reply.status == 400, reply
        reply = await demo.call(
            "image", "POST", f"/v2/images/{other}/import", {"method": {"name": "x"}}
        )
        contract.step("unknown method", reply)
        assert reply.status == 400, reply
    contract.verify(target.name)


async def test_image_list_paging(target: Target, demo: Client, contract: Contract) -> None:
    """limit, marker and the `next` link, sorted by name both ways."""
    tag = unique("tag")
    async with images_of(demo) as made:
        for name in ("b", "a", "c"):
            made.append(await create(demo, name=f"{tag}-{name}", tags=[tag]))
        query = f"/v2/images?tag={tag}&sort=name:asc&limit=2"
        reply = contract.step("first page", await demo.call("image", "GET", query))
        assert [i["name"] for i in reply.body["images"]] == [f"{tag}-a", f"{tag}-b"], reply
        next_link = reply.body["next"]
        assert next_link.startswith("/v2/images?"), reply
        reply = contract.step("next page", await demo.call("image", "GET", next_link))
        assert [i["name"] for i in reply.body["images"]] == [f"{tag}-c"], reply
        assert "next" not in reply.body
        query = f"/v2/images?tag={tag}&sort_key=name&sort_dir=desc"
        reply = contract.step("classic sort", await demo.call("image", "GET", query))
        assert [i["name"][-1] for i in reply.body["images"]] == ["c", "b", "a"], reply
        query = f"/v2/images?tag={tag}&name=in:{tag}-a,{tag}-c&sort=name"
        reply = contract.step("name in", await demo.call("image", "GET", query))
        assert sorted(i["name"][-1] for i in reply.body["images"]) == ["a", "c"], reply
        query = f"/v2/images?tag={tag}&created_at=gte:2000-01-01T00:00:00Z&size_max=0"
        reply = contract.step("created_at and size", await demo.call("image", "GET", query))
        assert reply.body["images"] == [], reply  # queued images have no size
    contract.verify(target.name)


async def test_image_schemas(target: Target, demo: Client, contract: Contract) -> None:
    """The schemas the openstack CLI validates images with."""
    for name in ("image", "images", "member", "members"):
        reply = await demo.call("image", "GET", f"/v2/schemas/{name}")
        contract.step(name, reply)
        assert reply.status == 200, reply
    contract.verify(target.name)


async def test_image_errors(
    target: Target, admin: Client, demo: Client, contract: Contract
) -> None:
    missing = f"/v2/images/{uuid.uuid4()}"
    bad = {"name": "x", "disk_format": "no-such-format", "container_format": "bare"}
    async with images_of(demo) as made:
        image_id = await create(demo, disk_format=None, container_format=None)
        made.append(image_id)
        want = {
            "show unknown": (404, await demo.call("image", "GET", missing)),
            "delete unknown": (404, await demo.call("image", "DELETE", missing)),
            "upload to unknown": (404, await upload(demo, missing.rsplit("/", 1)[1])),
            "create with bad disk_format": (
                400,
                await demo.call("image", "POST", "/v2/images", bad),
            ),
            "create with a reserved key": (
                403,
                await demo.call("image", "POST", "/v2/images", {"name": "x", "status": "active"}),
            ),
            "create with a read-only key": (
                403,
                await demo.call("image", "POST", "/v2/images", {"name": "x", "self": "/x"}),
            ),
            "create public as a member": (
                403,
                await demo.call(
                    "image", "POST", "/v2/images", {"name": "x", "visibility": "public"}
                ),
            ),
            "create for another owner": (
                403,
                await demo.call(
                    "image", "POST", "/v2/images", {"name": "x", "owner": uuid.uuid4().hex}
                ),
            ),
            "property not a string": (
                400,
                await demo.call("image", "POST", "/v2/images", {"name": "x", "k": 1}),
            ),
            "upload without formats": (400, await upload(demo, image_id)),
            "upload not octets": (
                415,
                await demo.call(
                    "image",
                    "PUT",
                    f"/v2/images/{image_id}/file",
                    data=b"x",
                    headers={"Content-Type": "text/plain"},
                ),
            ),
            "list bad sort key": (
                400,
                await demo.call("image", "GET", "/v2/images?sort_key=owner"),
            ),
            "list bad sort dir": (400, await demo.call("image", "GET", "/v2/images?sort_dir=up")),
            "list bad limit": (400, await demo.call("image", "GET", "/v2/images?limit=-1")),
            "list bad marker": (
                400,
                await demo.call("image", "GET", f"/v2/images?marker={uuid.uuid4()}"),
            ),
            "list bad visibility": (
                400,
                await demo.call("image", "GET", "/v2/images?visibility=x"),
            ),
            "list bad operator": (400, await demo.call("image", "GET", "/v2/images?name=like:x")),
        }
    for step, (_, reply) in want.items():
        contract.step(step, reply)
    contract.verify(target.name)
    for step, (status, reply) in want.items():
        assert reply.status == status, (step, reply)

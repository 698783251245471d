"""The admin API, tokens and policy."""

from __future__ import annotations

from tests.gateway.harness import Client

PODS = "/v1.0/pods"


async def test_missing_or_invalid_token_is_401_everywhere(gateway, demo) -> None:
    for path, key in (("/compute/v2.1/servers", "unauthorized"), (PODS, "error")):
        for token in ("", "not-a-token"):
            client = Client(demo.http, gateway.url, token)
            reply = await client.get(path)
            assert reply.status == 401, (path, token)
            assert key in reply.body
            assert "Keystone uri=" in reply.headers["WWW-Authenticate"]


async def test_version_discovery_needs_no_token(gateway, demo) -> None:
    anonymous = Client(demo.http, gateway.url, "")
    root = await anonymous.get("/compute/")
    assert root.status == 200
    assert [v["id"] for v in root.body["versions"]] == ["v2.0", "v2.1"]  # as Nova lists them
    assert root.body["versions"][0]["status"] == "DEPRECATED"
    versioned = await anonymous.get("/compute/v2.1")
    assert versioned.body["version"]["version"] == "2.96"
    assert (await anonymous.get("/v1.0/openapi.json")).body["openapi"].startswith("3.")


async def test_every_response_carries_a_request_id(gateway, demo) -> None:
    for path in ("/compute/v2.1/servers", "/compute/v2.1/nope", "/v1.0/pods"):
        reply = await demo.get(path)
        assert reply.headers["x-openstack-request-id"].startswith("req-")


async def test_non_admins_get_403_from_the_admin_api(gateway, demo) -> None:
    for method, path in (
        ("GET", PODS),
        ("POST", PODS),
        ("GET", "/v1.0/routings"),
        ("GET", "/v1.0/bindings"),
    ):
        reply = await demo.call(method, path, json={"pod": {}} if method == "POST" else None)
        assert reply.status == 403, path
        assert reply.body["error"]["code"] == 403


async def test_pods_crud_with_validation(gateway, admin) -> None:
    listed = await admin.get(PODS)
    assert [p["name"] for p in listed.body["pods"]] == ["pod1", "pod2", "pod3"]
    pod = listed.body["pods"][0]
    assert pod["endpoints"]["compute"].endswith("/v2.1")
    assert pod["capabilities"]["compute"]["max_version"] == "2.96"
    bad = [
        {},
        {"pod": {"name": "x"}},
        {"pod": {"name": "x", "region_name": "r", "az_name": "a", "state": "sideways"}},
        {"pod": {"name": "x", "region_name": "r", "az_name": "a", "colour": "red"}},
        {"pod": {"name": "x", "region_name": "r", "az_name": "a", "endpoints": {"compute": 5}}},
    ]
    for body in bad:
        reply = await admin.post(PODS, body)
        assert reply.status == 400, body
        assert reply.body["error"]["message"]
    unknown_region = await admin.post(
        PODS, {"pod": {"name": "x", "region_name": "nowhere", "az_name": "a"}}
    )
    assert unknown_region.status == 400 and "nowhere" in unknown_region.body["error"]["message"]
    duplicate = await admin.post(
        PODS,
        {
            "pod": {
                "name": "pod1",
                "region_name": "pod1",
                "az_name": "az1",
                "endpoints": pod["endpoints"],
            }
        },
    )
    assert duplicate.status == 409
    updated = await admin.put(f"{PODS}/{pod['id']}", {"pod": {"state": "maintenance"}})
    assert updated.status == 200 and updated.body["pod"]["state"] == "maintenance"
    assert (await admin.get(f"{PODS}/nope")).status == 404
    assert (await admin.delete(f"{PODS}/nope")).status == 404
    assert len((await admin.get(PODS)).body["pods"]) == 3


async def test_a_pod_in_maintenance_takes_no_new_servers(gateway, admin, demo) -> None:
    pod1 = next(p for p in (await admin.get(PODS)).body["pods"] if p["name"] == "pod1")
    await admin.put(f"{PODS}/{pod1['id']}", {"pod": {"state": "maintenance"}})
    reply = await demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "v",
                "flavorRef": "1",
                "imageRef": "cirros",
                "availability_zone": "az1",
            }
        },
    )
    assert reply.status == 503 and "pod1" in reply.body["serviceUnavailable"]["message"]


async def test_a_pod_that_holds_servers_cannot_be_deleted(gateway, admin, demo) -> None:
    reply = await demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "v",
                "flavorRef": "1",
                "imageRef": "cirros",
                "availability_zone": "az1",
            }
        },
    )
    assert reply.status == 202
    pod1 = next(p for p in (await admin.get(PODS)).body["pods"] if p["name"] == "pod1")
    assert (await admin.delete(f"{PODS}/{pod1['id']}")).status == 409


async def test_bindings_restrict_where_a_project_may_go(gateway, admin, demo) -> None:
    pods = {p["name"]: p["id"] for p in (await admin.get(PODS)).body["pods"]}
    project = await gateway.sim_project("demo")
    bound = await admin.post(
        "/v1.0/bindings", {"binding": {"project_id": project, "pod_id": pods["pod2"]}}
    )
    assert bound.status == 201
    again = await admin.post(
        "/v1.0/bindings", {"binding": {"project_id": project, "pod_id": pods["pod2"]}}
    )
    assert again.status == 409
    zones = await demo.get("/compute/v2.1/os-availability-zone")
    assert [z["zoneName"] for z in zones.body["availabilityZoneInfo"]] == ["az2"]
    refused = await demo.post(
        "/compute/v2.1/servers",
        {
            "server": {
                "name": "v",
                "flavorRef": "1",
                "imageRef": "cirros",
                "availability_zone": "az1",
            }
        },
    )
    assert refused.status == 400
    placed = await demo.post(
        "/compute/v2.1/servers", {"server": {"name": "v", "flavorRef": "1", "imageRef": "cirros"}}
    )
    assert placed.status == 202
    assert placed.body["server"]["id"] in gateway.sim.pods["pod2"].servers
    assert (await admin.delete(f"/v1.0/bindings/{project}/{pods['pod2']}")).status == 204
    assert (await admin.delete(f"/v1.0/bindings/{project}/{pods['pod2']}")).status == 404


async def test_routings_list_filters_pages_and_deletes(gateway, admin, demo) -> None:
    for index in range(3):
        reply = await demo.post(
            "/compute/v2.1/servers",
            {"server": {"name": f"v{index}", "flavorRef": "1", "imageRef": "cirros"}},
        )
        assert reply.status == 202
    servers = await admin.get("/v1.0/routings", params={"resource_type": "server"})
    assert len(servers.body["routings"]) == 3
    first = await admin.get("/v1.0/routings", params={"resource_type": "server", "limit": "2"})
    assert len(first.body["routings"]) == 2
    next_href = first.body["routings_links"][0]["href"]
    rest = await admin.get(next_href.split(gateway.url, 1)[1])
    assert len(rest.body["routings"]) == 1
    entry = rest.body["routings"][0]
    assert (await admin.get(f"/v1.0/routings/{entry['id']}")).body["routing"] == entry
    assert (await admin.get("/v1.0/routings", params={"limit": "x"})).status == 400
    assert (await admin.delete(f"/v1.0/routings/{entry['id']}")).status == 204
    assert (await admin.get(f"/v1.0/routings/{entry['id']}")).status == 404


async def test_the_openapi_document_describes_every_admin_route(gateway, demo) -> None:
    from tricircle.admin.app import create_admin_app

    document = (await Client(demo.http, gateway.url, "").get("/v1.0/openapi.json")).body
    documented = {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
        if method != "parameters"
    }
    served = {
        (route.method, "/v1.0" + route.resource.canonical.replace(r"{entry_id:\d+}", "{entry_id}"))
        for route in create_admin_app(1024).router.routes()
        if route.method not in ("HEAD", "OPTIONS")
        and not route.resource.canonical.endswith(".json")
    }
    assert served == documented

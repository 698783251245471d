"""Keystone v3: issue, validate, revoke, scope, catalog, errors."""

from tricircle.sim import SimCloud


async def test_version_documents(cloud, api):
    status, _, body = await api.call("GET", cloud.base_url + "/")
    assert status == 300 and body["versions"]["values"][0]["id"].startswith("v3")
    status, headers, body = await api.call("GET", cloud.identity_url)
    assert status == 200 and body["version"]["status"] == "stable"
    assert headers["x-openstack-request-id"].startswith("req-")


async def test_password_token_has_keystone_shape(cloud, pod, api):
    body = await api.login()
    token = body["token"]
    assert token["methods"] == ["password"]
    assert token["project"]["name"] == "admin"
    assert {r["name"] for r in token["roles"]} == {"admin"}
    assert token["expires_at"].endswith("Z") and token["issued_at"].endswith("Z")
    assert token["audit_ids"]
    compute = next(s for s in token["catalog"] if s["type"] == "compute")
    urls = {(e["region"], e["interface"]): e["url"] for e in compute["endpoints"]}
    assert urls[("pod1", "public")] == pod.url("compute")
    assert {e["interface"] for e in compute["endpoints"]} == {"public", "internal", "admin"}


async def test_bad_password_is_401_in_keystone_format(cloud, api):
    api.token = None
    status, _, body = await api.call("POST", cloud.identity_url + "/auth/tokens", {"auth": {
        "identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"id": "default"}, "password": "wrong"}}}}})
    assert status == 401
    assert body["error"]["code"] == 401 and body["error"]["title"] == "Unauthorized"


async def test_validate_check_and_revoke(cloud, api, user_in_demo):
    admin_token = api.token
    await api.login("demo", "secret", "demo")
    demo_token = api.token
    api.token = admin_token
    url = cloud.identity_url + "/auth/tokens"
    status, headers, body = await api.call("GET", url, headers={"X-Subject-Token": demo_token})
    assert status == 200 and body["token"]["user"]["name"] == "demo"
    assert headers["X-Subject-Token"] == demo_token
    status, _, body = await api.call("GET", url + "?nocatalog",
                                     headers={"X-Subject-Token": demo_token})
    assert "catalog" not in body["token"]
    status, _, _ = await api.call("HEAD", url, headers={"X-Subject-Token": demo_token})
    assert status == 200
    status, _, _ = await api.call("DELETE", url, headers={"X-Subject-Token": demo_token})
    assert status == 204
    status, _, body = await api.call("GET", url, headers={"X-Subject-Token": demo_token})
    assert status == 404 and body["error"]["code"] == 404
    status, _, _ = await api.call("GET", url, headers={"X-Subject-Token": demo_token,
                                                       "X-Auth-Token": "bogus"})
    assert status == 401


async def test_token_method_rescope_and_unscoped(cloud, api, user_in_demo):
    api.token = None
    url = cloud.identity_url + "/auth/tokens"
    status, headers, body = await api.call("POST", url, {"auth": {"identity": {
        "methods": ["password"], "password": {"user": {
            "name": "demo", "domain": {"name": "Default"}, "password": "secret"}}},
        "scope": "unscoped"}})
    assert status == 201 and "project" not in body["token"] and "catalog" not in body["token"]
    unscoped = headers["X-Subject-Token"]
    project_id = cloud.identity.find_project("demo", "default").id
    status, headers, body = await api.call("POST", url, {"auth": {
        "identity": {"methods": ["token"], "token": {"id": unscoped}},
        "scope": {"project": {"id": project_id}}}})
    assert status == 201 and body["token"]["project"]["id"] == project_id
    assert "token" in body["token"]["methods"]
    status, _, body = await api.call("POST", url, {"auth": {
        "identity": {"methods": ["token"], "token": {"id": unscoped}},
        "scope": {"project": {"name": "admin", "domain": {"id": "default"}}}}})
    assert status == 401  # demo has no role on admin


async def test_tokens_expire():
    cloud = SimCloud(token_ttl=0.0)
    token = cloud.identity.issue(next(iter(cloud.identity.users)), None, ["password"])
    assert cloud.identity.validate(token.id) is None


async def test_admin_collections(cloud, pod, api, user_in_demo):
    status, _, body = await api.call("GET", cloud.identity_url + "/projects?name=demo")
    assert status == 200 and [p["name"] for p in body["projects"]] == ["demo"]
    status, _, body = await api.call("GET", cloud.identity_url + "/regions")
    assert {r["id"] for r in body["regions"]} == {"pod1"}
    status, _, body = await api.call("GET", cloud.identity_url + "/endpoints?interface=public")
    assert all(e["interface"] == "public" for e in body["endpoints"])
    await api.login("demo", "secret", "demo")
    status, _, body = await api.call("GET", cloud.identity_url + "/users")
    assert status == 403 and body["error"]["title"] == "Forbidden"


async def test_central_region_in_catalog(cloud, api):
    cloud.set_region_endpoints("CentralRegion", {"compute": "http://gw/compute/v2.1"})
    body = await api.login()
    compute = next(s for s in body["token"]["catalog"] if s["type"] == "compute")
    assert {e["region"] for e in compute["endpoints"]} == {"CentralRegion"}


async def _role_id(api, cloud, name: str) -> str:
    status, _, body = await api.call("GET", f"{cloud.identity_url}/roles?name={name}")
    assert status == 200
    return body["roles"][0]["id"]


async def test_admin_makes_a_tenant_user_and_grant_then_takes_them_away(cloud, api):
    url = cloud.identity_url
    status, _, body = await api.call("POST", f"{url}/projects", {"project": {"name": "gamma"}})
    assert status == 201 and body["project"]["domain_id"] == "default"
    project_id = body["project"]["id"]
    status, _, body = await api.call("POST", f"{url}/projects", {"project": {"name": "gamma"}})
    assert status == 409 and body["error"]["title"] == "Conflict"
    status, _, body = await api.call(
        "POST", f"{url}/users", {"user": {"name": "gil", "password": "pw"}}
    )
    assert status == 201 and "password" not in body["user"]
    user_id = body["user"]["id"]
    member = await _role_id(api, cloud, "member")
    grant = f"{url}/projects/{project_id}/users/{user_id}/roles/{member}"
    assert (await api.call("HEAD", grant))[0] == 404
    assert (await api.call("PUT", grant))[0] == 204
    assert (await api.call("HEAD", grant))[0] == 204
    status, _, body = await api.call("GET", f"{url}/role_assignments?user.id={user_id}")
    assert [a["scope"] for a in body["role_assignments"]] == [{"project": {"id": project_id}}]
    status, _, body = await api.call("GET", f"{url}/projects/{project_id}/users/{user_id}/roles")
    assert [r["name"] for r in body["roles"]] == ["member"]

    admin_token = api.token
    login = await api.login("gil", "pw", "gamma")
    assert login["token"]["project"]["id"] == project_id
    gil_token = api.token
    api.token = admin_token
    assert (await api.call("DELETE", grant))[0] == 204
    assert (await api.call("DELETE", grant))[0] == 404
    assert (await api.call("DELETE", f"{url}/projects/{project_id}"))[0] == 204
    assert (await api.call("GET", f"{url}/projects/{project_id}"))[0] == 404
    assert (await api.call("DELETE", f"{url}/users/{user_id}"))[0] == 204
    status, _, _ = await api.call(
        "GET", f"{url}/auth/tokens", headers={"X-Subject-Token": gil_token}
    )
    assert status == 404  # a deleted user's tokens die with it


async def test_identity_admin_calls_need_the_admin_role(cloud, api, user_in_demo):
    await api.login("demo", "secret", "demo")
    url = cloud.identity_url
    assert (await api.call("POST", f"{url}/projects", {"project": {"name": "x"}}))[0] == 403
    assert (await api.call("GET", f"{url}/role_assignments"))[0] == 403


async def test_domain_and_system_scoped_tokens(cloud, api, user_in_demo):
    url = cloud.identity_url
    user_id = cloud.identity.find_user("demo", "default").id
    reader = await _role_id(api, cloud, "reader")
    assert (await api.call("PUT", f"{url}/domains/default/users/{user_id}/roles/{reader}"))[
        0
    ] == 204
    assert (await api.call("PUT", f"{url}/system/users/{user_id}/roles/{reader}"))[0] == 204
    password = {"user": {"name": "demo", "domain": {"id": "default"}, "password": "secret"}}
    for scope, key in (
        ({"domain": {"id": "default"}}, "domain"),
        ({"system": {"all": True}}, "system"),
    ):
        auth = {"identity": {"methods": ["password"], "password": password}, "scope": scope}
        status, _, body = await api.call("POST", f"{url}/auth/tokens", {"auth": auth})
        assert status == 201, body
        assert key in body["token"] and "project" not in body["token"]
        assert [r["name"] for r in body["token"]["roles"]] == ["reader"]
    other = {"domain": {"name": "nowhere"}}
    auth = {"identity": {"methods": ["password"], "password": password}, "scope": other}
    assert (await api.call("POST", f"{url}/auth/tokens", {"auth": auth}))[0] == 401

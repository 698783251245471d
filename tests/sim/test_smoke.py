async def test_boot_list_show_delete(cloud, pod, api):
    nova = pod.url("compute")
    status, headers, body = await api.call("POST", nova + "/servers", {"server": {
        "name": "vm1", "flavorRef": "1", "imageRef": "11111111-1111-1111-1111-111111111111",
        "networks": "auto"}}, {"OpenStack-API-Version": "compute 2.96"})
    assert status == 202, body
    sid = body["server"]["id"]
    status, headers, body = await api.call("GET", nova + f"/servers/{sid}",
                                           headers={"OpenStack-API-Version": "compute 2.96"})
    assert status == 200, body
    print(body)
    assert body["server"]["status"] == "ACTIVE"
    status, _, body = await api.call("GET", nova + "/servers/detail")
    assert status == 200 and len(body["servers"]) == 1
    status, _, body = await api.call("DELETE", nova + f"/servers/{sid}")
    assert status == 204
    assert len(pod.servers) == 0

"""Real clients work: openstacksdk (keystoneauth discovery, catalog, microversions) end to end."""

import asyncio

import openstack
import pytest

IMAGE = "11111111-1111-1111-1111-111111111111"


def _connect(cloud, region):
    return openstack.connect(
        auth_url=cloud.identity_url, username="admin", password="admin",
        project_name="admin", user_domain_name="Default", project_domain_name="Default",
        region_name=region, load_yaml_config=False, load_envvars=False,
    )


def _scenario(cloud):
    conn = _connect(cloud, "pod1")
    net = conn.network.create_network(name="private")
    conn.network.create_subnet(network_id=net.id, cidr="10.0.0.0/24", ip_version=4)
    flavors = {f.name for f in conn.compute.flavors()}
    images = [i.id for i in conn.image.images()]
    server = conn.compute.create_server(name="vm1", flavor_id="1", image_id=IMAGE,
                                        networks=[{"uuid": net.id}])
    server = conn.compute.wait_for_server(server, interval=0.05, wait=10)
    status, addresses = server.status, server.addresses  # the sdk updates `server` in place
    listed = [s.name for s in conn.compute.servers()]
    azs = [z.name for z in conn.compute.availability_zones()]
    keypair = conn.compute.create_keypair(name="k1")
    volume = conn.block_storage.create_volume(size=1, name="v1")
    volume = conn.block_storage.wait_for_status(volume, "available", interval=0.05, wait=10)
    conn.compute.stop_server(server)
    stopped = conn.compute.wait_for_server(server, status="SHUTOFF", interval=0.05, wait=10)
    stopped_status = stopped.status
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, interval=0.05, wait=10)
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        conn.compute.get_server(server.id)
    return {"flavors": flavors, "images": images, "status": status, "listed": listed,
            "azs": azs, "keypair": keypair.private_key, "volume": volume.status,
            "stopped": stopped_status, "addresses": addresses}


async def test_openstacksdk_end_to_end(cloud, pod):
    result = await asyncio.to_thread(_scenario, cloud)
    assert "m1.tiny" in result["flavors"]
    assert result["images"] == [IMAGE]
    assert result["status"] == "ACTIVE"
    assert result["listed"] == ["vm1"]
    assert result["azs"] == ["az1"]
    assert result["keypair"]
    assert result["volume"] == "available"
    assert result["stopped"] == "SHUTOFF"
    assert result["addresses"]["private"][0]["addr"].startswith("10.0.0.")

"""Every path of Nova's compute API, with every method, through the gateway: an answer
of the API (served, routed, or Nova's own 404/410 for what it does not serve), never a
5xx."""

from __future__ import annotations

from tests.gateway.test_servers import SERVERS, boot

# Nova 33's routes, {server} a real server's id and {id} an unknown one
NOVA_PATHS = (
    "/",
    "/extensions",
    "/extensions/{id}",
    "/flavors",
    "/flavors/detail",
    "/flavors/{id}",
    "/flavors/{id}/action",
    "/flavors/{id}/os-extra_specs",
    "/flavors/{id}/os-extra_specs/{id}",
    "/flavors/{id}/os-flavor-access",
    "/images",
    "/images/detail",
    "/images/{id}",
    "/images/{id}/metadata",
    "/images/{id}/metadata/{id}",
    "/limits",
    "/os-agents",
    "/os-agents/{id}",
    "/os-aggregates",
    "/os-aggregates/{id}",
    "/os-aggregates/{id}/action",
    "/os-aggregates/{id}/images",
    "/os-assisted-volume-snapshots",
    "/os-assisted-volume-snapshots/{id}",
    "/os-availability-zone",
    "/os-availability-zone/detail",
    "/os-baremetal-nodes",
    "/os-baremetal-nodes/{id}",
    "/os-cells",
    "/os-cells/capacities",
    "/os-cells/{id}",
    "/os-certificates",
    "/os-cloudpipe",
    "/os-console-auth-tokens/{id}",
    "/os-fixed-ips/{id}",
    "/os-floating-ip-dns",
    "/os-floating-ip-pools",
    "/os-floating-ips",
    "/os-floating-ips/{id}",
    "/os-floating-ips-bulk",
    "/os-fping",
    "/os-hosts",
    "/os-hosts/{id}",
    "/os-hosts/{id}/reboot",
    "/os-hypervisors",
    "/os-hypervisors/detail",
    "/os-hypervisors/statistics",
    "/os-hypervisors/{id}",
    "/os-hypervisors/{id}/search",
    "/os-hypervisors/{id}/servers",
    "/os-hypervisors/{id}/uptime",
    "/os-instance_usage_audit_log",
    "/os-instance_usage_audit_log/{id}",
    "/os-keypairs",
    "/os-keypairs/{id}",
    "/os-migrations",
    "/os-networks",
    "/os-networks/{id}",
    "/os-quota-class-sets/{id}",
    "/os-quota-sets/{id}",
    "/os-quota-sets/{id}/defaults",
    "/os-quota-sets/{id}/detail",
    "/os-security-group-default-rules",
    "/os-security-group-rules",
    "/os-security-group-rules/{id}",
    "/os-security-groups",
    "/os-security-groups/{id}",
    "/os-server-external-events",
    "/os-server-groups",
    "/os-server-groups/{id}",
    "/os-services",
    "/os-services/{id}",
    "/os-simple-tenant-usage",
    "/os-simple-tenant-usage/{id}",
    "/os-snapshots",
    "/os-snapshots/detail",
    "/os-snapshots/{id}",
    "/os-tenant-networks",
    "/os-tenant-networks/{id}",
    "/os-volumes",
    "/os-volumes/detail",
    "/os-volumes/{id}",
    "/os-volumes_boot",
    "/os-volumes_boot/{id}",
    "/servers",
    "/servers/detail",
    "/servers/{id}",
    "/servers/{server}",
    "/servers/{server}/action",
    "/servers/{server}/consoles",
    "/servers/{server}/diagnostics",
    "/servers/{server}/ips",
    "/servers/{server}/ips/{id}",
    "/servers/{server}/metadata",
    "/servers/{server}/metadata/{id}",
    "/servers/{server}/migrations",
    "/servers/{server}/migrations/{id}",
    "/servers/{server}/os-instance-actions",
    "/servers/{server}/os-instance-actions/{id}",
    "/servers/{server}/os-interface",
    "/servers/{server}/os-interface/{id}",
    "/servers/{server}/os-security-groups",
    "/servers/{server}/os-server-password",
    "/servers/{server}/os-virtual-interfaces",
    "/servers/{server}/os-volume_attachments",
    "/servers/{server}/os-volume_attachments/{id}",
    "/servers/{server}/remote-consoles",
    "/servers/{server}/shares",
    "/servers/{server}/tags",
    "/servers/{server}/tags/{id}",
    "/servers/{server}/topology",
)
REMOVED = ("/os-cells", "/os-cloudpipe", "/os-fping", "/os-floating-ip-dns", "/os-agents")
JSON = {"Accept": "application/json"}


async def test_no_path_nor_method_of_novas_api_gets_a_5xx(gateway, admin) -> None:
    server = (await admin.post(SERVERS, boot())).body["server"]["id"]
    unknown = "0f4b2c52-8c4e-4a55-9a0e-6c2b0ad7e3a1"
    answered = {}
    for method in ("GET", "POST", "PUT", "DELETE"):  # reads first, while the server lives
        for template in NOVA_PATHS:
            path = "/compute/v2.1" + template.replace("{server}", server).replace("{id}", unknown)
            reply = await admin.call(method, path, json={}, headers=JSON)
            assert reply.status < 500, (method, template, reply.status, reply.body)
            assert isinstance(reply.body, dict) or reply.status in (202, 204), (method, template)
            answered[method, template] = reply
    for template in REMOVED:
        assert answered["GET", template].status == 410, template
        assert answered["GET", template].body["computeFault"]["code"] == 410
    # what the gateway does not serve is Nova's router's 404, not a fault of Nova's
    unserved = answered["GET", "/os-instance_usage_audit_log"]
    assert (unserved.status, unserved.body["title"]) == (404, "Not Found")
    assert answered["GET", "/os-simple-tenant-usage"].status == 200
    assert answered["GET", "/os-migrations"].status == 200
    assert answered["GET", "/servers/{server}/os-instance-actions"].status == 200

"""Configuration: one INI file (``tricircle.conf``) read with oslo.config, as operators expect."""

from __future__ import annotations

from collections.abc import Iterable

from oslo_config import cfg

from tricircle.jobs import options as jobs_options

_GATEWAY = [
    cfg.HostAddressOpt("host", default="127.0.0.1", help="Address the gateway listens on."),
    cfg.PortOpt("port", default=19999, help="Port the gateway listens on."),
    cfg.IntOpt("workers", default=1, min=1, help="Gateway processes to run (one per core)."),
    cfg.IntOpt(
        "max_request_body_size",
        default=114688,
        help="Largest request body accepted, in bytes (413 beyond it), as OpenStack's sizelimit.",
    ),
    cfg.HostAddressOpt(
        "metrics_host", default="127.0.0.1", help="Address Prometheus scrapes /metrics on."
    ),
    cfg.PortOpt(
        "metrics_port",
        default=0,
        help="Port of the Prometheus /metrics endpoint; 0 serves none. With several workers, "
        "worker n (from 0) serves on this port + n.",
    ),
    cfg.StrOpt(
        "log_format",
        default="text",
        choices=[("text", "one readable line per record"), ("json", "one JSON object per line")],
        help="How log records are written to standard error.",
    ),
]

_DATABASE = [
    cfg.StrOpt(
        "connection",
        default="sqlite:///tricircle.sqlite",
        secret=True,
        help="SQLAlchemy URL: sqlite:///path, postgresql://…, mysql://… (MariaDB).",
    ),
]

_IDENTITY = [
    cfg.URIOpt("auth_url", default="http://127.0.0.1:5000/v3", help="Keystone v3 endpoint."),
    cfg.StrOpt("username", default="tricircle", help="The gateway's service user."),
    cfg.StrOpt("password", default="", secret=True, help="The service user's password."),
    cfg.StrOpt("project_name", default="service", help="The service user's project."),
    cfg.StrOpt("user_domain_name", default="Default", help="The service user's domain."),
    cfg.StrOpt("project_domain_name", default="Default", help="Its project's domain."),
    cfg.StrOpt(
        "region_name",
        default="CentralRegion",
        help="The region whose catalog entries point at this gateway (the top region).",
    ),
    cfg.IntOpt(
        "token_cache_seconds",
        default=300,
        min=0,
        help="How long a validated token is trusted before Keystone is asked again "
        "(never past its expiry).",
    ),
    cfg.IntOpt(
        "invalid_token_cache_seconds",
        default=10,
        min=0,
        help="How long a token Keystone rejected is rejected without asking again.",
    ),
]

_PODS = [
    cfg.FloatOpt(
        "request_timeout", default=60.0, help="Seconds to wait for a pod on a routed call."
    ),
    cfg.FloatOpt(
        "connect_timeout", default=3.0, help="Seconds to wait for a TCP connection to a pod."
    ),
    cfg.FloatOpt(
        "list_timeout",
        default=5.0,
        help="Seconds a list waits for each pod before answering without it.",
    ),
    cfg.IntOpt(
        "down_after_failures",
        default=3,
        min=1,
        help="Consecutive failed calls or probes after which a pod is taken as down: lists "
        "stop asking it, writes to it fail at once with 503 and new resources go to other "
        "pods, until a call or probe sees it answer again.",
    ),
    cfg.FloatOpt(
        "probe_interval",
        default=2.0,
        help="Seconds between probes of every pod (a GET of a service's version document).",
    ),
    cfg.FloatOpt(
        "probe_timeout", default=2.0, help="Seconds a probe waits before it counts as failed."
    ),
    cfg.StrOpt(
        "list_down_pods",
        default="partial",
        choices=[
            (
                "partial",
                "servers of a pod that did not answer appear as partial records "
                "(status UNKNOWN) from compute microversion 2.69, and are left out below it",
            ),
            ("omit", "left out whatever the microversion"),
            ("fail", "the list fails with 503"),
        ],
        help="What a list shows of a pod that did not answer in time.",
    ),
    cfg.IntOpt(
        "connections_per_pod", default=100, min=1, help="Open connections kept to each pod."
    ),
    cfg.StrOpt(
        "collation",
        default="case_insensitive",
        choices=[
            ("case_insensitive", "the pods' databases ignore case (MariaDB, MySQL)"),
            ("binary", "they compare text byte by byte (PostgreSQL with the C collation)"),
        ],
        help="How the pods' databases order text: a merged list sorts names as they do.",
    ),
    cfg.IntOpt(
        "fanout_per_request",
        default=16,
        min=1,
        help="Pods one request asks at a time when it needs an answer from each.",
    ),
    cfg.IntOpt(
        "fanout_total",
        default=256,
        min=1,
        help="Calls of such requests in flight at once in one gateway process.",
    ),
]

_CENTRAL = [
    cfg.URIOpt(
        "network_url",
        help="Root URL of the central Neutron (e.g. http://neutron:9696), which owns every "
        "tenant network, subnet, port and security group; the gateway passes /network calls "
        "to it. Unset: the gateway serves no network API.",
    ),
    cfg.URIOpt(
        "image_url",
        help="Root URL of the top's Glance (e.g. http://glance:9292), the one image registry; "
        "the gateway passes /image calls to it. Unset: the image API shows the pods' images.",
    ),
    cfg.FloatOpt(
        "image_copy_wait",
        default=120.0,
        min=0,
        help="Seconds a server or volume create waits for its image to be copied into the "
        "chosen pod; beyond it the create is refused (409) saying how far the copy got.",
    ),
    cfg.ListOpt(
        "pods_using_top_glance",
        default=[],
        help="Pods (by name) whose Nova and Cinder use the top Glance directly: they get no "
        "copies of images.",
    ),
    cfg.BoolOpt(
        "image_copy_eagerly",
        default=False,
        help="Copy every active image into every pod its owner may use, not only where a "
        "server or volume needs it (an image asks for it alone with the property "
        "tricircle_copy_eagerly=true).",
    ),
    cfg.ListOpt(
        "physical_networks",
        default=[],
        help="The flat and VLAN physical networks of each pod's Neutron, as pod:physnet "
        "pairs (pod1:physnet1, pod2:physnet1); a pod not named has every one. A network on a "
        "physical network a pod lacks cannot reach that pod: a boot there is refused (400).",
    ),
    cfg.StrOpt(
        "bridge_cidr",
        default="100.64.0.0/10",
        help="Addresses of the bridge networks that join a tenant's routers across pods: "
        "each tenant's bridge gets a /24 of it from the central Neutron's subnet pool, so "
        "no two overlap. Must not overlap tenants' subnets.",
    ),
    cfg.ListOpt(
        "external_network_pods",
        default=[],
        help="Which pod realises each external network (north-south traffic and floating "
        "IPs), as network:pod pairs (network by id or name); an external network not named "
        "goes to the first pod of its availability zone hint, else of the first AZ.",
    ),
]

# Nova's and Cinder's own defaults: a project without overrides gets what one cloud gives
_QUOTA = [
    cfg.IntOpt("instances", default=10, min=-1, help="Servers per project (-1: unlimited)."),
    cfg.IntOpt("cores", default=20, min=-1, help="vCPUs per project."),
    cfg.IntOpt("ram", default=51200, min=-1, help="MiB of RAM per project."),
    cfg.IntOpt("key_pairs", default=100, min=-1, help="Key pairs per user."),
    cfg.IntOpt("metadata_items", default=128, min=-1, help="Metadata items per server."),
    cfg.IntOpt("server_groups", default=10, min=-1, help="Server groups per project."),
    cfg.IntOpt("server_group_members", default=10, min=-1, help="Servers per server group."),
    cfg.IntOpt("volumes", default=10, min=-1, help="Volumes per project."),
    cfg.IntOpt("gigabytes", default=1000, min=-1, help="GiB of volumes and snapshots."),
    cfg.IntOpt("snapshots", default=10, min=-1, help="Volume snapshots per project."),
    cfg.IntOpt("backups", default=10, min=-1, help="Volume backups per project."),
    cfg.IntOpt("backup_gigabytes", default=1000, min=-1, help="GiB of volume backups."),
    cfg.IntOpt("groups", default=10, min=-1, help="Volume groups per project."),
    cfg.IntOpt("per_volume_gigabytes", default=-1, min=-1, help="GiB of one volume."),
    cfg.FloatOpt(
        "reservation_expire",
        default=600.0,
        min=1,
        help="Seconds after which a reservation its gateway never committed nor released "
        "(the process died) is rolled back. Longer than the slowest create's forward.",
    ),
    cfg.FloatOpt(
        "usage_refresh_interval",
        default=300.0,
        min=1,
        help="Seconds between corrections of each project's usage from the pods' own counts.",
    ),
    cfg.StrOpt(
        "pod_quotas",
        default="unlimited",
        choices=[
            ("unlimited", "what the top enforces is set to -1 in the pod: the top alone limits"),
            ("top", "what the top enforces is set to the project's limits at the top"),
            ("leave", "the pods' quotas are left as they are"),
        ],
        help="What the gateway sets as a project's quotas in a pod when it first lands there, "
        "so that a pod never refuses what the top allowed. What only the pods enforce "
        "(metadata items, server group members, volume groups) gets the top's limit.",
    ),
]


def build_conf() -> cfg.ConfigOpts:
    """A fresh, private option set: no process-global state, so tests can hold several."""
    conf = cfg.ConfigOpts()
    conf.register_opts(_GATEWAY, group="gateway")
    conf.register_opts(_DATABASE, group="database")
    conf.register_opts(_IDENTITY, group="identity")
    conf.register_opts(_PODS, group="pods")
    conf.register_opts(_CENTRAL, group="central")
    conf.register_opts(_QUOTA, group="quota")
    jobs_options.register(conf)
    return conf


def load_config(config_files: Iterable[str] = ()) -> cfg.ConfigOpts:
    conf = build_conf()
    conf(args=[], project="tricircle", default_config_files=list(config_files))
    return conf


def list_opts() -> list[tuple[str, list[cfg.Opt]]]:
    """For oslo-config-generator: the sample configuration file."""
    return [
        ("gateway", _GATEWAY),
        ("database", _DATABASE),
        ("identity", _IDENTITY),
        ("pods", _PODS),
        ("quota", _QUOTA),
        ("central", _CENTRAL),
        (jobs_options.GROUP, jobs_options.OPTS),
    ]

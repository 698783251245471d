"""The quota names each service knows, and their defaults from ``[quota]``.

Nova's names are fixed; Cinder adds three per volume type (``volumes_<type>``,
``gigabytes_<type>``, ``snapshots_<type>``), unlimited unless set.
"""

from __future__ import annotations

from collections.abc import Iterable

from oslo_config import cfg

COMPUTE = "compute"
VOLUME = "volume"

COMPUTE_RESOURCES = (
    "instances",
    "cores",
    "ram",
    "key_pairs",
    "metadata_items",
    "server_groups",
    "server_group_members",
)
# what Nova showed and took before microversion 2.36 (network) and 2.57 (files), with the
# defaults it had: kept so that old clients read and write the same body
COMPUTE_NETWORK_LEGACY = {
    "fixed_ips": -1,
    "floating_ips": 10,
    "security_groups": 10,
    "security_group_rules": 20,
}
COMPUTE_FILES_LEGACY = {
    "injected_files": 5,
    "injected_file_content_bytes": 10240,
    "injected_file_path_bytes": 255,
}
VOLUME_RESOURCES = (
    "volumes",
    "snapshots",
    "gigabytes",
    "backups",
    "backup_gigabytes",
    "groups",
    "per_volume_gigabytes",
)
VOLUME_PER_TYPE = ("volumes", "gigabytes", "snapshots")


def per_type_names(type_names: Iterable[str]) -> list[str]:
    return [f"{resource}_{name}" for name in type_names for resource in VOLUME_PER_TYPE]


def configured_defaults(conf: cfg.ConfigOpts, service: str) -> dict[str, int]:
    """Every quota of `service` the top limits, as ``[quota]`` sets it."""
    if service == COMPUTE:
        return {
            **{name: getattr(conf.quota, name) for name in COMPUTE_RESOURCES},
            **COMPUTE_NETWORK_LEGACY,
            **COMPUTE_FILES_LEGACY,
        }
    return {name: getattr(conf.quota, name) for name in VOLUME_RESOURCES}

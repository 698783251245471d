"""The plugin module OpenStackClient loads (entry point ``openstack.cli.extension``)."""

from __future__ import annotations

import argparse
from typing import Any

from osc_lib import utils

from tricircle.osc.client import AdminClient

API_NAME = "tricircle"
API_VERSION_OPTION = "os_tricircle_api_version"
API_VERSIONS = {"1": "tricircle.osc.client.AdminClient"}
DEFAULT_API_VERSION = "1"
# the admin API's type in the Keystone catalog (an endpoint like http://gateway:19999/v1.0)
SERVICE_TYPE = "tricircle"


def make_client(instance: Any) -> AdminClient:
    """The admin API client: at ``--os-tricircle-url`` if given, else found in the catalog."""
    url = instance.get_configuration().get("tricircle_url")
    if not url:
        url = instance.get_endpoint_for_service_type(
            SERVICE_TYPE, region_name=instance.region_name, interface=instance.interface
        )
    return AdminClient(instance.session, url)


def build_option_parser(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    parser.add_argument(
        "--os-tricircle-api-version",
        metavar="<version>",
        default=utils.env("OS_TRICIRCLE_API_VERSION", default=DEFAULT_API_VERSION),
        help="Tricircle admin API version (env OS_TRICIRCLE_API_VERSION), default 1",
    )
    parser.add_argument(
        "--os-tricircle-url",
        metavar="<url>",
        default=utils.env("OS_TRICIRCLE_URL"),
        help="The admin API, e.g. http://gateway:19999/v1.0, instead of the catalog's "
        f"'{SERVICE_TYPE}' endpoint (env OS_TRICIRCLE_URL)",
    )
    return parser

"""``openstack tricircle pod list|show|create|set|delete``."""

from __future__ import annotations

import argparse
from typing import Any

from osc_lib.command import command

from tricircle.osc.client import admin, find_pod
from tricircle.osc.columns import listing, showing

COLUMNS = ("id", "name", "region_name", "az_name", "state")
STATES = ("up", "down", "maintenance")


def _endpoints(values: list[str] | None) -> dict[str, str] | None:
    if not values:
        return None
    pairs = [value.split("=", 1) for value in values]
    if any(len(pair) != 2 for pair in pairs):
        raise argparse.ArgumentTypeError("--endpoint takes <service-type>=<url>")
    return dict(pairs)


def _pod_fields(args: argparse.Namespace) -> dict[str, Any]:
    fields = {
        "name": getattr(args, "new_name", None) or getattr(args, "name", None),
        "region_name": args.region,
        "az_name": args.availability_zone,
        "state": args.state,
        "endpoints": _endpoints(args.endpoint),
    }
    return {key: value for key, value in fields.items() if value is not None}


def _pod_options(parser: argparse.ArgumentParser, *, required: bool) -> None:
    parser.add_argument("--region", required=required, help="the pod's Keystone region")
    parser.add_argument(
        "--availability-zone", required=required, metavar="<az>", help="its Tricircle AZ"
    )
    parser.add_argument("--state", choices=STATES, help="admin state")
    parser.add_argument(
        "--endpoint",
        action="append",
        metavar="<type>=<url>",
        help="an endpoint by service type (repeat); default: the region's catalog",
    )


class ListPod(command.Lister):
    """List pods."""

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return listing(admin(self).call("GET", "/pods")["pods"], COLUMNS)


class ShowPod(command.ShowOne):
    """Show a pod: endpoints, capabilities, admin state."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("pod", metavar="<pod>", help="name or id")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return showing(find_pod(admin(self), parsed_args.pod))


class CreatePod(command.ShowOne):
    """Register a pod (a region of the shared Keystone) in an availability zone."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("name", metavar="<name>")
        _pod_options(parser, required=True)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        body = {"pod": _pod_fields(parsed_args)}
        return showing(admin(self).call("POST", "/pods", json=body)["pod"])


class SetPod(command.Command):
    """Change a pod: its name, AZ, admin state or endpoints."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("pod", metavar="<pod>", help="name or id")
        parser.add_argument("--name", dest="new_name", metavar="<name>", help="new name")
        _pod_options(parser, required=False)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = admin(self)
        pod = find_pod(client, parsed_args.pod)
        client.call("PUT", f"/pods/{pod['id']}", json={"pod": _pod_fields(parsed_args)})


class DeletePod(command.Command):
    """Delete pods (refused while routing entries point into them)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("pods", metavar="<pod>", nargs="+", help="names or ids")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = admin(self)
        for name_or_id in parsed_args.pods:
            client.call("DELETE", f"/pods/{find_pod(client, name_or_id)['id']}")

"""``openstack tricircle routing list|show|delete``: where each top resource lives."""

from __future__ import annotations

import argparse

from osc_lib.command import command

from tricircle.osc.client import admin, collection, find_pod, project_id
from tricircle.osc.columns import listing, showing

COLUMNS = ("id", "resource_type", "top_id", "pod_id", "bottom_id", "project_id")


class ListRouting(command.Lister):
    """List routing entries, oldest first."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>", help="name or id")
        parser.add_argument("--resource-type", metavar="<type>", help="server, volume, ...")
        parser.add_argument("--top-id", metavar="<id>", help="the id clients see")
        parser.add_argument("--pod", metavar="<pod>", help="name or id")
        parser.add_argument("--limit", type=int, metavar="<n>", help="at most n entries")
        parser.add_argument("--marker", type=int, metavar="<id>", help="after this entry")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        client = admin(self)
        args = parsed_args
        query = {
            "project_id": project_id(self, args.project) if args.project else None,
            "resource_type": args.resource_type,
            "top_id": args.top_id,
            "pod_id": find_pod(client, args.pod)["id"] if args.pod else None,
            "marker": args.marker,
        }
        found = collection(client, "/routings", "routings", query, limit=args.limit)
        return listing(found, COLUMNS)


class ShowRouting(command.ShowOne):
    """Show a routing entry."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("routing", metavar="<id>")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return showing(admin(self).call("GET", f"/routings/{parsed_args.routing}")["routing"])


class DeleteRouting(command.Command):
    """Delete routing entries (the pods' resources stay; the reconciler may adopt them)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("routings", metavar="<id>", nargs="+")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = admin(self)
        for entry in parsed_args.routings:
            client.call("DELETE", f"/routings/{entry}")

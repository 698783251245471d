"""``openstack tricircle binding list|create|delete``: the pods a project may use."""

from __future__ import annotations

import argparse

from osc_lib.command import command

from tricircle.osc.client import admin, find_pod, project_id
from tricircle.osc.columns import listing, showing

COLUMNS = ("project_id", "pod_id", "created_at")


def _project_and_pod(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("project", metavar="<project>", help="name or id")
    parser.add_argument("pod", metavar="<pod>", help="name or id")


class ListBinding(command.Lister):
    """List bindings (a project with none may use every pod)."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--project", metavar="<project>", help="name or id")
        parser.add_argument("--pod", metavar="<pod>", help="name or id")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        client = admin(self)
        query = {
            "project_id": project_id(self, parsed_args.project) if parsed_args.project else None,
            "pod_id": find_pod(client, parsed_args.pod)["id"] if parsed_args.pod else None,
        }
        return listing(client.call("GET", "/bindings", params=query)["bindings"], COLUMNS)


class CreateBinding(command.ShowOne):
    """Bind a project to a pod: its new resources go only to the pods it is bound to."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _project_and_pod(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        client = admin(self)
        body = {
            "binding": {
                "project_id": project_id(self, parsed_args.project),
                "pod_id": find_pod(client, parsed_args.pod)["id"],
            }
        }
        return showing(client.call("POST", "/bindings", json=body)["binding"])


class DeleteBinding(command.Command):
    """Unbind a project from a pod."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _project_and_pod(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = admin(self)
        project = project_id(self, parsed_args.project)
        pod = find_pod(client, parsed_args.pod)["id"]
        client.call("DELETE", f"/bindings/{project}/{pod}")

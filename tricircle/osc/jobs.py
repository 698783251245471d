"""``openstack tricircle job list|show|redo|delete``: the durable job queue."""

from __future__ import annotations

import argparse
from urllib.parse import quote

from osc_lib.command import command

from tricircle.osc.client import admin, collection, project_id
from tricircle.osc.columns import listing, showing

COLUMNS = ("id", "type", "resource_type", "resource_id", "status", "attempts", "updated_at")
STATUSES = ("new", "running", "success", "fail", "superseded")


def _job_argument(parser: argparse.ArgumentParser, *, many: bool = False) -> None:
    if many:
        parser.add_argument("jobs", metavar="<job>", nargs="+", help="job ids")
    else:
        parser.add_argument("job", metavar="<job>", help="job id")


class ListJob(command.Lister):
    """List jobs, newest first."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        parser.add_argument("--type", metavar="<type>", help="cleanup, reconcile, ...")
        parser.add_argument("--status", choices=STATUSES)
        parser.add_argument("--project", metavar="<project>", help="name or id")
        parser.add_argument("--resource-type", metavar="<type>")
        parser.add_argument("--resource-id", metavar="<id>")
        parser.add_argument("--limit", type=int, metavar="<n>", help="at most n jobs")
        parser.add_argument("--marker", metavar="<job>", help="after this job")
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        args = parsed_args
        query = {
            "type": args.type,
            "status": args.status,
            "project_id": project_id(self, args.project) if args.project else None,
            "resource_type": args.resource_type,
            "resource_id": args.resource_id,
            "marker": args.marker,
        }
        return listing(collection(admin(self), "/jobs", "jobs", query, limit=args.limit), COLUMNS)


class ShowJob(command.ShowOne):
    """Show a job and its attempt log."""

    method = "GET"

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _job_argument(parser)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> tuple:
        return showing(admin(self).call(self.method, f"/jobs/{quote(parsed_args.job)}")["job"])


class RedoJob(ShowJob):
    """Queue a failed job again."""

    method = "PUT"


class DeleteJob(command.Command):
    """Delete waiting or failed jobs."""

    def get_parser(self, prog_name: str) -> argparse.ArgumentParser:
        parser = super().get_parser(prog_name)
        _job_argument(parser, many=True)
        return parser

    def take_action(self, parsed_args: argparse.Namespace) -> None:
        client = admin(self)
        for job in parsed_args.jobs:
            client.call("DELETE", f"/jobs/{quote(job)}")

"""Cinder's route table: every path with and without the project id (3.67 made it optional)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from tricircle.sim.http import SimError
from tricircle.sim.service import Service, ctx
from tricircle.sim.volume import (
    actions,
    attachments,
    backups,
    quota_sets,
    snapshots,
    transfers,
    types,
    versions,
    volume_create,
    volumes,
)
from tricircle.sim.volume.common import MICROVERSIONS, require_version
from tricircle.sim.volume.errors import render_cinder_fault
from tricircle.sim.volume.metadata import SNAPSHOT_METADATA, VOLUME_METADATA

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _since(version: tuple[int, int], handler: Handler) -> Handler:
    async def gated(request: web.Request) -> web.StreamResponse:
        require_version(request, version)
        return await handler(request)

    return gated


def _transfer_routes(
    base: str, wrap: Callable[[Handler], Handler]
) -> list[tuple[str, str, Handler]]:
    return [
        ("GET", base, wrap(transfers.list_transfers)),
        ("GET", f"{base}/detail", wrap(transfers.list_transfers)),
        ("POST", base, wrap(transfers.create_transfer)),
        ("GET", f"{base}/{{transfer_id}}", wrap(transfers.show_transfer)),
        ("DELETE", f"{base}/{{transfer_id}}", wrap(transfers.delete_transfer)),
        ("POST", f"{base}/{{transfer_id}}/accept", wrap(transfers.accept_transfer)),
    ]


# Fixed paths (…/detail, …/summary) come before parameterised ones so they win.
ROUTES: list[tuple[str, str, Handler]] = [
    ("GET", "/volumes", volumes.list_volumes),
    ("GET", "/volumes/detail", volumes.list_volumes),
    ("GET", "/volumes/summary", volumes.volume_summary_totals),
    ("POST", "/volumes", volume_create.create_volume),
    ("GET", "/volumes/{volume_id}", volumes.show_volume),
    ("PUT", "/volumes/{volume_id}", volumes.update_volume),
    ("DELETE", "/volumes/{volume_id}", volumes.delete_volume),
    ("POST", "/volumes/{volume_id}/action", actions.volume_action),
    *VOLUME_METADATA.routes("/volumes/{volume_id}"),
    ("GET", "/snapshots", snapshots.list_snapshots),
    ("GET", "/snapshots/detail", snapshots.list_snapshots),
    ("POST", "/snapshots", snapshots.create_snapshot),
    ("GET", "/snapshots/{snapshot_id}", snapshots.show_snapshot),
    ("PUT", "/snapshots/{snapshot_id}", snapshots.update_snapshot),
    ("DELETE", "/snapshots/{snapshot_id}", snapshots.delete_snapshot),
    *SNAPSHOT_METADATA.routes("/snapshots/{snapshot_id}"),
    ("GET", "/backups", backups.list_backups),
    ("GET", "/backups/detail", backups.list_backups),
    ("POST", "/backups", backups.create_backup),
    ("GET", "/backups/{backup_id}", backups.show_backup),
    ("DELETE", "/backups/{backup_id}", backups.delete_backup),
    ("POST", "/backups/{backup_id}/restore", backups.restore_backup),
    ("GET", "/attachments", attachments.list_attachments),
    ("GET", "/attachments/detail", attachments.list_attachments),
    ("POST", "/attachments", attachments.create_attachment),
    ("GET", "/attachments/{attachment_id}", attachments.show_attachment),
    ("PUT", "/attachments/{attachment_id}", attachments.update_attachment),
    ("DELETE", "/attachments/{attachment_id}", attachments.delete_attachment),
    ("POST", "/attachments/{attachment_id}/action", attachments.complete_attachment),
    ("GET", "/types", types.list_types),
    ("POST", "/types", types.create_type),
    ("GET", "/types/{type_id}", types.show_type),
    ("PUT", "/types/{type_id}", types.update_type),
    ("DELETE", "/types/{type_id}", types.delete_type),
    ("GET", "/types/{type_id}/extra_specs", types.list_specs),
    ("POST", "/types/{type_id}/extra_specs", types.set_specs),
    ("GET", "/types/{type_id}/extra_specs/{key}", types.show_spec),
    ("PUT", "/types/{type_id}/extra_specs/{key}", types.set_spec),
    ("DELETE", "/types/{type_id}/extra_specs/{key}", types.delete_spec),
    ("GET", "/types/{type_id}/os-volume-type-access", types.list_access),
    ("POST", "/types/{type_id}/action", types.type_action),
    *_transfer_routes("/os-volume-transfer", lambda h: h),
    *_transfer_routes("/volume-transfers", lambda h: _since(transfers.WITH_SNAPSHOTS, h)),
    ("GET", "/os-availability-zone", versions.availability_zones),
    ("GET", "/os-services", versions.services),
    ("GET", "/limits", quota_sets.show_limits),
    ("GET", "/os-quota-sets/{project}", quota_sets.show_quotas),
    ("PUT", "/os-quota-sets/{project}", quota_sets.update_quotas),
    ("DELETE", "/os-quota-sets/{project}", quota_sets.delete_quotas),
    ("GET", "/os-quota-sets/{project}/defaults", quota_sets.show_defaults),
    ("GET", "/os-quota-class-sets/{quota_class}", quota_sets.show_class),
    ("PUT", "/os-quota-class-sets/{quota_class}", quota_sets.update_class),
]


def _own_project(handler: Handler) -> Handler:
    """URLs naming a project: only the caller's own (Cinder: 400 "Malformed request url")."""

    async def checked(request: web.Request) -> web.StreamResponse:
        if request.match_info["project_id"] != ctx(request).project_id:
            raise SimError(400, "Malformed request url")
        return await handler(request)

    return checked


def add_routes(router: web.UrlDispatcher) -> None:
    router.add_get("/volume", versions.versions)
    router.add_get("/volume/", versions.versions)
    router.add_get("/volume/v3", versions.version)
    router.add_get("/volume/v3/", versions.version)
    for method, path, handler in ROUTES:
        router.add_route(method, f"/volume/v3{path}", handler)
    for method, path, handler in ROUTES:
        router.add_route(method, f"/volume/v3/{{project_id}}{path}", _own_project(handler))


SERVICE = Service("volume", render_cinder_fault, MICROVERSIONS, add_routes)

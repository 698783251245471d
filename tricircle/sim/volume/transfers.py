"""Volume transfers within the pod: offered (awaiting-transfer), accepted by another project
with the auth key, or withdrawn.  `/os-volume-transfer`, and `/volume-transfers` from 3.55."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim.http import SimError, json_response, new_id
from tricircle.sim.service import ctx
from tricircle.sim.volume import listing, quota
from tricircle.sim.volume.common import at_least, get_volume, links, owned, read_body, state_of
from tricircle.sim.volume.errors import NotFound, invalid_volume
from tricircle.sim.volume.model import Transfer, cinder_time
from tricircle.sim.volume.validation import BOOLEAN, UUID, body_of, to_bool, validate

WITH_SNAPSHOTS = (3, 55)  # no_snapshots, and the /volume-transfers path
WITH_HISTORY = (3, 57)  # source and destination projects, accepted
_NAME = {"oneOf": [{"type": "string", "format": "type_name"}, {"type": "null"}]}
CREATE = body_of(
    "transfer",
    {"volume_id": UUID, "name": _NAME},
    required=["volume_id"],
    additionalProperties=False,
)
CREATE_355 = body_of(
    "transfer",
    {"volume_id": UUID, "name": _NAME, "no_snapshots": BOOLEAN},
    required=["volume_id"],
    additionalProperties=False,
)
ACCEPT = body_of(
    "accept",
    {"auth_key": {"type": ["string", "integer"]}},
    required=["auth_key"],
    additionalProperties=False,
)


def _with_history(transfer: Transfer) -> dict[str, Any]:
    return {
        "destination_project_id": None,
        "source_project_id": transfer.project_id,
        "accepted": False,
    }


def transfer_view(request: web.Request, transfer: Transfer, *, detail: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": transfer.id,
        "name": transfer.name,
        "volume_id": transfer.volume_id,
        "links": links(request, "os-volume-transfer", transfer.id),
    }
    if detail:
        body["created_at"] = cinder_time(transfer.created_at)
        if at_least(request, WITH_SNAPSHOTS):
            body["no_snapshots"] = transfer.no_snapshots
        if at_least(request, WITH_HISTORY):
            body.update(_with_history(transfer))
    return body


def _get(request: web.Request) -> Transfer:
    return owned(
        request, state_of(request).transfers, request.match_info["transfer_id"], "Transfer"
    )


async def create_transfer(request: web.Request) -> web.Response:
    schema = CREATE_355 if at_least(request, WITH_SNAPSHOTS) else CREATE
    spec = validate(await read_body(request), schema)["transfer"]
    volume = get_volume(request, spec["volume_id"])
    state = state_of(request)
    if volume.status != "available":
        raise invalid_volume("status must be available")
    no_snapshots = to_bool(spec.get("no_snapshots", False))
    if not no_snapshots:
        for snap in state.snapshots_of(volume.id):
            if snap.status != "available":
                raise SimError(
                    400,
                    f"Invalid snapshot: snapshot: {snap.id} status must be available before "
                    "transferring.",
                )
    name = spec.get("name")
    transfer = Transfer(
        new_id(),
        volume.id,
        volume.project_id,
        name.strip() if isinstance(name, str) else None,
        no_snapshots=no_snapshots,
    )
    state.transfers[transfer.id] = transfer
    volume.set_status("awaiting-transfer")
    body = {**transfer_view(request, transfer, detail=True), "auth_key": transfer.auth_key}
    return json_response({"transfer": body}, 202)


async def show_transfer(request: web.Request) -> web.Response:
    return json_response({"transfer": transfer_view(request, _get(request), detail=True)})


TRANSFERS = listing.Listing(
    "transfers",
    "Transfer",
    listing.attributes("id", "created_at", "name", "volume_id"),
    listing.attributes("id", "name", "volume_id"),
    frozenset({"name", "volume_id", "id"}),
    strict_from=None,
    count_from=None,
    default_sort="created_at:asc",
)


async def list_transfers(request: web.Request) -> web.Response:
    shown, extra = listing.listed(request, TRANSFERS, state_of(request).transfers.values())
    detail = request.path.endswith("/detail")
    views = [transfer_view(request, t, detail=detail) for t in shown]
    return json_response({"transfers": views, **extra})


async def accept_transfer(request: web.Request) -> web.Response:
    auth_key = validate(await read_body(request), ACCEPT)["accept"]["auth_key"]
    state = state_of(request)
    transfer_id = request.match_info["transfer_id"]
    transfer = state.transfers.get(transfer_id)  # the recipient cannot see it otherwise
    if transfer is None:
        raise NotFound("Transfer", transfer_id)
    if str(auth_key) != transfer.auth_key:
        raise SimError(
            400, f"Invalid auth key: Attempt to transfer {transfer.id} with invalid auth key."
        )
    context = ctx(request)
    recipient = context.project_id or ""
    volume = state.volumes[transfer.volume_id]
    moving = [] if transfer.no_snapshots else state.snapshots_of(volume.id)
    vtype = state.types.get(volume.volume_type_id)
    quota.check(
        state,
        recipient,
        vtype.name if vtype else "",
        volumes=1,
        gigabytes=volume.size + sum(s.size for s in moving),
        **({"snapshots": len(moving)} if moving else {}),
    )
    for item in (volume, *moving):
        item.project_id = recipient
        item.user_id = context.user_id
    volume.set_status("available")
    del state.transfers[transfer.id]
    return json_response({"transfer": transfer_view(request, transfer, detail=False)}, 202)


async def delete_transfer(request: web.Request) -> web.Response:
    transfer = _get(request)
    state = state_of(request)
    del state.transfers[transfer.id]
    volume = state.volumes.get(transfer.volume_id)
    if volume is not None and volume.status == "awaiting-transfer":
        volume.set_status("available")
    return web.Response(status=202)

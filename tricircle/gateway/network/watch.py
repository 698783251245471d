"""The writes to the central Neutron that the pods' copies must follow.

The central Neutron decides every write; once it said yes, the copies of what changed
converge by job (tricircle.network.sync). A few writes need a look first: what a port
or a rule was before it changed, and whether a pod still uses a network being deleted.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import msgspec
from aiohttp import web

from tricircle.network.bottom import NETWORK, PORT, SECURITY_GROUP, SUBNET
from tricircle.network.floatingips import FLOATINGIP
from tricircle.network.neutrons import Neutrons
from tricircle.network.routers import ROUTER
from tricircle.network.sync import request_members, request_sync
from tricircle.openstack_errors import neutron_error
from tricircle.web.services import context_of, services_of

_KINDS = {
    "networks": NETWORK,
    "subnets": SUBNET,
    "ports": PORT,
    "security-groups": SECURITY_GROUP,
    "routers": ROUTER,
    "floatingips": FLOATINGIP,
}
_REALISED = (ROUTER, FLOATINGIP)  # realised in the pods after any write, not only known ones
_ROUTER_ACTIONS = (
    "add_router_interface",
    "remove_router_interface",
    "add_extraroutes",
    "remove_extraroutes",
)
_RULES = "security-group-rules"
_FORWARDINGS = "port_forwardings"


@dataclass(frozen=True)
class Write:
    method: str
    collection: str
    object_id: str | None


def write_of(method: str, path: str) -> Write | None:
    """The watched write a call is (``PUT /v2.0/ports/{id}``, ``PUT /v2.0/routers/{id}/
    add_router_interface``), or None."""
    if method == "GET" or method == "HEAD":
        return None
    parts = path.split("?", 1)[0].strip("/").split("/")
    if len(parts) < 2 or parts[0] != "v2.0":
        return None
    collection = parts[1]
    if len(parts) == 4 and collection == "routers" and parts[3] in _ROUTER_ACTIONS:
        return Write(method, collection, parts[2])
    if len(parts) in (4, 5) and collection == "floatingips" and parts[3] == _FORWARDINGS:
        return Write(method, collection, parts[2])  # the floating IP converges
    if len(parts) > 3 or (collection not in _KINDS and collection != _RULES):
        return None
    return Write(method, collection, parts[2] if len(parts) == 3 else None)


class Watch:
    """One watched write: looked at before it goes on, acted on once it succeeded."""

    def __init__(self, request: web.Request, neutrons: Neutrons, write: Write) -> None:
        self.request = request
        self.neutrons = neutrons
        self.write = write
        self.groups_before: set[str] = set()

    async def before(self) -> web.Response | None:
        """A refusal in Neutron's words, or None to go on."""
        write = self.write
        if write.object_id is None:
            return None
        if write.collection == "ports" and write.method in ("PUT", "DELETE"):
            port = await self.neutrons.central_get("ports", write.object_id)
            self.groups_before = set((port or {}).get("security_groups", []))
        elif write.collection == _RULES and write.method == "DELETE":
            rule = await self.neutrons.central_get(_RULES, write.object_id)
            if rule is not None:
                self.groups_before = {rule["security_group_id"]}
        elif write.collection == "networks" and write.method == "DELETE":
            return await self._refuse_if_used_in_a_pod(write.object_id)
        return None

    async def after(self, answer: web.StreamResponse) -> None:
        write, db = self.write, services_of(self.request).db
        project_id = context_of(self.request).project_id
        body = _json(answer)
        if write.collection == _RULES:
            groups = self.groups_before | _values(body, "security_group_rule", "security_group_id")
            for group in groups:
                if await self.neutrons.routing.find(SECURITY_GROUP, group):
                    await request_sync(db, SECURITY_GROUP, group, project_id)
            return
        kind = _KINDS[write.collection]
        object_id = write.object_id or _created_id(body, kind)
        if object_id is not None and (
            kind in _REALISED or await self.neutrons.routing.find(kind, object_id)
        ):
            await request_sync(db, kind, object_id, project_id)
        if kind == PORT:  # a member came, went or moved: remote-group rules follow
            for group in self.groups_before | _values(body, "port", "security_groups"):
                await request_members(db, group)

    async def _refuse_if_used_in_a_pod(self, network_id: str) -> web.Response | None:
        """Neutron's 409 when a pod's copy carries ports that are not the gateway's."""
        for entry in await self.neutrons.routing.find(NETWORK, network_id):
            pod = await self.neutrons.directory.get(entry.pod_id)
            if pod is None or entry.bottom_id is None:
                continue
            ports = await self.neutrons.pod_list(pod, "ports", {"network_id": entry.bottom_id})
            ours = await self.neutrons.routing.tops_by_bottom(
                PORT, pod.id, [p["id"] for p in ports]
            )
            foreign = [
                p
                for p in ports
                if p["id"] not in ours and not p.get("device_owner", "").startswith("network:")
            ]
            if foreign:
                message = (
                    f"Unable to complete operation on network {network_id}. There are one or "
                    f"more ports still in use on the network (in availability zone "
                    f"{pod.az_name})."
                )
                return web.json_response(neutron_error(409, message, "NetworkInUse"), status=409)
        return None


def _json(answer: web.StreamResponse) -> Any:
    """A JSON answer's body (pass_on reads those); None for any other."""
    if not isinstance(answer, web.Response) or not isinstance(answer.body, bytes):
        return None
    try:
        return msgspec.json.decode(answer.body)
    except msgspec.DecodeError:
        return None


def _created_id(body: Any, singular: str) -> str | None:
    """The id of the one object a create answered with."""
    created = body.get(singular) if isinstance(body, dict) else None
    return created.get("id") if isinstance(created, dict) else None


def _values(body: Any, singular: str, field: str) -> set[str]:
    """`field` of the one object or of each of the bulk objects an answer holds."""
    if not isinstance(body, dict):
        return set()
    objects = body.get(singular + "s") or ([body[singular]] if singular in body else [])
    found: set[str] = set()
    for obj in objects:
        value = obj.get(field) if isinstance(obj, dict) else None
        if isinstance(value, str):
            found.add(value)
        elif isinstance(value, list):
            found.update(v for v in value if isinstance(v, str))
    return found

"""What a server needs in its pod: copies of its flavor and key pair, and its image there.

Flavors are copied with the gateway's own (admin) token and keep their top id; key
pairs are imported as the user, under the user's name for them.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.kit.calls import call_pod
from tricircle.kit.copies import copy_failed, ensure_copy
from tricircle.pods.client import PodResponse
from tricircle.pods.directory import PodInfo
from tricircle.pods.routing import FLAVOR, KEYPAIR
from tricircle.top.keypairs import KeypairStore
from tricircle.top.models import Flavor, Keypair
from tricircle.web.errors import bad_request, conflict
from tricircle.web.services import context_of, services_of

# plain 2.1 for flavors: the newest flavor fields are not needed in pods; 2.2 carries the
# key pair type
FLAVOR_VERSION, KEYPAIR_VERSION = "2.1", "2.2"


async def _as_gateway(
    request: web.Request, pod: PodInfo, method: str, path: str, body: Any = None
) -> PodResponse:
    token = await services_of(request).service_auth.token()
    return await call_pod(
        request, pod, method, path, token=token, version=FLAVOR_VERSION, json=body
    )


class FlavorCopier:
    resource_type = FLAVOR

    def top_id(self, request: web.Request, item: Flavor) -> str:
        return item.id

    async def find(self, request: web.Request, pod: PodInfo, item: Flavor) -> str | None:
        shown = await _as_gateway(request, pod, "GET", f"/flavors/{item.id}")
        return item.id if shown.ok else None

    async def create(self, request: web.Request, pod: PodInfo, item: Flavor) -> str:
        body: dict[str, Any] = {
            "id": item.id,
            "name": item.name,
            "ram": item.ram,
            "vcpus": item.vcpus,
            "disk": item.disk,
            "OS-FLV-EXT-DATA:ephemeral": item.ephemeral,
            "swap": item.swap,
            "rxtx_factor": item.rxtx_factor,
            "os-flavor-access:is_public": item.is_public,
        }
        answer = await _as_gateway(request, pod, "POST", "/flavors", {"flavor": body})
        if answer.status == 409:
            # the pod has an unrelated flavor of that name: keep the id, tell them apart by name
            body["name"] = f"{item.name}-{item.id}"
            answer = await _as_gateway(request, pod, "POST", "/flavors", {"flavor": body})
        if not answer.ok:
            raise copy_failed(pod, f"create flavor {item.id}", answer)
        if item.extra_specs:
            specs = {"extra_specs": item.extra_specs}
            path = f"/flavors/{item.id}/os-extra_specs"
            answer = await _as_gateway(request, pod, "POST", path, specs)
            if not answer.ok:
                raise copy_failed(pod, f"set the extra specs of flavor {item.id}", answer)
        return item.id

    async def delete(self, request: web.Request, pod: PodInfo, bottom_id: str) -> PodResponse:
        return await _as_gateway(request, pod, "DELETE", f"/flavors/{bottom_id}")


def keypair_routing_id(user_id: str, name: str) -> str:
    """Key pairs are named per user, so their routing id carries the user."""
    return f"{user_id}/{name}"


class KeypairCopier:
    resource_type = KEYPAIR

    def top_id(self, request: web.Request, item: Keypair) -> str:
        return keypair_routing_id(item.user_id, item.name)

    async def find(self, request: web.Request, pod: PodInfo, item: Keypair) -> str | None:
        shown = await call_pod(request, pod, "GET", f"/os-keypairs/{item.name}")
        if not shown.ok:
            return None
        if shown.json()["keypair"]["public_key"].strip() != item.public_key.strip():
            # the user's own key of that name in the pod: never ours to replace
            raise conflict(
                f"Key pair '{item.name}' already exists in availability zone {pod.az_name} "
                "with another public key; delete it there or use another key name."
            )
        return item.name

    async def create(self, request: web.Request, pod: PodInfo, item: Keypair) -> str:
        imported = {"name": item.name, "public_key": item.public_key, "type": item.type}
        answer = await call_pod(
            request,
            pod,
            "POST",
            "/os-keypairs",
            version=KEYPAIR_VERSION,
            json={"keypair": imported},
        )
        if not answer.ok:
            raise copy_failed(pod, f"import key pair {item.name}", answer)
        return item.name

    async def delete(self, request: web.Request, pod: PodInfo, bottom_id: str) -> PodResponse:
        return await call_pod(request, pod, "DELETE", f"/os-keypairs/{bottom_id}")


FLAVORS, KEYPAIRS = FlavorCopier(), KeypairCopier()


async def ensure_flavor(request: web.Request, pod: PodInfo, flavor: Flavor) -> None:
    await ensure_copy(request, pod, FLAVORS, flavor)
    if not flavor.is_public:
        project = context_of(request).project_id
        grant = {"addTenantAccess": {"tenant": project}}
        answer = await _as_gateway(request, pod, "POST", f"/flavors/{flavor.id}/action", grant)
        if not (answer.ok or answer.status == 409):  # 409: granted before
            raise copy_failed(pod, f"grant access to flavor {flavor.id}", answer)


async def find_keypair(request: web.Request, name: str) -> Keypair:
    context = context_of(request)
    keypair = await KeypairStore(services_of(request).db).get(context.user_id, name)
    if keypair is None:
        raise bad_request("Invalid key_name provided.")
    return keypair


async def ensure_keypair(request: web.Request, pod: PodInfo, keypair: Keypair) -> None:
    await ensure_copy(request, pod, KEYPAIRS, keypair)

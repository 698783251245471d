"""Making sure a pod has what a server needs there: its flavor, key pair and image.

Each copy is recorded in the routing table, so the next boot in that pod skips the work.
"""

from __future__ import annotations

import logging
from typing import Any

from aiohttp import web

from tricircle.gateway.compute.forward import pod_headers
from tricircle.gateway.compute.keypairs import routing_id
from tricircle.gateway.compute.microversions import HEADER, LEGACY_HEADER, SERVICE
from tricircle.pods.client import PodResponse
from tricircle.pods.directory import PodInfo
from tricircle.pods.routing import FLAVOR, KEYPAIR
from tricircle.top.keypairs import KeypairStore
from tricircle.top.models import Flavor, Keypair
from tricircle.web.errors import ApiError, bad_request
from tricircle.web.services import context_of, services_of

LOG = logging.getLogger(__name__)


def pinned_headers(request: web.Request, version: str) -> dict[str, str]:
    """Headers for a call whose body the gateway writes itself, in a version it knows."""
    return {**pod_headers(request), HEADER: f"{SERVICE} {version}", LEGACY_HEADER: version}


def _failed(pod: PodInfo, what: str, answer: PodResponse) -> ApiError:
    LOG.warning("pod %s refused %s: %s %s", pod.name, what, answer.status, answer.body[:500])
    return ApiError(502 if answer.status < 500 else 503, f"Pod {pod.name} could not {what}.")


async def ensure_flavor(request: web.Request, pod: PodInfo, flavor: Flavor) -> None:
    services, context = services_of(request), context_of(request)
    if await services.routing.in_pod(FLAVOR, flavor.id, pod.id) is None:
        await _copy_flavor(request, pod, flavor)
        await services.routing.add(context.project_id or "", FLAVOR, flavor.id, pod.id, flavor.id)
    if not flavor.is_public:
        await _admin_call(
            request,
            pod,
            "POST",
            f"/flavors/{flavor.id}/action",
            {"addTenantAccess": {"tenant": context.project_id}},
            ok_conflict=True,
            what=f"grant access to flavor {flavor.id}",
        )


async def _copy_flavor(request: web.Request, pod: PodInfo, flavor: Flavor) -> None:
    body: dict[str, Any] = {
        "id": flavor.id,
        "name": flavor.name,
        "ram": flavor.ram,
        "vcpus": flavor.vcpus,
        "disk": flavor.disk,
        "OS-FLV-EXT-DATA:ephemeral": flavor.ephemeral,
        "swap": flavor.swap,
        "rxtx_factor": flavor.rxtx_factor,
        "os-flavor-access:is_public": flavor.is_public,
    }
    answer = await _admin_call(request, pod, "POST", "/flavors", {"flavor": body})
    if answer.status == 409:
        existing = await _admin_call(request, pod, "GET", f"/flavors/{flavor.id}", None)
        if existing.status == 404:
            # the pod has an unrelated flavor of that name: keep the id, tell them apart by name
            body["name"] = f"{flavor.name}-{flavor.id}"
            answer = await _admin_call(request, pod, "POST", "/flavors", {"flavor": body})
        else:
            answer = existing
    if not answer.ok:
        raise _failed(pod, f"create flavor {flavor.id}", answer)
    if flavor.extra_specs:
        specs = await _admin_call(
            request,
            pod,
            "POST",
            f"/flavors/{flavor.id}/os-extra_specs",
            {"extra_specs": flavor.extra_specs},
        )
        if not specs.ok:
            raise _failed(pod, f"set the extra specs of flavor {flavor.id}", specs)


async def _admin_call(
    request: web.Request,
    pod: PodInfo,
    method: str,
    path: str,
    body: Any,
    *,
    ok_conflict: bool = False,
    what: str = "",
) -> PodResponse:
    """Flavors are managed with the gateway's own (admin) token, not the user's."""
    services = services_of(request)
    # plain 2.1 for the copy: the newest flavor fields are not needed in pods
    headers = pinned_headers(request, "2.1")
    answer = await services.pods.request(
        pod,
        "compute",
        method,
        path,
        token=await services.service_auth.token(),
        headers=headers,
        json=body,
    )
    if what and not (answer.ok or (ok_conflict and answer.status == 409)):
        raise _failed(pod, what, answer)
    return answer


async def find_keypair(request: web.Request, name: str) -> Keypair:
    context = context_of(request)
    keypair = await KeypairStore(services_of(request).db).get(context.user_id, name)
    if keypair is None:
        raise bad_request("Invalid key_name provided.")
    return keypair


async def ensure_keypair(request: web.Request, pod: PodInfo, keypair: Keypair) -> None:
    services, context = services_of(request), context_of(request)
    name = keypair.name
    top_id = routing_id(context.user_id, name)
    if await services.routing.in_pod(KEYPAIR, top_id, pod.id) is not None:
        return
    headers = pinned_headers(request, "2.2")  # 2.2 carries the key type
    imported = {"keypair": {"name": name, "public_key": keypair.public_key, "type": keypair.type}}

    async def call(method: str, path: str, body: Any = None) -> PodResponse:
        return await services.pods.request(
            pod, "compute", method, path, token=context.token, headers=headers, json=body
        )

    answer = await call("POST", "/os-keypairs", imported)
    if answer.status == 409:
        # a pod-local key of that name: the top's key is the one the user asked for
        await call("DELETE", f"/os-keypairs/{name}")
        answer = await call("POST", "/os-keypairs", imported)
    if not answer.ok:
        raise _failed(pod, f"import key pair {name}", answer)
    await services.routing.add(context.project_id or "", KEYPAIR, top_id, pod.id, name)


async def resolve_image(request: web.Request, pod: PodInfo, ref: str) -> str:
    """The pod's id for image `ref` (an id or a name); 400 naming the AZ when it has none."""
    services, context = services_of(request), context_of(request)
    image_id = ref.rstrip("/").rsplit("/", 1)[-1]
    answer = await services.pods.request(
        pod, "image", "GET", f"/v2/images/{image_id}", token=context.token
    )
    if answer.ok:
        return image_id
    by_name = await services.pods.request(
        pod, "image", "GET", "/v2/images", token=context.token, params={"name": ref}
    )
    if by_name.ok:
        images = by_name.json().get("images", [])
        if len(images) == 1:
            return images[0]["id"]
    raise bad_request(f"Image {ref} is not available in availability zone {pod.az_name}.")

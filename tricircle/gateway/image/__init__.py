"""The image API (Glance v2) of the gateway."""

from aiohttp import web

from tricircle.kit.calls import call_pod
from tricircle.kit.service import OpenStackService
from tricircle.openstack_errors import glance_error
from tricircle.pods.client import PodUnavailable, is_trouble
from tricircle.pods.directory import PodInfo
from tricircle.web.errors import bad_request

IMAGE = OpenStackService(name="image", version_path="/v2", error_format=glance_error)


async def resolve_image(request: web.Request, pod: PodInfo, ref: str) -> str:
    """The pod's id for image `ref` (an id or a name); 400 naming the AZ when it has none."""
    image_id = ref.rstrip("/").rsplit("/", 1)[-1]
    answer = await call_pod(request, pod, "GET", f"/v2/images/{image_id}", service=IMAGE)
    if answer.ok:
        return image_id
    if is_trouble(answer.status):
        raise PodUnavailable(pod, f"answered {answer.status}", sent=False)
    by_name = await call_pod(request, pod, "GET", "/v2/images", params={"name": ref}, service=IMAGE)
    if by_name.ok:
        images = by_name.json().get("images", [])
        if len(images) == 1:
            return images[0]["id"]
    raise bad_request(f"Image {ref} is not available in availability zone {pod.az_name}.")

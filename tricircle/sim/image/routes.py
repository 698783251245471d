"""Glance's route table and version document."""

from __future__ import annotations

from aiohttp import web

from tricircle.sim.http import base_url, json_response, public
from tricircle.sim.image import data, images, importing, listing, members, schemas, tags
from tricircle.sim.image.errors import render_glance_error
from tricircle.sim.service import Service

# What Glance 32 lists with an image cache and several stores configured, in its order.
_VERSIONS = (
    *((f"2.{m}", "SUPPORTED") for m in (16, 15, 14, 13, 12, 11, 10, 9, 8)),
    ("2.17", "CURRENT"),
    *((f"2.{m}", "SUPPORTED") for m in range(7, -1, -1)),
)


@public
async def versions(request: web.Request) -> web.Response:
    href = f"{base_url(request)}/image/v2/"
    body = {
        "versions": [
            {"id": f"v{v}", "status": s, "links": [{"rel": "self", "href": href}]}
            for v, s in _VERSIONS
        ]
    }
    # GET /versions asks for them: 200; the root merely offers them: 300
    return json_response(body, 200 if request.path.endswith("/versions") else 300)


ROUTES = [
    ("GET", "/schemas/{name:image|images|member|members}", schemas.show_schema),
    ("GET", "/info/import", importing.import_info),
    ("GET", "/info/stores", importing.stores_info),
    ("GET", "/images", listing.list_images),
    ("POST", "/images", images.create_image),
    ("GET", "/images/{image_id}", images.show_image),
    ("PATCH", "/images/{image_id}", images.update_image),
    ("DELETE", "/images/{image_id}", images.delete_image),
    ("POST", "/images/{image_id}/actions/deactivate", images.deactivate),
    ("POST", "/images/{image_id}/actions/reactivate", images.reactivate),
    ("PUT", "/images/{image_id}/file", data.upload),
    ("GET", "/images/{image_id}/file", data.download),
    ("PUT", "/images/{image_id}/stage", data.stage),
    ("POST", "/images/{image_id}/import", importing.import_image),
    ("PUT", "/images/{image_id}/tags/{tag}", tags.add_tag),
    ("DELETE", "/images/{image_id}/tags/{tag}", tags.delete_tag),
    ("GET", "/images/{image_id}/members", members.list_members),
    ("POST", "/images/{image_id}/members", members.add_member),
    ("GET", "/images/{image_id}/members/{member_id}", members.show_member),
    ("PUT", "/images/{image_id}/members/{member_id}", members.update_member),
    ("DELETE", "/images/{image_id}/members/{member_id}", members.delete_member),
]


def add_routes(router: web.UrlDispatcher) -> None:
    for path in ("/image", "/image/", "/image/versions"):
        router.add_get(path, versions)
    for method, path, handler in ROUTES:
        router.add_route(method, f"/image/v2{path}", handler)


SERVICE = Service("image", render_glance_error, None, add_routes)

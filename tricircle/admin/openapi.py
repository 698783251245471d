"""``/v1.0/openapi.json``: the admin API described for clients and schema-driven tests."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.admin import images, pods
from tricircle.images.models import STATES
from tricircle.jobs.manage import FILTERS
from tricircle.jobs.models import STATUSES
from tricircle.web.http import json_response, public

routes = web.RouteTableDef()


def _error() -> dict[str, Any]:
    return {
        "description": "Error",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema_ref: str, description: str = "OK") -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema_ref}"}}},
    }


def _operation(summary: str, responses: dict[str, Any], body: str | None = None) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "security": [{"keystone": []}],
        "responses": {**responses, "401": _error(), "403": _error()},
    }
    if body:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    return operation


def _id_param(name: str, kind: str = "string") -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": kind}}


def _query(*names: str) -> list[dict[str, Any]]:
    return [{"name": n, "in": "query", "schema": {"type": "string"}} for n in names]


DOCUMENT: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {"title": "Tricircle admin API", "version": "1.0"},
    "paths": {
        "/v1.0/pods": {
            "get": _operation("List pods", {"200": _json("PodList")}),
            "post": _operation(
                "Register a pod",
                {"201": _json("PodOne", "Created"), "400": _error(), "409": _error()},
                "PodCreate",
            ),
        },
        "/v1.0/pods/{pod_id}": {
            "parameters": [_id_param("pod_id")],
            "get": _operation("Show a pod", {"200": _json("PodOne"), "404": _error()}),
            "put": _operation(
                "Update a pod",
                {"200": _json("PodOne"), "400": _error(), "404": _error(), "409": _error()},
                "PodUpdate",
            ),
            "delete": _operation(
                "Remove a pod that holds nothing",
                {"204": {"description": "Deleted"}, "404": _error(), "409": _error()},
            ),
        },
        "/v1.0/bindings": {
            "get": {
                **_operation("List tenant bindings", {"200": _json("BindingList")}),
                "parameters": _query("project_id", "pod_id"),
            },
            "post": _operation(
                "Let a project use a pod",
                {"201": _json("BindingOne", "Created"), "404": _error(), "409": _error()},
                "BindingCreate",
            ),
        },
        "/v1.0/bindings/{project_id}/{pod_id}": {
            "parameters": [_id_param("project_id"), _id_param("pod_id")],
            "delete": _operation("Unbind", {"204": {"description": "Deleted"}, "404": _error()}),
        },
        "/v1.0/routings": {
            "get": {
                **_operation(
                    "List routing entries", {"200": _json("RoutingList"), "400": _error()}
                ),
                "parameters": _query(
                    "project_id", "resource_type", "top_id", "pod_id", "limit", "marker"
                ),
            },
        },
        "/v1.0/jobs": {
            "get": {
                **_operation("List jobs, newest first", {"200": _json("JobList"), "400": _error()}),
                "parameters": _query(*FILTERS, "limit", "marker"),
            },
        },
        "/v1.0/jobs/{job_id}": {
            "parameters": [_id_param("job_id")],
            "get": _operation(
                "Show a job and its attempt log", {"200": _json("JobOne"), "404": _error()}
            ),
            "put": _operation(
                "Redo a failed job", {"200": _json("JobOne"), "404": _error(), "409": _error()}
            ),
            "delete": _operation(
                "Delete a waiting or failed job",
                {"204": {"description": "Deleted"}, "404": _error(), "409": _error()},
            ),
        },
        "/v1.0/images/{image_id}/copies": {
            "parameters": [_id_param("image_id")],
            "get": _operation(
                "List a top image's copies, their state and progress",
                {"200": _json("CopyList"), "404": _error()},
            ),
            "post": _operation(
                "Copy a top image into pods (named, or those of AZs; every pod by default)",
                {"202": _json("CopyList", "Accepted"), "400": _error(), "404": _error()},
                "CopiesCreate",
            ),
        },
        "/v1.0/images/{image_id}/copies/{pod_id}": {
            "parameters": [_id_param("image_id"), _id_param("pod_id")],
            "delete": _operation(
                "Drop a pod's copy", {"204": {"description": "Deleted"}, "404": _error()}
            ),
        },
        "/v1.0/images/{image_id}/adoption": {
            "parameters": [_id_param("image_id")],
            "post": _operation(
                "Adopt an image that pods already hold into the top registry",
                {
                    "202": _json("AdoptionOne", "Accepted"),
                    "400": _error(),
                    "404": _error(),
                    "409": _error(),
                },
                "AdoptionCreate",
            ),
        },
        "/v1.0/routings/{entry_id}": {
            "parameters": [_id_param("entry_id", "integer")],
            "get": _operation(
                "Show a routing entry", {"200": _json("RoutingOne"), "404": _error()}
            ),
            "delete": _operation(
                "Forget a routing entry", {"204": {"description": "Deleted"}, "404": _error()}
            ),
        },
    },
    "components": {
        "securitySchemes": {"keystone": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"}},
        "schemas": {
            "Error": {
                "type": "object",
                "properties": {
                    "error": {
                        "type": "object",
                        "properties": {
                            "code": {"type": "integer"},
                            "title": {"type": "string"},
                            "message": {"type": "string"},
                        },
                    }
                },
            },
            "Pod": {
                "type": "object",
                "properties": {
                    **pods.CREATE_FIELDS,
                    "id": {"type": "string"},
                    "capabilities": {"type": "object"},
                    "created_at": {"type": "string"},
                    "updated_at": {"type": "string"},
                },
            },
            "PodOne": {
                "type": "object",
                "properties": {"pod": {"$ref": "#/components/schemas/Pod"}},
            },
            "PodList": {
                "type": "object",
                "properties": {
                    "pods": {"type": "array", "items": {"$ref": "#/components/schemas/Pod"}}
                },
            },
            "PodCreate": pods.CREATE.schema,
            "PodUpdate": pods.UPDATE.schema,
            "Binding": {
                "type": "object",
                "properties": {
                    "project_id": {"type": "string"},
                    "pod_id": {"type": "string"},
                    "created_at": {"type": "string"},
                },
            },
            "BindingOne": {
                "type": "object",
                "properties": {"binding": {"$ref": "#/components/schemas/Binding"}},
            },
            "BindingList": {
                "type": "object",
                "properties": {
                    "bindings": {"type": "array", "items": {"$ref": "#/components/schemas/Binding"}}
                },
            },
            "BindingCreate": {
                "type": "object",
                "properties": {
                    "binding": {
                        "type": "object",
                        "properties": {
                            "project_id": {"type": "string"},
                            "pod_id": {"type": "string"},
                        },
                        "required": ["project_id", "pod_id"],
                    }
                },
                "required": ["binding"],
            },
            "Job": {
                "type": "object",
                "properties": {
                    "id": {"type": "string"},
                    "type": {"type": "string"},
                    "resource_type": {"type": "string"},
                    "resource_id": {"type": "string"},
                    "project_id": {"type": ["string", "null"]},
                    "payload": {"type": ["object", "null"]},
                    "status": {"enum": list(STATUSES)},
                    "attempts": {"type": "integer"},
                    "requests": {"type": "integer"},
                    "last_error": {"type": ["string", "null"]},
                    "attempt_log": {"type": "array", "items": {"type": "object"}},
                },
            },
            "JobOne": {
                "type": "object",
                "properties": {"job": {"$ref": "#/components/schemas/Job"}},
            },
            "JobList": {
                "type": "object",
                "properties": {
                    "jobs": {"type": "array", "items": {"$ref": "#/components/schemas/Job"}},
                    "jobs_links": {"type": "array"},
                },
            },
            "Routing": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "project_id": {"type": "string"},
                    "resource_type": {"type": "string"},
                    "top_id": {"type": "string"},
                    "pod_id": {"type": "string"},
                    "bottom_id": {"type": ["string", "null"]},
                    "created_at": {"type": "string"},
                    "updated_at": {"type": "string"},
                },
            },
            "Copy": {
                "type": "object",
                "properties": {
                    "image_id": {"type": "string"},
                    "pod_id": {"type": "string"},
                    "pod_name": {"type": ["string", "null"]},
                    "availability_zone": {"type": ["string", "null"]},
                    "state": {"enum": list(STATES)},
                    "copied_bytes": {"type": "integer"},
                    "size": {"type": ["integer", "null"]},
                    "last_error": {"type": ["string", "null"]},
                    "created_at": {"type": "string"},
                    "updated_at": {"type": "string"},
                },
            },
            "CopyList": {
                "type": "object",
                "properties": {
                    "copies": {"type": "array", "items": {"$ref": "#/components/schemas/Copy"}}
                },
            },
            "CopiesCreate": images.CREATE.schema,
            "AdoptionCreate": images.ADOPT.schema,
            "AdoptionOne": {
                "type": "object",
                "properties": {
                    "adoption": {
                        "type": "object",
                        "properties": {
                            "image_id": {"type": "string"},
                            "pods": {"type": "array", "items": {"type": "string"}},
                        },
                    }
                },
            },
            "RoutingOne": {
                "type": "object",
                "properties": {"routing": {"$ref": "#/components/schemas/Routing"}},
            },
            "RoutingList": {
                "type": "object",
                "properties": {
                    "routings": {
                        "type": "array",
                        "items": {"$ref": "#/components/schemas/Routing"},
                    },
                    "routings_links": {"type": "array"},
                },
            },
        },
    },
}


@routes.get("/openapi.json")
@public
async def openapi_document(_request: web.Request) -> web.Response:
    return json_response(DOCUMENT)

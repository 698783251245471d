"""``/v1.0/jobs``: the durable job queue, for operators: look, redo, delete."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.jobs import manage
from tricircle.jobs.models import STATUSES, Job, JobAttempt
from tricircle.web.errors import bad_request, conflict, not_found
from tricircle.web.http import json_response, query_int
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()

MAX_LIMIT = 1000


def _time(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def job_view(job: Job) -> dict[str, Any]:
    return {
        "id": job.id,
        "type": job.type,
        "resource_type": job.resource_type,
        "resource_id": job.resource_id,
        "project_id": job.project_id,
        "payload": job.payload,
        "status": job.status,
        "attempts": job.attempts,
        "requests": job.requests,
        "run_at": _time(job.run_at),
        "lease_owner": job.lease_owner,
        "lease_expires_at": _time(job.lease_expires_at),
        "last_error": job.last_error,
        "created_at": _time(job.created_at),
        "updated_at": _time(job.updated_at),
        "started_at": _time(job.started_at),
        "finished_at": _time(job.finished_at),
    }


def attempt_view(attempt: JobAttempt) -> dict[str, Any]:
    return {
        "attempt": attempt.attempt,
        "worker": attempt.worker,
        "started_at": _time(attempt.started_at),
        "finished_at": _time(attempt.finished_at),
        "outcome": attempt.outcome,
        "error": attempt.error,
        "result": attempt.result,
    }


@routes.get("/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:jobs:read", context_of(request))
    limit = min(query_int(request, "limit", minimum=1, default=MAX_LIMIT) or MAX_LIMIT, MAX_LIMIT)
    filters = {name: request.query[name] for name in manage.FILTERS if name in request.query}
    if filters.get("status", STATUSES[0]) not in STATUSES:
        raise bad_request(f"Invalid status {filters['status']!r}; one of {', '.join(STATUSES)}.")
    marker = request.query.get("marker")
    try:
        jobs = await manage.list_jobs(services.db, limit=limit, marker=marker, **filters)
    except LookupError as exc:
        raise bad_request(str(exc)) from None
    body: dict[str, Any] = {"jobs": [job_view(j) for j in jobs]}
    if len(jobs) == limit:
        query = {**filters, "limit": str(limit), "marker": jobs[-1].id}
        body["jobs_links"] = [{"rel": "next", "href": str(request.url.with_query(query))}]
    return json_response(body)


@routes.get("/jobs/{job_id}")
async def show_job(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:jobs:read", context_of(request))
    detail = await manage.get_job(services.db, request.match_info["job_id"])
    if detail is None:
        raise not_found(f"Job {request.match_info['job_id']} could not be found.")
    view = job_view(detail.job)
    view["attempt_log"] = [attempt_view(a) for a in detail.attempts]
    return json_response({"job": view})


@routes.put("/jobs/{job_id}")
async def redo_job(request: web.Request) -> web.Response:
    """Redo a failed job (as the original Tricircle's ``PUT /jobs/{id}``)."""
    services = services_of(request)
    services.policy.authorize("tricircle:jobs:write", context_of(request))
    try:
        job = await manage.redo(services.db, request.match_info["job_id"])
    except LookupError as exc:
        raise not_found(str(exc)) from None
    except manage.JobConflict as exc:
        raise conflict(str(exc)) from None
    return json_response({"job": job_view(job)})


@routes.delete("/jobs/{job_id}")
async def delete_job(request: web.Request) -> web.Response:
    services = services_of(request)
    services.policy.authorize("tricircle:jobs:write", context_of(request))
    try:
        await manage.remove(services.db, request.match_info["job_id"])
    except LookupError as exc:
        raise not_found(str(exc)) from None
    except manage.JobConflict as exc:
        raise conflict(str(exc)) from None
    return web.Response(status=204)

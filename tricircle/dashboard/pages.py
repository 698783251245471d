"""The dashboard's pages: pods and AZs, one pod's servers and volumes, jobs, routing."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from urllib.parse import urlencode

from aiohttp import web
from sqlalchemy import func, select

from tricircle.dashboard.html import button, link, page, table, text
from tricircle.dashboard.session import (
    LoginRefused,
    forget_token,
    keep_token,
    keystone_login,
)
from tricircle.jobs import manage
from tricircle.jobs.models import FAIL, NEW, RUNNING, Job
from tricircle.observe.healthcheck import pod_report
from tricircle.web.http import public
from tricircle.web.services import context_of, services_of

routes = web.RouteTableDef()
# the queue as an operator speaks of it
QUEUES = (("waiting", NEW), ("running", RUNNING), ("failed", FAIL))
SHOWN = 100  # rows per table; the routing search narrows further


def _user(request: web.Request) -> str:
    context = context_of(request)
    return f"{context.user_name} ({context.project_name})"


def _authorize(request: web.Request, rule: str) -> None:
    services_of(request).policy.authorize(rule, context_of(request))


@routes.get("/login")
@public
async def login_form(request: web.Request) -> web.Response:
    refused = request.query.get("refused")
    note = f'<p class="error">{text(refused)}</p>' if refused else ""
    fields = "".join(
        f'<p><label>{label}<br><input name="{name}" type="{kind}" value="{value}"></label></p>'
        for label, name, kind, value in (
            ("User", "username", "text", ""),
            ("Password", "password", "password", ""),
            ("Project", "project", "text", "admin"),
            ("Domain", "domain", "text", "Default"),
        )
    )
    form = f'<form method="post" action="/dashboard/login">{fields}<button>Log in</button></form>'
    return page("Log in", note + form)


@routes.post("/login")
@public
async def login(request: web.Request) -> web.Response:
    form = await request.post()
    try:
        token = await keystone_login(
            services_of(request),
            str(form.get("username", "")),
            str(form.get("password", "")),
            str(form.get("project", "")) or "admin",
            str(form.get("domain", "")) or "Default",
        )
    except LoginRefused as exc:
        raise web.HTTPSeeOther("/dashboard/login?" + urlencode({"refused": str(exc)})) from None
    response = web.HTTPSeeOther("/dashboard")
    keep_token(response, request, token)
    raise response


@routes.post("/logout")
@public
async def logout(_request: web.Request) -> web.Response:
    response = web.HTTPSeeOther("/dashboard/login")
    forget_token(response)
    raise response


def _capabilities(capabilities: dict[str, Any]) -> str:
    return ", ".join(
        f"{service} {found.get('min_version')} to {found.get('max_version')}"
        for service, found in sorted(capabilities.items())
    )


@routes.get("")
async def overview(request: web.Request) -> web.Response:
    _authorize(request, "tricircle:pods:read")
    services = services_of(request)
    pods = sorted((await services.directory.pods()).values(), key=lambda pod: pod.name)
    rows = []
    zones: dict[str, list[str]] = defaultdict(list)
    for pod in pods:
        report = pod_report(services, pod)
        health = f'<span class="{report["health"]}">{report["health"]}</span>'
        if report["reason"]:
            health += f' <span class="note">{text(report["reason"])}</span>'
        rows.append(
            (
                link(f"/dashboard/pods/{pod.id}", pod.name),
                text(pod.az_name),
                text(pod.state),
                health,
                text(_capabilities(pod.capabilities)),
            )
        )
        zones[pod.az_name].append(link(f"/dashboard/pods/{pod.id}", pod.name))
    interval = services.conf.pods.probe_interval
    pods_table = table(
        ("Pod", "AZ", "Admin state", "Observed health", "Capabilities"), rows, empty="No pods yet."
    )
    zone_map = "".join(
        f'<p class="az"><strong>{text(az)}</strong> → {", ".join(names)}</p>'
        for az, names in sorted(zones.items())
    )
    body = (
        f'<section id="pods" data-refresh="{interval:g}">{pods_table}</section>'
        f'<p class="note">Health as this gateway process observes it, refreshed every '
        f"{interval:g} s.</p><h2>Availability zones</h2>{zone_map}"
        f"<h2>Job queue</h2>{await _queue_summary(request)}"
    )
    return page("Pods", body, user=_user(request))


async def _queue_summary(request: web.Request) -> str:
    async with services_of(request).db.session() as session:
        counts = dict(
            (await session.execute(select(Job.status, func.count()).group_by(Job.status))).all()
        )
    return " · ".join(
        link(f"/dashboard/jobs?status={status}", f"{name}: {counts.get(status, 0)}")
        for name, status in QUEUES
    )


@routes.get("/pods/{pod_id}")
async def pod_page(request: web.Request) -> web.Response:
    _authorize(request, "tricircle:routings:read")
    services = services_of(request)
    pod = await services.directory.get(request.match_info["pod_id"])
    if pod is None:
        raise web.HTTPNotFound(text="No such pod.")
    sections = []
    for kind, title in (("server", "Servers"), ("volume", "Volumes")):
        entries = await services.routing.page(pod_id=pod.id, resource_type=kind, limit=SHOWN)
        rows = [
            (text(e.top_id), text(e.bottom_id), text(e.project_id), text(e.created_at))
            for e in entries
        ]
        found = table(("Top id", "Id in the pod", "Project", "Since"), rows, empty="None.")
        sections.append(f"<h2>{title}</h2>{found}")
    summary = f"<p>AZ {text(pod.az_name)} · region {text(pod.region_name)} · {text(pod.state)}</p>"
    return page(f"Pod {pod.name}", summary + "".join(sections), user=_user(request))


@routes.get("/jobs")
async def jobs_page(request: web.Request) -> web.Response:
    _authorize(request, "tricircle:jobs:read")
    status = request.query.get("status")
    filters = {"status": status} if status in dict(QUEUES).values() else {}
    jobs = await manage.list_jobs(services_of(request).db, limit=SHOWN, **filters)
    rows = [
        (
            text(job.id),
            text(job.type),
            text(f"{job.resource_type} {job.resource_id}"),
            f'<span class="status">{text(job.status)}</span>',
            text(job.attempts),
            text(job.last_error),
            button(f"/dashboard/jobs/{job.id}/redo", "Redo") if job.status == FAIL else "",
        )
        for job in jobs
    ]
    redone = request.query.get("redone")
    notice = f"<p>Job {text(redone)} is queued again.</p>" if redone else ""
    body = (
        f"{notice}<p>{await _queue_summary(request)} · {link('/dashboard/jobs', 'all')}</p>"
        + table(
            ("Job", "Type", "Resource", "Status", "Attempts", "Last error", ""),
            rows,
            empty="No jobs.",
        )
    )
    return page("Jobs", body, user=_user(request))


@routes.post("/jobs/{job_id}/redo")
async def redo_job(request: web.Request) -> web.Response:
    _authorize(request, "tricircle:jobs:write")
    job_id = request.match_info["job_id"]
    try:
        await manage.redo(services_of(request).db, job_id)
    except (LookupError, manage.JobConflict) as exc:
        failure = f'<p class="error">{text(exc)}</p>'
        return page("Jobs", failure, user=_user(request), status=409)
    raise web.HTTPSeeOther("/dashboard/jobs?" + urlencode({"redone": job_id}))


@routes.get("/routings")
async def routings_page(request: web.Request) -> web.Response:
    _authorize(request, "tricircle:routings:read")
    services = services_of(request)
    top_id = request.query.get("id", "").strip() or None
    project = request.query.get("project", "").strip() or None
    entries = await services.routing.page(top_id=top_id, project_id=project, limit=SHOWN)
    pods = await services.directory.pods()
    rows = [
        (
            text(e.resource_type),
            text(e.top_id),
            link(
                f"/dashboard/pods/{e.pod_id}", pods[e.pod_id].name if e.pod_id in pods else e.pod_id
            ),
            text(e.bottom_id),
            text(e.project_id),
        )
        for e in entries
    ]
    search = (
        '<form method="get" action="/dashboard/routings">'
        f'<input name="id" placeholder="resource id" value="{text(top_id)}"> '
        f'<input name="project" placeholder="project id" value="{text(project)}"> '
        "<button>Search</button></form>"
    )
    found = table(("Type", "Id", "Pod", "Id in the pod", "Project"), rows, empty="No entries.")
    return page("Routing", search + found, user=_user(request))

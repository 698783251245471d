"""The dashboard in a real headless Chromium against the demo: login, pods, jobs, routing,
and a pod going down."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.demo.browser import chromium, screenshot  # noqa: F401 - the fixture
from tests.demo.conftest import Demo
from tests.demo.jobs import failed_job
from tests.demo.test_openstack_plugin import cli
from tricircle.demo import PODS

# the demo's defaults: pods probed every 2 s, down after 3 failures; the page refreshes every
# probe interval. Generous beyond that: the machine is shared.
SEEN_WITHIN_MS = 30_000


@pytest.fixture
def page(chromium: Any, running_demo: Demo) -> Iterator[Any]:  # noqa: F811
    context = chromium.new_context(viewport={"width": 1100, "height": 700})
    tab = context.new_page()
    yield tab
    context.close()


def log_in(page: Any, demo: Demo, user: str = "admin", password: str = "admin") -> None:
    page.goto(demo.gateway + "/dashboard")
    assert page.url.startswith(demo.gateway + "/dashboard/login")
    page.fill("input[name=username]", user)
    page.fill("input[name=password]", password)
    page.fill("input[name=project]", user)
    page.click("button:has-text('Log in')")
    page.wait_for_load_state()


def health_of(page: Any, pod: str) -> Any:
    return page.locator("#pods tr", has_text=pod).locator("td").nth(3)


def test_an_admin_logs_in_and_sees_pods_and_zones(page: Any, running_demo: Demo, tmp_path) -> None:
    log_in(page, running_demo)
    assert page.url == running_demo.gateway + "/dashboard"
    for name, az in PODS:
        row = page.locator("#pods tr", has_text=name)
        assert row.locator("td").nth(1).inner_text() == az
        assert row.locator("td").nth(2).inner_text() == "up"
        assert "compute 2.1 to" in row.locator("td").nth(4).inner_text()
    assert page.locator(".az", has_text="az2").inner_text() == "az2 → pod2, pod3"
    [cookie] = page.context.cookies()
    assert cookie["name"] == "tricircle_dashboard_token" and cookie["httpOnly"]
    screenshot(page, "dashboard-pods", tmp_path)


def test_a_project_user_is_turned_away(page: Any, running_demo: Demo) -> None:
    log_in(page, running_demo, user="demo", password="demo")
    assert "Only administrators may use the dashboard." in page.inner_text("main")
    assert page.context.cookies() == []


def test_a_failed_job_is_redone(page: Any, running_demo: Demo, tmp_path) -> None:
    job_id = failed_job(running_demo.data)
    log_in(page, running_demo)
    page.click("text=failed:")
    row = page.locator("tr", has_text=job_id)
    assert row.locator(".status").inner_text() == "fail"
    screenshot(page, "dashboard-jobs", tmp_path)
    row.locator("text=Redo").click()
    page.wait_for_load_state()
    assert f"Job {job_id} is queued again." in page.inner_text("main")
    assert page.locator("tr", has_text=job_id).locator(".status").inner_text() == "new"


def test_routing_search_and_a_pods_servers(page: Any, running_demo: Demo, tmp_path) -> None:
    server = cli(
        running_demo, "server", "create", "--flavor", "m1.tiny", "--image", "cirros",
        "--availability-zone", "az1", "dashboard-vm", cloud="tricircle-demo",
    )  # fmt: skip
    log_in(page, running_demo)
    page.click("header >> text=Routing")
    page.fill("input[name=id]", server["id"])
    page.click("text=Search")
    [row] = page.locator("tbody tr").all()
    assert row.locator("td").nth(0).inner_text() == "server"
    row.locator("text=pod1").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Pod pod1"
    assert server["id"] in page.inner_text("main")
    screenshot(page, "dashboard-pod", tmp_path)


def _fault(demo: Demo, pod: str, down: str | None) -> None:
    sim = demo.identity.rsplit("/v3", 1)[0] + "/sim"
    request = urllib.request.Request(
        f"{sim}/pods/{pod}/faults", data=json.dumps({"down": down}).encode(), method="PUT"
    )
    with urllib.request.urlopen(request) as answer:
        assert answer.status == 200


def test_a_pod_going_down_shows_down_without_a_reload(
    page: Any, running_demo: Demo, tmp_path: Path
) -> None:
    from playwright.sync_api import expect

    log_in(page, running_demo)
    expect(health_of(page, "pod3")).to_contain_text("up")
    _fault(running_demo, "pod3", "refuse")
    try:
        expect(health_of(page, "pod3")).to_contain_text("down", timeout=SEEN_WITHIN_MS)
        screenshot(page, "dashboard-pod-down", tmp_path)
    finally:
        _fault(running_demo, "pod3", None)
    expect(health_of(page, "pod3")).to_contain_text("up", timeout=SEEN_WITHIN_MS)

"""`openstack tricircle ...`: the real openstack CLI, with the plugin, against the demo."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.demo.conftest import Demo
from tests.demo.jobs import failed_job

CLI = shutil.which("openstack", path=str(Path(sys.executable).parent)) or "openstack"


def run(demo: Demo, *args: str, cloud: str = "tricircle-admin") -> subprocess.CompletedProcess:
    env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(demo.clouds_yaml), "OS_CLOUD": cloud}
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=120)


def cli(demo: Demo, *args: str, cloud: str = "tricircle-admin") -> Any:
    done = run(demo, *args, "-f", "json", cloud=cloud)
    assert done.returncode == 0, f"openstack {' '.join(args)}: {done.stderr}"
    return json.loads(done.stdout) if done.stdout.strip() else None


def quiet(demo: Demo, *args: str) -> None:
    done = run(demo, *args)
    assert done.returncode == 0, f"openstack {' '.join(args)}: {done.stderr}"


def test_pods_are_listed_shown_created_changed_and_deleted(running_demo: Demo) -> None:
    demo = running_demo
    listed = cli(demo, "tricircle", "pod", "list")
    assert {(p["name"], p["az_name"], p["state"]) for p in listed} >= {
        ("pod1", "az1", "up"), ("pod2", "az2", "up"), ("pod3", "az2", "up"),
    }  # fmt: skip
    shown = cli(demo, "tricircle", "pod", "show", "pod2")
    assert shown["region_name"] == "pod2" and shown["capabilities"]["compute"]["max_version"]
    created = cli(
        demo, "tricircle", "pod", "create", "edge9", "--region", "edge9",
        "--availability-zone", "az9", "--endpoint", "compute=http://127.0.0.1:9/compute/v2.1",
    )  # fmt: skip
    assert created["endpoints"] == {"compute": "http://127.0.0.1:9/compute/v2.1"}
    quiet(demo, "tricircle", "pod", "set", "edge9", "--state", "maintenance")
    done = run(demo, "tricircle", "pod", "list", "-f", "value", "-c", "name", "-c", "state")
    assert "edge9 maintenance" in done.stdout.splitlines()
    quiet(demo, "tricircle", "pod", "delete", created["id"])
    assert "edge9" not in {p["name"] for p in cli(demo, "tricircle", "pod", "list")}


def test_the_admin_api_can_be_named_instead_of_found_in_the_catalog(running_demo: Demo) -> None:
    done = run(
        running_demo, "--os-tricircle-url", running_demo.gateway + "/v1.0",
        "tricircle", "pod", "list", "-f", "value", "-c", "name",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert {"pod1", "pod2", "pod3"} <= set(done.stdout.split())


def test_a_project_user_is_refused_with_the_apis_message(running_demo: Demo) -> None:
    done = run(running_demo, "tricircle", "pod", "list", cloud="tricircle-demo")
    assert done.returncode != 0
    assert "Policy doesn't allow tricircle:pods:read" in done.stderr and "HTTP 403" in done.stderr


def test_bindings_by_project_and_pod_names(running_demo: Demo) -> None:
    demo = running_demo
    binding = cli(demo, "tricircle", "binding", "create", "demo", "pod1")
    pod1 = cli(demo, "tricircle", "pod", "show", "pod1")
    assert binding["pod_id"] == pod1["id"]
    listed = cli(demo, "tricircle", "binding", "list", "--project", "demo")
    assert [(b["project_id"], b["pod_id"]) for b in listed] == [(binding["project_id"], pod1["id"])]
    quiet(demo, "tricircle", "binding", "delete", "demo", "pod1")
    assert cli(demo, "tricircle", "binding", "list", "--pod", "pod1") == []


def test_routing_entries_filtered_paged_shown_and_deleted(running_demo: Demo) -> None:
    demo = running_demo
    for name in ("route-a", "route-b"):
        cli(
            demo, "server", "create", "--flavor", "m1.tiny", "--image", "cirros",
            "--availability-zone", "az1", name, cloud="tricircle-demo",
        )  # fmt: skip
    servers = cli(demo, "tricircle", "routing", "list", "--resource-type", "server",
                  "--pod", "pod1", "--project", "demo")  # fmt: skip
    assert len(servers) >= 2 and {s["resource_type"] for s in servers} == {"server"}
    first = cli(demo, "tricircle", "routing", "list", "--limit", "1")
    marker = str(first[0]["id"])
    after = cli(demo, "tricircle", "routing", "list", "--limit", "1", "--marker", marker)
    assert len(first) == len(after) == 1 and after[0]["id"] > first[0]["id"]
    entry = servers[-1]
    shown = cli(demo, "tricircle", "routing", "show", str(entry["id"]))
    assert (shown["top_id"], shown["bottom_id"]) == (entry["top_id"], entry["bottom_id"])
    quiet(demo, "tricircle", "routing", "delete", str(entry["id"]))
    gone = run(demo, "tricircle", "routing", "show", str(entry["id"]))
    assert gone.returncode != 0 and "could not be found" in gone.stderr


def test_a_failed_job_is_listed_shown_redone_and_deleted(running_demo: Demo) -> None:
    demo = running_demo
    job_id = failed_job(demo.data)
    failed = cli(demo, "tricircle", "job", "list", "--status", "fail", "--type", "drill")
    assert job_id in [job["id"] for job in failed]
    shown = cli(demo, "tricircle", "job", "show", job_id)
    assert (shown["status"], shown["last_error"]) == ("fail", "the pod refused the drill")
    assert cli(demo, "tricircle", "job", "redo", job_id)["status"] == "new"
    quiet(demo, "tricircle", "job", "delete", job_id)
    gone = run(demo, "tricircle", "job", "show", job_id)
    assert gone.returncode != 0 and "HTTP 404" in gone.stderr

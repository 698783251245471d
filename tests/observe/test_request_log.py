"""One log line per request, with what an operator needs to follow it into a pod."""

from __future__ import annotations

import json
import logging

import pytest

from tests.gateway.harness import IMAGE_ID, Client, Gateway
from tricircle.observe.logs import NOISY_LIBRARIES, JsonFormatter, setup_logging

ACCESS = "tricircle.access"


def request_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == ACCESS]


async def test_a_routed_call_logs_its_project_route_pod_and_the_pods_request_id(
    gateway: Gateway, demo: Client, caplog: pytest.LogCaptureFixture
) -> None:
    server = {"name": "vm", "flavorRef": "1", "imageRef": IMAGE_ID, "availability_zone": "az1"}
    server_id = (await demo.post("/compute/v2.1/servers", {"server": server})).body["server"]["id"]
    caplog.clear()
    with caplog.at_level(logging.INFO, logger=ACCESS):
        reply = await demo.get(f"/compute/v2.1/servers/{server_id}")
    [line] = request_lines(caplog)
    fields = line.fields  # type: ignore[attr-defined]
    assert fields["request_id"] == reply.headers["x-openstack-request-id"]
    assert fields["project_id"] == await gateway.sim_project("demo")
    assert (fields["service"], fields["method"]) == ("compute", "GET")
    assert fields["route"] == "/compute/v2.1/servers/{server_id}"
    assert (fields["pods"], fields["status"]) == (["pod1"], 200)
    [pod_request_id] = fields["pod_request_ids"]
    assert pod_request_id.startswith("pod1:req-")
    assert isinstance(fields["duration_ms"], float)
    text = line.getMessage()
    assert fields["request_id"] in text and "pod=pod1" in text and "status=200" in text
    assert server_id not in text  # the route's template, the id is the pod request's business


async def test_a_refused_and_an_unknown_path_are_logged_without_a_pod(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    assert gateway.http is not None
    with caplog.at_level(logging.INFO, logger=ACCESS):
        async with gateway.http.get(gateway.url + "/compute/v2.1/servers") as answer:
            assert answer.status == 401
        async with gateway.http.get(gateway.url + "/nowhere") as answer:
            assert answer.status == 404
    refused, unknown = (line.fields for line in request_lines(caplog))  # type: ignore[attr-defined]
    assert (refused["route"], refused["status"], refused["project_id"]) == (
        "/compute/v2.1/servers",
        401,
        None,
    )
    assert (unknown["service"], unknown["route"], unknown["pods"]) == ("other", "unmatched", [])


async def test_healthchecks_are_logged_at_debug_only(
    gateway: Gateway, caplog: pytest.LogCaptureFixture
) -> None:
    assert gateway.http is not None
    with caplog.at_level(logging.INFO, logger=ACCESS):
        async with gateway.http.get(gateway.url + "/healthcheck") as answer:
            assert answer.status == 200
    assert request_lines(caplog) == []


async def test_json_lines_carry_the_request_fields_as_keys(
    demo: Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger=ACCESS):
        await demo.get("/compute/v2.1/flavors")
    [line] = request_lines(caplog)
    entry = json.loads(JsonFormatter().format(line))
    assert entry["logger"] == ACCESS and entry["level"] == "INFO"
    assert entry["route"] == "/compute/v2.1/flavors" and entry["status"] == 200
    assert entry["message"] == line.getMessage()


@pytest.fixture
def restored_logging():
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    levels = {name: logging.getLogger(name).level for name in NOISY_LIBRARIES}
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, was in levels.items():
        logging.getLogger(name).setLevel(was)


@pytest.mark.usefixtures("restored_logging")
def test_libraries_stay_at_warning_unless_debug_is_asked() -> None:
    setup_logging(log_format="json")
    setup_logging(log_format="json")  # a second call replaces its handler, adds none
    ours = [h for h in logging.getLogger().handlers if isinstance(h.formatter, JsonFormatter)]
    assert len(ours) == 1
    assert logging.getLogger("alembic").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("aiohttp.access").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger(ACCESS).getEffectiveLevel() == logging.INFO
    setup_logging(debug=True)
    assert logging.getLogger("alembic").getEffectiveLevel() == logging.DEBUG

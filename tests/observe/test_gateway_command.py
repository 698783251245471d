"""`tricircle gateway` writes its logs as the configuration asks: JSON lines here."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.e2e.test_demo import free_port
from tricircle.db import migrate


def test_the_gateway_command_logs_json_lines_when_configured(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path}/tricircle.sqlite"
    migrate.upgrade(database)
    port = free_port()
    config = tmp_path / "tricircle.conf"
    config.write_text(
        f"[gateway]\nport = {port}\nlog_format = json\n[database]\nconnection = {database}\n"
    )
    log = tmp_path / "gateway.log"
    with log.open("w") as sink:
        gateway = subprocess.Popen(
            [sys.executable, "-m", "tricircle.cli", "--config-file", str(config), "gateway"],
            stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        _answers(f"http://127.0.0.1:{port}/healthcheck")
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/nowhere")
        except urllib.error.HTTPError as exc:
            assert exc.code == 404
    finally:
        gateway.terminate()
        gateway.wait(30)
    lines = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    [request] = [line for line in lines if line["logger"] == "tricircle.access"]
    assert (request["route"], request["status"], request["level"]) == ("unmatched", 404, "INFO")


def _answers(url: str, attempts: int = 200) -> None:
    for _ in range(attempts):
        try:
            with urllib.request.urlopen(url) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.05)
    raise AssertionError(f"{url} never answered")

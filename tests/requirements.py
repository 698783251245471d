"""One rule for tests that need something outside the process.

On a developer's machine a missing PostgreSQL, MariaDB or real OpenStack skips
those tests; under CI (``CI=true``) it fails them, so a green CI run always
means they ran.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def unavailable(what: str, reason: str, *, demand_env: str | None = None) -> NoReturn:
    """Fails under CI (or when `demand_env` is set to 1), skips otherwise."""
    message = f"{what} is not available: {reason}"
    demanded_by = "CI=true" + (f" or {demand_env}=1" if demand_env else "")
    if in_ci() or (demand_env is not None and os.environ.get(demand_env) == "1"):
        pytest.fail(f"{message} ({demanded_by}: these tests must run)", pytrace=False)
    pytest.skip(message + (f" (set {demand_env}=1 to fail instead)" if demand_env else ""))

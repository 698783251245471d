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


def unavailable(what: str, reason: str) -> NoReturn:
    message = f"{what} is not available: {reason}"
    if in_ci():
        pytest.fail(f"{message} (CI=true: these tests must run)", pytrace=False)
    pytest.skip(message)

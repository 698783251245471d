"""Policy defaults and the operator's overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from tricircle.config import load_config
from tricircle.identity.context import RequestContext
from tricircle.identity.policy import Policy, PolicyDenied


def context(*roles: str) -> RequestContext:
    return RequestContext(
        token="t",
        user_id="u",
        user_name="n",
        project_id="p",
        project_name="pn",
        roles=frozenset(roles),
    )


def test_admin_api_defaults_to_admins_only() -> None:
    policy = Policy(load_config())
    assert policy.allows("tricircle:pods:read", context("admin"))
    assert not policy.allows("tricircle:pods:read", context("member"))
    with pytest.raises(PolicyDenied, match="tricircle:pods:write"):
        policy.authorize("tricircle:pods:write", context("member", "reader"))


def test_the_operators_policy_file_overrides_a_default(tmp_path: Path) -> None:
    rules = tmp_path / "policy.yaml"
    rules.write_text('"tricircle:pods:read": "role:reader"\n')
    config = tmp_path / "tricircle.conf"
    config.write_text(f"[oslo_policy]\npolicy_file = {rules}\n")
    policy = Policy(load_config([str(config)]))
    assert policy.allows("tricircle:pods:read", context("reader"))
    assert not policy.allows("tricircle:pods:write", context("reader"))

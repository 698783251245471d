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


def with_policy_file(tmp_path: Path, rules: str) -> Policy:
    """The policy of a gateway whose operator wrote `rules` in its policy file."""
    policy_file = tmp_path / "policy.yaml"
    policy_file.write_text(rules)
    config = tmp_path / "tricircle.conf"
    config.write_text(f"[oslo_policy]\npolicy_file = {policy_file}\n")
    return Policy(load_config([str(config)]))


def test_the_operators_policy_file_overrides_a_default(tmp_path: Path) -> None:
    policy = with_policy_file(tmp_path, '"tricircle:pods:read": "role:reader"\n')
    assert policy.allows("tricircle:pods:read", context("reader"))
    assert not policy.allows("tricircle:pods:write", context("reader"))


def test_context_is_admin_drives_the_admin_flag_and_the_admin_rules(tmp_path: Path) -> None:
    policy = with_policy_file(tmp_path, '"context_is_admin": "role:operator"\n')
    operator, admin = context("operator"), context("admin")
    assert policy.with_admin_flag(operator).is_admin
    assert not policy.with_admin_flag(admin).is_admin
    for rule in (
        "tricircle:pods:write",
        "compute:any_project",
        "volume:any_project",
        "compute:flavors:private",
        "volume:types:private",
    ):
        assert policy.allows(rule, operator) and not policy.allows(rule, admin), rule

"""Who may do what: oslo.policy rules with defaults in code, overridable by the operator's file.

The pods enforce their own policies on everything the gateway forwards; these
rules guard what the gateway itself decides: the admin API, the top's flavor
registry, and cross-project listings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from oslo_config import cfg
from oslo_policy import policy

from tricircle.identity.context import RequestContext
from tricircle.quota.policy import RULES as QUOTA_RULES

DEFAULTS = [
    # what makes a caller an administrator anywhere the gateway asks (as Nova's rule of
    # that name): the admin API, and every project's resources on the project APIs
    policy.RuleDefault("context_is_admin", "role:admin", "Cloud administrators."),
    policy.RuleDefault("admin_api", "rule:context_is_admin", "The admin API."),
    policy.RuleDefault("owner", "project_id:%(project_id)s", "Members of the owning project."),
    # admin API
    policy.RuleDefault("tricircle:pods:read", "rule:admin_api", "List and show pods."),
    policy.RuleDefault("tricircle:pods:write", "rule:admin_api", "Create, update, delete pods."),
    policy.RuleDefault("tricircle:bindings:read", "rule:admin_api", "List tenant bindings."),
    policy.RuleDefault("tricircle:bindings:write", "rule:admin_api", "Bind and unbind."),
    policy.RuleDefault("tricircle:routings:read", "rule:admin_api", "List and show routing."),
    policy.RuleDefault("tricircle:routings:write", "rule:admin_api", "Delete routing entries."),
    policy.RuleDefault("tricircle:jobs:read", "rule:admin_api", "List and show jobs."),
    policy.RuleDefault("tricircle:jobs:write", "rule:admin_api", "Redo and delete jobs."),
    policy.RuleDefault(
        "tricircle:images:read", "rule:admin_api", "List a top image's copies in the pods."
    ),
    policy.RuleDefault(
        "tricircle:images:write", "rule:admin_api", "Copy, drop copies of and adopt images."
    ),
    # compute decisions the gateway takes itself
    policy.RuleDefault("compute:servers:all_tenants", "rule:admin_api", "List every project."),
    # a routed resource of any project by its id, per service (as Nova's and Cinder's admins)
    policy.RuleDefault("compute:any_project", "rule:context_is_admin", "Any project's servers."),
    policy.RuleDefault("volume:any_project", "rule:context_is_admin", "Any project's volumes."),
    policy.RuleDefault(
        "compute:flavors:private", "rule:context_is_admin", "Every private flavor, any access."
    ),
    policy.RuleDefault("compute:flavors:manage", "rule:admin_api", "Create and delete flavors."),
    policy.RuleDefault("compute:flavors:access", "rule:admin_api", "Manage flavor access."),
    policy.RuleDefault("compute:keypairs:other_user", "rule:admin_api", "Other users' keys."),
    policy.RuleDefault("compute:hypervisors", "rule:admin_api", "Hypervisors of every pod."),
    policy.RuleDefault("compute:services", "rule:admin_api", "Compute services of every pod."),
    policy.RuleDefault("compute:aggregates", "rule:admin_api", "Host aggregates of every pod."),
    policy.RuleDefault(
        "volume:types:private", "rule:context_is_admin", "Every private type; extra specs."
    ),
    policy.RuleDefault("compute:availability_zones:detail", "rule:admin_api", "AZ hosts."),
    policy.RuleDefault("volume:types:manage", "rule:admin_api", "Manage volume types."),
    policy.RuleDefault("volume:all_tenants", "rule:admin_api", "List every project's volumes."),
    # quotas, under Nova's and Cinder's names
    *QUOTA_RULES,
]


class PolicyDenied(Exception):
    def __init__(self, rule: str) -> None:
        super().__init__(f"Policy doesn't allow {rule} to be performed.")
        self.rule = rule


class Policy:
    def __init__(self, conf: cfg.ConfigOpts) -> None:
        # the operator's file (``[oslo_policy] policy_file``) overrides these defaults
        self._enforcer = policy.Enforcer(conf)
        self._enforcer.register_defaults(DEFAULTS)

    def with_admin_flag(self, context: RequestContext) -> RequestContext:
        """`context` with `is_admin` as the `context_is_admin` rule has it."""
        return replace(context, is_admin=self.allows("context_is_admin", context))

    def allows(
        self, rule: str, context: RequestContext, target: dict[str, Any] | None = None
    ) -> bool:
        target = target if target is not None else {"project_id": context.project_id}
        return bool(self._enforcer.enforce(rule, target, context.policy_credentials()))

    def authorize(
        self, rule: str, context: RequestContext, target: dict[str, Any] | None = None
    ) -> None:
        if not self.allows(rule, context, target):
            raise PolicyDenied(rule)


def list_rules() -> list[policy.RuleDefault]:
    """For oslopolicy-sample-generator."""
    return DEFAULTS

"""The quota rules, under Nova's and Cinder's own names and with their defaults."""

from __future__ import annotations

from oslo_policy import policy

_ADMIN = "rule:context_is_admin"
_ADMIN_OR_OWNER = "rule:context_is_admin or project_id:%(project_id)s"

RULES = [
    policy.RuleDefault(f"os_compute_api:os-quota-sets:{name}", check, description)
    for name, check, description in (
        ("show", _ADMIN_OR_OWNER, "A project's compute quotas."),
        ("detail", _ADMIN_OR_OWNER, "A project's compute quotas with their usage."),
        ("defaults", "@", "The default compute quotas."),
        ("update", _ADMIN, "Set a project's or a user's compute quotas."),
        ("delete", _ADMIN, "Reset a project's or a user's compute quotas to the defaults."),
    )
] + [
    policy.RuleDefault("os_compute_api:os-quota-class-sets:show", _ADMIN, "A quota class."),
    policy.RuleDefault("os_compute_api:os-quota-class-sets:update", _ADMIN, "Set a class."),
    policy.RuleDefault("os_compute_api:limits", "@", "One's own project's limits and usage."),
    policy.RuleDefault(
        "os_compute_api:limits:other_project", _ADMIN, "Another project's limits and usage."
    ),
    policy.RuleDefault("volume_extension:quotas:show", _ADMIN_OR_OWNER, "Volume quotas."),
    policy.RuleDefault("volume_extension:quotas:update", _ADMIN, "Set a project's quotas."),
    policy.RuleDefault("volume_extension:quotas:delete", _ADMIN, "Reset them to defaults."),
    policy.RuleDefault("volume_extension:quota_classes", _ADMIN, "A volume quota class."),
    policy.RuleDefault("volume_extension:quota_classes:update", _ADMIN, "Set a class."),
    policy.RuleDefault(
        "limits_extension:used_limits", _ADMIN_OR_OWNER, "Volume limits with their usage."
    ),
]

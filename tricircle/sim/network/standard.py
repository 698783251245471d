"""Neutron's standard attributes: what every resource carries and how an update moves it on."""

from __future__ import annotations

from typing import Any

from tricircle.sim.http import isotime, now


def stamp(resource: dict[str, Any], project_id: str) -> dict[str, Any]:
    """The attributes every Neutron resource with standard attributes carries."""
    ts = isotime(now())
    resource.update(
        {
            "tenant_id": project_id,
            "project_id": project_id,
            "created_at": ts,
            "updated_at": ts,
            "revision_number": 0,
            "tags": [],
            "description": resource.get("description", ""),
        }
    )
    return resource


def touch(resource: dict[str, Any]) -> None:
    """An update: the revision moves on, as Neutron's standard attributes do."""
    resource["revision_number"] += 1
    resource["updated_at"] = isotime(now())

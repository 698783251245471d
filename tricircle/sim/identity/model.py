"""Keystone's entities as the simulator keeps them."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Domain:
    id: str
    name: str
    enabled: bool = True
    description: str = ""


@dataclass
class Project:
    id: str
    name: str
    domain_id: str
    enabled: bool = True
    description: str = ""


@dataclass
class User:
    id: str
    name: str
    domain_id: str
    password: str
    default_project_id: str | None = None
    enabled: bool = True


@dataclass
class Role:
    id: str
    name: str


@dataclass
class Token:
    id: str
    user_id: str
    project_id: str | None
    methods: list[str]
    issued_at: float
    expires_at: float
    audit_ids: list[str]
    domain_id: str | None = None  # a domain-scoped token
    system: bool = False  # a system-scoped token


@dataclass(frozen=True)
class Scope:
    """What a token or a role assignment is scoped to: one project, one domain or the system."""

    project_id: str | None = None
    domain_id: str | None = None
    system: bool = False

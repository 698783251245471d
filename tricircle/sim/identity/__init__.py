"""Keystone v3: the in-memory identity store shared by all pods, and its HTTP API.

`model` and `store` hold users, projects, roles, tokens and the catalog; `tokens` is the token
API, `directory` the read-only admin API, `views` their JSON, `app` the route table.
"""

from tricircle.sim.identity.app import build_app
from tricircle.sim.identity.store import IdentityStore

__all__ = ["IdentityStore", "build_app"]

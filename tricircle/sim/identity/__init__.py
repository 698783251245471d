"""Keystone v3: the in-memory identity store shared by all pods, and its HTTP API.

`model` and `store` hold users, projects, roles, tokens and the catalog; `tokens` is the token
API (project, domain and system scopes), `directory` the admin API's reads, `entities` its
project and user creates and deletes, `assignments` the role assignments, `views` their JSON,
`app` the route table.
"""

from tricircle.sim.identity.app import build_app
from tricircle.sim.identity.store import IdentityStore

__all__ = ["IdentityStore", "build_app"]

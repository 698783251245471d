"""The gateway's own Keystone session: its service token and the catalog of every region."""

from __future__ import annotations

import asyncio

from keystoneauth1 import exceptions as ks_exceptions
from keystoneauth1 import session as ks_session
from keystoneauth1.identity import v3
from oslo_config import cfg

from tricircle.identity.errors import IdentityUnavailable


class ServiceAuth:
    """Holds the service user's token; keystoneauth1 renews it before it expires."""

    def __init__(self, conf: cfg.ConfigOpts) -> None:
        identity = conf.identity
        self.auth_url = identity.auth_url.rstrip("/")
        plugin = v3.Password(
            auth_url=self.auth_url,
            username=identity.username,
            password=identity.password,
            project_name=identity.project_name,
            user_domain_name=identity.user_domain_name,
            project_domain_name=identity.project_domain_name,
        )
        self._session = ks_session.Session(auth=plugin)
        self._lock = asyncio.Lock()

    async def token(self) -> str:
        # keystoneauth1 is synchronous; it answers from memory until the token nears expiry.
        async with self._lock:
            try:
                return await asyncio.to_thread(self._session.get_token)
            except ks_exceptions.ClientException as exc:
                raise IdentityUnavailable(f"the gateway cannot authenticate: {exc}") from exc

    async def invalidate(self) -> None:
        async with self._lock:
            self._session.invalidate()

    async def region_endpoints(self, region: str) -> dict[str, str]:
        """The public endpoint of each service of `region`, from Keystone's current catalog.

        Asked anew each time: a token's own catalog is as old as the token, and
        regions are added while the gateway runs.
        """
        async with self._lock:
            try:
                response = await asyncio.to_thread(
                    self._session.get, f"{self.auth_url}/auth/catalog", raise_exc=True
                )
            except ks_exceptions.ClientException as exc:
                raise IdentityUnavailable(f"cannot read the catalog: {exc}") from exc
        found: dict[str, str] = {}
        for entry in response.json()["catalog"]:
            for endpoint in entry.get("endpoints", []):
                if endpoint.get("region_id", endpoint.get("region")) == region and (
                    endpoint.get("interface") == "public"
                ):
                    found[entry["type"]] = endpoint["url"]
        return found

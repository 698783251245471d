"""SimCloud: one shared Keystone and any number of simulated pods in one process."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from tricircle.sim import admin, identity
from tricircle.sim.compute.model import Quota
from tricircle.sim.identity import IdentityStore
from tricircle.sim.pod import Pod


class SimCloud:
    """Keystone (plus the /sim admin API) on one port; each pod on a port of its own.

    Seeded: domain `default`; roles admin, member, reader; project `service` with the
    gateway's service user `tricircle` (admin); project `admin` with user `admin` (admin).
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        boot_delay: float = 0.5,
        action_delay: float | None = None,
        token_ttl: float = 3600.0,
        service_password: str = "tricircle",
        admin_password: str = "admin",
        quota: dict[str, int] | None = None,
        cinder_backup: bool = True,
    ) -> None:
        self.host = host
        self.port = port
        self.boot_delay = boot_delay
        self.action_delay = action_delay
        self.quota = quota or {}
        self.cinder_backup = cinder_backup
        self.identity = IdentityStore(token_ttl=token_ttl)
        self.pods: dict[str, Pod] = {}
        self.central: Pod | None = None
        self._runner: web.AppRunner | None = None
        for role in ("admin", "member", "reader"):
            self.identity.create_role(role)
        self.identity.create_user("tricircle", service_password, project="service", roles=["admin"])
        self.identity.create_user("admin", admin_password, project="admin", roles=["admin"])

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def identity_url(self) -> str:
        return f"{self.base_url}/v3"

    async def start(self) -> None:
        app = identity.build_app(self.identity)
        app.add_subapp("/sim/", admin.build_app(self))
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.2
        )
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self.identity.base_url = self.base_url

    async def stop(self) -> None:
        for pod in [*self.pods.values(), *([self.central] if self.central else [])]:
            await pod.stop()
        self.pods.clear()
        self.central = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> SimCloud:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def add_pod(
        self,
        name: str,
        az: str | None = None,
        *,
        compute_max_version: str = "2.96",
        port: int = 0,
        boot_delay: float | None = None,
        cinder_backup: bool | None = None,
        **quota: Any,
    ) -> Pod:
        """Starts a pod serving region `name` (AZ defaults to `az-<name>`).

        `cinder_backup=False` plays a Cinder without a backup service (backups fail)."""
        if name in self.pods:
            raise ValueError(f"pod {name} exists")
        pod = Pod(
            name,
            az=az or f"az-{name}",
            host=self.host,
            identity=self.identity,
            compute_max_version=compute_max_version,
            boot_delay=self.boot_delay if boot_delay is None else boot_delay,
            action_delay=self.action_delay,
            quota=Quota(**{**self.quota, **quota}),
            port=port,
            cinder_backup=self.cinder_backup if cinder_backup is None else cinder_backup,
        )
        await pod.start()
        self.pods[name] = pod
        self.set_region_endpoints(name, pod.endpoints())
        return pod

    async def add_central(self) -> Pod:
        """The top's own services, which the gateway stands in front of: the central Neutron
        and the top Glance (url("network"), url("image")). In no region's catalog: clients
        reach them through the gateway."""
        if self.central is None:
            self.central = Pod("central", az="central", host=self.host, identity=self.identity)
            await self.central.start()
        return self.central

    async def remove_pod(self, name: str) -> None:
        pod = self.pods.pop(name)
        await pod.stop()
        self.identity.regions.pop(name, None)

    def set_region_endpoints(self, region: str, endpoints: dict[str, str]) -> None:
        """Publishes a region's endpoints in the catalog (identity is added for every region)."""
        self.identity.set_region(region, {**endpoints, "identity": self.identity_url})

"""One simulated bottom cloud: Nova, Glance, Cinder and Neutron on a port of its own."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable
from typing import Any

from aiohttp import web

from tricircle.sim import compute, image, network, volume
from tricircle.sim.compute.model import RUNNING, ComputeState, Flavor, Quota, Server
from tricircle.sim.faults import FaultGate, Faults
from tricircle.sim.http import new_id, now, parse_version
from tricircle.sim.identity import IdentityStore
from tricircle.sim.image import Image, ImageState
from tricircle.sim.network import NetworkState
from tricircle.sim.service import build_pod_app
from tricircle.sim.volume import VolumeState

# Where each catalog service type lives on a pod's port.
_PATHS = {
    "compute": "/compute/v2.1",
    "image": "/image",
    "volumev3": "/volume/v3",
    "network": "/network",
}


class Pod:
    """A fake OpenStack region. Its state is plain dicts, open for tests to read and seed."""

    def __init__(
        self,
        name: str,
        *,
        az: str,
        host: str,
        identity: IdentityStore,
        compute_max_version: str = "2.96",
        boot_delay: float = 0.5,
        action_delay: float | None = None,
        quota: Quota | None = None,
        port: int = 0,
        cinder_backup: bool = True,
    ) -> None:
        self.name = name
        self.az = az
        self.host = host
        self.port = port
        self.boot_delay = boot_delay
        self.action_delay = boot_delay if action_delay is None else action_delay
        self.compute_microversions = compute.microversions(parse_version(compute_max_version))
        self.compute = ComputeState(az, [f"{name}-compute1"], quota or Quota())
        self.image = ImageState()
        self.network = NetworkState()
        self.volume = VolumeState(
            az, host=f"{name}-cinder", clock=self, backup_service=cinder_backup
        )
        self._identity = identity
        self._gate = FaultGate()
        self._timers: set[asyncio.TimerHandle] = set()
        self._runner: web.AppRunner | None = None
        self._server: asyncio.Server | None = None

    # -- lifecycle --

    async def start(self) -> None:
        services = {
            "compute": compute.service(self.compute_microversions.max),
            "image": image.SERVICE,
            "volume": volume.SERVICE,
            "network": network.SERVICE,
        }
        app = build_pod_app(self, self._identity, self._gate, services)
        self._runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=0.2
        )
        await self._runner.setup()
        await self._listen()

    async def stop(self) -> None:
        for timer in self._timers:
            timer.cancel()
        self._timers.clear()
        self._unlisten()
        self._gate.set(Faults())  # wake hung requests so shutdown does not wait on them
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _listen(self) -> None:
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        sock.listen(512)
        sock.setblocking(False)
        self.port = sock.getsockname()[1]  # keep it: coming back up re-listens on the same port
        assert self._runner is not None and self._runner.server is not None
        self._server = await asyncio.get_running_loop().create_server(
            self._runner.server, sock=sock
        )

    def _unlisten(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        if self._runner is not None and self._runner.server is not None:
            # Open keep-alive connections die too, as they would with a dead host.
            for handler in list(self._runner.server.connections):
                handler.force_close()

    # -- faults --

    @property
    def faults(self) -> Faults:
        return self._gate.faults

    @faults.setter
    def faults(self, faults: Faults) -> None:
        """Applies at once: "refuse" closes the listener before this returns."""
        was_refusing = self._gate.faults.down == "refuse"
        self._gate.set(faults)
        if faults.down == "refuse" and not was_refusing:
            self._unlisten()
        elif was_refusing and faults.down != "refuse" and self._runner is not None:
            task = asyncio.get_running_loop().create_task(self._listen())
            task.add_done_callback(lambda t: t.exception())

    @property
    def arrived(self) -> int:
        """How many requests the pod has received."""
        return self._gate.arrived

    async def received(self, call: str, *, after: int = 0, timeout: float = 10.0) -> None:
        """Returns once a request starting with `call` (e.g. "POST /compute/v2.1/servers")
        arrived, among those after the first `after` (a count from `arrived`)."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            new = self._gate.arrived - after
            recent = list(self._gate.arrivals)[-new:] if new > 0 else []
            if any(a.startswith(call) for a in recent):
                return
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{self.name} never received {call}")
            await asyncio.sleep(0.005)

    async def set_faults(self, faults: Faults) -> None:
        """Like assigning `faults`, and waits until the pod listens again when it came back."""
        self.faults = faults
        if faults.down != "refuse" and self._server is None and self._runner is not None:
            await self._listen()

    # -- timers --

    def later(self, delay: float, fn: Callable[[], Any]) -> None:
        """Runs a state transition after `delay` (at once when 0, handy in tests)."""
        if delay <= 0:
            fn()
            return
        handle: asyncio.TimerHandle

        def run() -> None:
            self._timers.discard(handle)
            fn()

        handle = asyncio.get_running_loop().call_later(delay, run)
        self._timers.add(handle)

    # -- introspection and seeding --

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def url(self, service_type: str) -> str:
        return self.base_url + _PATHS[service_type]

    def endpoints(self) -> dict[str, str]:
        return {stype: self.url(stype) for stype in _PATHS}

    @property
    def servers(self) -> dict[str, Server]:
        return self.compute.servers

    @property
    def flavors(self) -> dict[str, Flavor]:
        return self.compute.flavors

    @property
    def images(self) -> dict[str, Image]:
        return self.image.images

    def add_image(self, name: str, id: str | None = None, **attrs: Any) -> Image:
        """An active public image unless told otherwise (see ImageState.add)."""
        return self.image.add(name=name, id=id, **attrs)

    def add_flavor(
        self,
        name: str,
        ram: int = 512,
        vcpus: int = 1,
        disk: int = 1,
        id: str | None = None,
        **attrs: Any,
    ) -> Flavor:
        flavor = Flavor(id=id or new_id(), name=name, ram=ram, vcpus=vcpus, disk=disk, **attrs)
        self.compute.flavors[flavor.id] = flavor
        return flavor

    def add_server(
        self,
        name: str,
        project_id: str,
        user_id: str = "",
        flavor: str = "1",
        image: str = "",
        **attrs: Any,
    ) -> Server:
        """An ACTIVE server placed directly, for benchmarks and fixtures (no quota, no ports)."""
        host = self.compute.hosts[0]
        server = Server(
            id=new_id(),
            name=name,
            project_id=project_id,
            user_id=user_id,
            flavor=self.compute.flavors[flavor],
            image_id=image,
            availability_zone=self.az,
            host=host,
            node=host,
            vm_state="active",
            task_state=None,
            power_state=RUNNING,
            launched_at=now(),
            **attrs,
        )
        self.compute.servers[server.id] = server
        return server

    def info(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "az": self.az,
            "port": self.port,
            "endpoints": self.endpoints(),
            "faults": self.faults.to_json(),
            "compute_max_version": f"{self.compute_microversions.max[0]}."
            f"{self.compute_microversions.max[1]}",
            "servers": len(self.servers),
            "images": len(self.images),
        }

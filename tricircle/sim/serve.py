"""`tricircle sim`: run a SimCloud in the foreground until Ctrl-C or SIGTERM."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from tricircle.sim.cloud import SimCloud


def parse_args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="tricircle sim",
        description="Simulated OpenStack pods: one Keystone, N pods of Nova/Glance/Cinder/"
        "Neutron, each on its own port.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on")
    parser.add_argument("--port", type=int, default=5000, help="Keystone port (0: any free)")
    parser.add_argument("--pods", type=int, default=2, help="number of pods (pod1..podN)")
    parser.add_argument(
        "--azs",
        type=int,
        default=0,
        help="spread pods over this many AZs (az1..azN); 0: one AZ per pod",
    )
    parser.add_argument(
        "--pod-port",
        type=int,
        default=0,
        help="port of pod1; the others follow (0: any free ports)",
    )
    parser.add_argument(
        "--boot-delay",
        type=float,
        default=0.5,
        help="seconds a server stays in BUILD (and a delete takes)",
    )
    parser.add_argument("--compute-max-version", default="2.96")
    parser.add_argument(
        "--password", default="tricircle", help="password of the service user 'tricircle'"
    )
    parser.add_argument("--admin-password", default="admin")
    parser.add_argument(
        "--image",
        default="cirros",
        help="name of the public image seeded into each pod ('' for none)",
    )
    return parser.parse_args(argv)


async def run(args: argparse.Namespace) -> None:
    cloud = SimCloud(
        args.host,
        args.port,
        boot_delay=args.boot_delay,
        service_password=args.password,
        admin_password=args.admin_password,
    )
    await cloud.start()
    try:
        for i in range(1, args.pods + 1):
            az = f"az{(i - 1) % args.azs + 1}" if args.azs else f"az{i}"
            pod = await cloud.add_pod(
                f"pod{i}",
                az,
                compute_max_version=args.compute_max_version,
                port=args.pod_port + i - 1 if args.pod_port else 0,
            )
            if args.image:
                # The same image id in every pod, as an operator syncing images would have.
                pod.add_image(args.image, id="8a7c4a1c-7c36-4c1b-9a44-2b1e0c0e0f01")
        print(f"identity: {cloud.identity_url}", flush=True)
        print(f"admin:    {cloud.base_url}/sim/pods", flush=True)
        for pod in cloud.pods.values():
            print(f"{pod.name}: az={pod.az} {pod.base_url}", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await cloud.stop()


def main(argv: list[str]) -> int:
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run(args))
    return 0


if __name__ == "__main__":
    import sys

    raise SystemExit(main(sys.argv[1:]))

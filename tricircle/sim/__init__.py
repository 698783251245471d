"""Simulated OpenStack clouds: one Keystone v3 and any number of pods (Nova, Glance, Cinder,
Neutron), in one process, for demos, tests and outage rehearsals.

    cloud = SimCloud(boot_delay=0.5)
    await cloud.start()
    pod = await cloud.add_pod("pod1", az="az1")
    pod.faults = Faults(down="refuse")
"""

from tricircle.sim.cloud import SimCloud
from tricircle.sim.faults import Faults
from tricircle.sim.pod import Pod

__all__ = ["Faults", "Pod", "SimCloud"]

"""Simulated Cinder v3 for one pod, as Cinder 28.0.0 (2026.1) answers: microversions up to
3.71, volumes, actions, attachments, snapshots, backups, types, transfers, quotas, limits.

`model` holds the records and `store` the pod's state (VolumeState, also what Nova drives
through `attach`/`detach`/`release`); `attaching` is the attach state machine; `validation`
checks bodies with Cinder's schemas and wording, `listing` does Cinder's filters, sort and
paging; one module per resource holds its handlers and views; `routes` is the route table.
"""

from tricircle.sim.volume.routes import SERVICE
from tricircle.sim.volume.store import VolumeState

__all__ = ["SERVICE", "VolumeState"]

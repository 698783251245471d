"""Simulated Glance v2 for one pod, as Glance 32.0.0 (2026.1) answers with a file store.

`model` holds the records and `store` the pod's state (ImageState, also what Nova and
Cinder read and what tests seed with `add`); `blobs` keeps image bytes in files, never in
memory; `access` is who sees and changes what; `validation` and `schemas` check requests as
Glance does; `images`, `data`, `importing`, `members`, `tags` and `listing` are the
handlers; `routes` is the route table.
"""

from tricircle.sim.image.model import Image
from tricircle.sim.image.routes import SERVICE
from tricircle.sim.image.store import ImageState

__all__ = ["SERVICE", "Image", "ImageState"]
